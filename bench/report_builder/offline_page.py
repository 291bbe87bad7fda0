"""Open a local HTML page in headless Chromium with no network, read what it rendered.

Chromium (Debian ``chromium``) runs inside ``unshare -n`` — a new network namespace with nothing
but a down loopback — so a page that needs the internet visibly fails. Without ``unshare`` (not
root, or no util-linux) it refuses, unless ``allow_network=True`` says a networked run is fine.

Computed styles: the page is copied beside itself (so its relative links resolve) with a script
that, once the page has loaded, writes the computed styles of the asked selectors as JSON into the
DOM; ``--dump-dom`` prints it.

Problems: a collector put first in the copy's ``<head>`` keeps every script error, failed or
refused load (a missing file, a request the offline browser cannot make, one the page's policy
refuses), unhandled rejection and ``console.error``; Chromium's own log (``--enable-logging``)
adds the refusals a page never sees as an error event (a ``fetch`` of a ``file://`` URL that the
page catches). A page with any is an error unless the caller asks to see them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from python_engines.core.errors import EtlStackError

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",  # let the page's scripts and fonts finish before the dump
]
PROBE_ID = "etlstack-offline-probe"
# first in <head>: what the page's own scripts and loads go through, kept for the probe to read
COLLECTOR = """<script>
window.etlstackProblems = [];
window.addEventListener("error", function (e) {
  var target = e.target && (e.target.src || e.target.href);
  etlstackProblems.push(target ? "failed to load: " + target : "error: " + e.message);
}, true);
window.addEventListener("unhandledrejection", function (e) {
  etlstackProblems.push("unhandled rejection: " + e.reason);
});
document.addEventListener("securitypolicyviolation", function (e) {
  etlstackProblems.push("refused: " + e.blockedURI);
});
var etlstackConsoleError = console.error;
console.error = function () {
  etlstackProblems.push("console error: " + Array.prototype.join.call(arguments, " "));
  etlstackConsoleError.apply(console, arguments);
};
</script>"""
# Chromium's log of a console message (--enable-logging=stderr): [pid:tid:time:INFO:CONSOLE:line]
LOGGED = re.compile(r":CONSOLE(?::|\()\d*\)?\] \"(?P<message>.*)\", source: ")
REFUSALS = re.compile(
    r"blocked by|Refused to|Not allowed to load|Failed to load|net::ERR_|Uncaught"
)
PROBE = """
<script>
window.addEventListener("load", function () {
  var asked = %s, expressions = %s, clicks = %s, styles = {}, values = {};
  clicks.forEach(function (selector) {
    var node = document.querySelector(selector);
    if (node) { node.click(); }
  });
  setTimeout(function () {  // after the clicks' transitions (Bootstrap's fade: 150 ms)
    asked.forEach(function (item) {
      var node = document.querySelector(item[0]);
      styles[item[0] + " " + item[1]] =
        node ? getComputedStyle(node).getPropertyValue(item[1]) : null;
    });
    expressions.forEach(function (expression) {
      try { values[expression] = String(eval(expression)); }
      catch (error) { values[expression] = "error: " + error.message; }
    });
    var out = document.createElement("pre");
    out.id = "%s";
    out.textContent = JSON.stringify(
      {styles: styles, values: values, problems: window.etlstackProblems || []});
    document.body.appendChild(out);
  }, clicks.length ? 1000 : 0);
});
</script>
"""


@dataclass
class RenderedPage:
    styles: dict[str, str | None]  # "<selector> <property>" → computed value (None: no element)
    dom: str
    values: dict[str, str] = field(default_factory=dict)  # JS expression → its value as text
    # script errors, failed or refused loads, console errors: [] for a page that works offline
    problems: list[str] = field(default_factory=list)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise EtlStackError("no headless Chromium: apt-get install chromium")


def offline_command(allow_network: bool = False) -> list[str]:
    """The prefix that cuts the network off (``unshare -n``), checked to work here."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    if allow_network:
        return []
    raise EtlStackError(
        "cannot cut the network off: `unshare -n` needs root (or user namespaces); "
        "pass allow_network=True to render with the network on"
    )


