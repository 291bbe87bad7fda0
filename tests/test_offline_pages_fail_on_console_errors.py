"""Every page the project writes is checked in headless Chromium with the network cut off, and a
page fails the check on any script error, console error, or failed or refused request. The
control: one page with each kind of problem, every one of them reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report_builder.offline_page import computed_styles
from python_engines.core.errors import EtlStackError

pytestmark = pytest.mark.slow

BROKEN = """<html><head>
<script src="vendored.js" crossorigin="anonymous"></script>
<script src="missing.js"></script>
<script>console.error("a console error"); console.log("a plain log line");</script>
</head><body>
<img src="https://example.com/logo.png">
<script>notDefinedAnywhere();</script>
<script>fetch("manifest.json").catch(function () {});</script>
</body></html>"""


def test_each_kind_of_problem_is_reported_and_fails_the_page(tmp_path: Path) -> None:
    (tmp_path / "vendored.js").write_text("window.vendored = true;")
    (tmp_path / "manifest.json").write_text("{}")
    page = tmp_path / "broken.html"
    page.write_text(BROKEN)
    problems = computed_styles(page, [], allow_problems=True).problems
    text = "\n".join(problems)
    assert f"failed to load: {(tmp_path / 'vendored.js').as_uri()}" in problems  # CORS refusal
    assert f"failed to load: {(tmp_path / 'missing.js').as_uri()}" in problems
    assert "failed to load: https://example.com/logo.png" in problems  # no network
    assert "console error: a console error" in problems
    assert "notDefinedAnywhere is not defined" in text
    assert "fetch at 'file://" in text and "blocked by CORS policy" in text  # caught by the page
    assert "a plain log line" not in text  # a log line is not an error
    with pytest.raises(EtlStackError, match=r"broken\.html: \d+ problem\(s\) in Chromium offline"):
        computed_styles(page, [])


def test_a_page_that_works_offline_has_no_problem(tmp_path: Path) -> None:
    page = tmp_path / "fine.html"
    page.write_text("<html><head><style>p{color:red}</style></head><body><p>x</p></body></html>")
    rendered = computed_styles(page, [("p", "color")])
    assert rendered.problems == [] and rendered.styles["p color"] == "rgb(255, 0, 0)"
