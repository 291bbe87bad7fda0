"""``etlstack bench slides DIR``: a deck of at most twelve slides from DIR/results.json, every
figure the report's own (the verdict slide's numbers are the report's), one HTML file that
fetches nothing — rendered in Chromium with the network off, with no error, stepped by the
keyboard, the URL's hash following — and a PDF of one page a slide."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from conftest import etlstack, one_error_line
from test_report_scale_out_comes_from_task_replay import synthetic

from bench.report_builder import slides
from bench.report_builder.build import build_document
from bench.report_builder.document import to_markdown
from bench.report_builder.offline_page import computed_styles, screenshot
from python_engines.core.errors import EtlStackError

# the page's requests: any resource fetched (data: URIs are not requests)
REQUESTS = "performance.getEntriesByType('resource').map(function (e) { return e.name; }).join()"
SHOWN = "document.querySelector('.slide.current .number').textContent"
RIGHT_ARROW = (
    "(document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'})), location.hash)"
)
SHOWN_AFTER = "document.querySelector('.slide.current').id"
END, HOME = (
    f"(document.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}'}})), location.hash)"
    for key in ("End", "Home")
)


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recorded results.json (Polars, DuckDB, Spark with event logs: a model and a
    flowchart) and the deck the command builds from it."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "results.json").write_text(json.dumps(synthetic()))
    done = etlstack("bench", "slides", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"slides: {folder / 'slides.html'}",
        f"slides: {folder / 'slides.pdf'}",
    ]
    return folder


def _sections(page: str) -> list[str]:
    return re.findall(r'<section class="slide.*?</section>', page, re.S)


def _text(markup: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", markup))


def test_the_deck_has_at_most_twelve_slides_each_numbered_of_the_whole(deck: Path) -> None:
    sections = _sections((deck / "slides.html").read_text())
    assert 8 <= len(sections) <= 12
    titles = [_text(re.search(r"<h1>(.*?)</h1>", s).group(1)) for s in sections]
    assert titles[0] == "Spark or a single-node Python stack?"
    assert titles[2] == "Time: the verdict"
    assert any(t.startswith("Caveats") for t in titles)
    numbers = [re.search(r'class="number">(\d+) / (\d+)<', s).groups() for s in sections]
    assert numbers == [(str(n), str(len(sections))) for n in range(1, len(sections) + 1)]


def test_every_number_on_the_verdict_slide_is_in_the_report_of_the_same_results(
    deck: Path,
) -> None:
    verdict = _sections((deck / "slides.html").read_text())[2]
    shown = _text(verdict.split("<footer")[0])
    numbers = re.findall(r"\d[\d,.]*\d|\d", shown)
    assert len(numbers) > 10  # the fastest engine, its spread, the thresholds, the model error
    report = to_markdown(build_document(synthetic()))
    assert [n for n in numbers if n not in report] == []
    # and the lines themselves: the report's verdict, word for word (its bold as <strong>)
    in_report = report.split("## Verdict")[1].split("\n## ")[0]
    report_lines = [line[2:] for line in in_report.splitlines() if line.startswith("- ")]
    slide_lines = [
        unescape(re.sub(r"<strong>(.*?)</strong>", r"**\1**", line))
        for line in re.findall(r"<li>(.*?)</li>", verdict)
    ]
    assert slide_lines == report_lines


def test_the_page_is_one_file_that_asks_for_nothing(deck: Path) -> None:
    page = (deck / "slides.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*(?!["']?data:)""", page)  # images are data: URIs
    assert not re.search(r"url\((?!#)|@import|fetch\(|XMLHttpRequest|<link|<iframe", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count("<svg") == 1 and page.count("data:image/png;base64,") >= 4


def test_a_value_from_the_results_is_text_never_markup(tmp_path: Path) -> None:
    results = synthetic()
    results["header"]["machine"]["cpu"] = '<img src=x onerror="alert(1)">**x**'
    (tmp_path / "results.json").write_text(json.dumps(results))
    slides.write_slides(tmp_path, pdf=False)
    page = (tmp_path / "slides.html").read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def _probed_copy(deck: Path, name: str, extra: str = "") -> Path:
    """The deck (with ``extra`` markup in its body) for the probe, which reads its values with
    eval, which the deck's policy refuses: 'unsafe-eval' is added to the copy's policy, whose
    network rules stay the deck's."""
    page = (deck / "slides.html").read_text()
    page = page.replace("<body>", "<body>" + extra, 1)
    page = page.replace("script-src 'unsafe-inline'", "script-src 'unsafe-inline' 'unsafe-eval'")
    copy = deck / name
    copy.write_text(page)
    return copy


def test_offline_the_deck_renders_with_no_error_and_the_right_arrow_shows_slide_two(
    deck: Path,
) -> None:
    page = _probed_copy(deck, "probed.html")
    expressions = (REQUESTS, SHOWN, RIGHT_ARROW, SHOWN_AFTER, END, HOME)
    rendered = computed_styles(page, [], expressions=expressions)  # raises on any problem
    values = rendered.values
    assert rendered.problems == [] and values[REQUESTS] == ""
    total = len(_sections(page.read_text()))
    assert values[SHOWN] == f"1 / {total}"
    assert values[RIGHT_ARROW] == "#2" and values[SHOWN_AFTER] == "slide-2"
    assert (values[END], values[HOME]) == (f"#{total}", "#1")


def test_the_collector_sees_a_request_the_deck_would_make(deck: Path) -> None:
    """The control: the same check on the deck with an image from the internet fails."""
    page = _probed_copy(deck, "fetching.html", '<img src="https://example.com/x.png">')
    problems = computed_styles(page, [], allow_problems=True).problems
    assert "refused: https://example.com/x.png" in problems
    with pytest.raises(EtlStackError, match=r"problem.*example\.com/x\.png"):
        computed_styles(page, [])


def test_a_linked_slide_opens_on_it_and_screenshots(deck: Path) -> None:
    page = deck / "slides.html"
    first = screenshot(page, deck / "slide-1.png", size=(1280, 720))
    fourth = screenshot(page, deck / "slide-4.png", size=(1280, 720), fragment="4")
    assert fourth.stat().st_size > 20_000  # a plot and its text, not a blank page
    assert fourth.read_bytes() != first.read_bytes()  # #4 opened on slide 4


def test_the_pdf_has_a_page_a_slide(deck: Path) -> None:
    pdf = (deck / "slides.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) == len(_sections((deck / "slides.html").read_text()))


def test_without_chromium_the_deck_is_written_and_the_pdf_skipped_in_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def absent() -> str:
        raise EtlStackError("no headless Chromium: apt-get install chromium")

    monkeypatch.setattr(slides.offline_page, "chromium", absent)
    (tmp_path / "results.json").write_text(json.dumps(synthetic()))
    written, skipped = slides.write_slides(tmp_path)
    assert written == [tmp_path / "slides.html"] and not (tmp_path / "slides.pdf").exists()
    assert skipped == "slides.pdf skipped: no headless Chromium: apt-get install chromium"


def test_a_folder_without_results_is_one_line_naming_the_file(tmp_path: Path) -> None:
    line = one_error_line(etlstack("bench", "slides", str(tmp_path)))
    assert str(tmp_path / "results.json") in line