def _run(arguments: list[str], allow_network: bool, timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="etlstack-chromium-") as profile:
        command = [
            *offline_command(allow_network),
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            *arguments,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EtlStackError(f"chromium failed ({done.returncode}): {last}")
    return done


def logged_refusals(log: str) -> list[str]:
    """The console messages in Chromium's log that say a load or script was refused or failed."""
    found = (LOGGED.search(line) for line in log.splitlines())
    return [f"logged: {m['message']}" for m in found if m and REFUSALS.search(m["message"])]


def computed_styles(
    page: Path,
    asked: list[tuple[str, str]],
    allow_network: bool = False,
    timeout: float = 60,
    expressions: tuple[str, ...] = (),
    clicks: tuple[str, ...] = (),
    allow_problems: bool = False,
) -> RenderedPage:
    """The computed ``(selector, css property)`` values of ``page`` rendered with no network,
    and the values of JavaScript ``expressions`` — read after clicking the ``clicks`` selectors,
    in order, once the page has loaded (what a reader's click does, its scripts included).
    A script error, failed or refused load or console error is an error, listed, unless
    ``allow_problems`` (then they are in ``problems``)."""
    page = page.resolve()
    copy = page.with_name(f".{page.stem}-probe-{uuid.uuid4().hex[:8]}.html")
    html = page.read_text(encoding="utf-8")
    copy.write_text(_probed(html, asked, expressions, clicks), encoding="utf-8")
    try:
        logged = ["--enable-logging=stderr", "--v=0", "--dump-dom", copy.as_uri()]
        done = _run(logged, allow_network, timeout)
    finally:
        copy.unlink(missing_ok=True)
    dom = done.stdout
    start = dom.find(f'<pre id="{PROBE_ID}">')
    if start < 0:
        raise EtlStackError(f"{page.name}: the page did not finish loading in Chromium")
    text = dom[start:].split(">", 1)[1].split("</pre>", 1)[0]
    found = json.loads(_unescape(text))
    problems = [*found["problems"], *logged_refusals(done.stderr)]
    if problems and not allow_problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise EtlStackError(
            f"{page.name}: {len(problems)} problem(s) in Chromium offline: "
            + "; ".join(problems[:3])
            + more
        )
    return RenderedPage(found["styles"], dom, found["values"], problems)


def _probed(html: str, asked: list[tuple[str, str]], expressions: tuple, clicks: tuple) -> str:
    """``html`` with the collector first in its head and the probe last in its body."""
    listed = (json.dumps([list(a) for a in asked]), json.dumps(expressions), json.dumps(clicks))
    probe = PROBE % (*listed, PROBE_ID)
    marker = "</body>" if "</body>" in html else None
    probed = html.replace(marker, probe + marker, 1) if marker else html + probe
    head = re.search(r"<head\b[^>]*>", probed, flags=re.IGNORECASE)
    at = head.end() if head else 0
    return probed[:at] + COLLECTOR + probed[at:]


def screenshot(
    page: Path,
    out: Path,
    size: tuple[int, int] = (1280, 900),
    allow_network: bool = False,
    timeout: float = 60,
    fragment: str = "",
) -> Path:
    """A PNG of ``page`` rendered with no network; ``fragment``: the URL's part after ``#``
    (a slide of a deck, an anchor)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    arguments = [f"--screenshot={out}", f"--window-size={size[0]},{size[1]}"]
    uri = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    _run([*arguments, uri], allow_network, timeout)
    if not out.exists():
        raise EtlStackError(f"chromium wrote no screenshot of {page}")
    return out


def print_pdf(page: Path, out: Path, allow_network: bool = False, timeout: float = 120) -> Path:
    """``page`` printed to a PDF with no network: its print stylesheet and ``@page`` size, no
    header or footer of Chromium's."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)  # a stale copy must not pass for this print
    arguments = [f"--print-to-pdf={out}", "--no-pdf-header-footer"]
    _run([*arguments, page.resolve().as_uri()], allow_network, timeout)
    if not out.exists():
        raise EtlStackError(f"chromium printed no PDF of {page}")
    return out


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
