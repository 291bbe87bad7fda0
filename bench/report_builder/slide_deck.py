"""Slides (``Document``s) as one self-contained HTML deck: inline CSS and script, plots as data:
URIs, the flowchart as inline SVG, and a Content-Security-Policy that lets the page fetch
nothing. One slide shows at a time, fitted to the window; →/Space/PageDown and ←/PageUp step,
Home/End jump, and the URL's hash follows the slide (#3), so a slide can be linked. Printed, each
slide is one 1280 x 720 px page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

from bench.report_builder.document import Document, block_html, inline

FIGURES = ("img", "flow")
# nothing from outside: no fetch, font, frame or form; the page's own style and script only
POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{background:#2b2f36;font-family:system-ui,sans-serif;color:#1f2328;overflow:hidden}
.slide{display:none;flex-direction:column;position:absolute;left:50%;top:50%;width:1280px;
 height:720px;margin:-360px 0 0 -640px;transform:scale(var(--scale,1));background:#fff;
 padding:34px 52px 18px;overflow:hidden}
.slide.current,.slide.measure{display:flex}
.slide.measure{visibility:hidden}
.slide h1{font-size:34px;margin:0 0 16px;color:#0b3d91;line-height:1.15}
.body{flex:1;min-height:0;display:flex;gap:28px;font-size:22px;line-height:1.35}
.text{flex:1 1 40%;min-width:0;overflow:hidden}
.figure{flex:0 0 58%;display:flex;align-items:flex-start;justify-content:center}
.figure p{margin:0}.figure img{max-width:100%;max-height:600px;display:block}
.figure-first .body{flex-direction:column;gap:0;overflow:hidden}
.figure-first svg{display:block;margin:4px auto;max-width:100%;height:auto}
.figure-first img{display:block;margin:0 auto 8px;max-width:100%;max-height:520px}
.figure-first .body{font-size:18px}
.cover h1{font-size:54px;margin:120px 0 28px}
.cover .body{font-size:24px}
p{margin:0 0 .6em}ul{margin:0 0 .6em;padding-left:1.1em}li{margin:0 0 .35em}
table{border-collapse:collapse;font-size:.62em;margin:0 0 .6em}
th,td{border:1px solid #ccc;padding:2px 7px}th{background:#f0f3f7}
td{text-align:right}td:first-child{text-align:left}
code{background:#f3f3f3;padding:0 3px}
footer{display:flex;justify-content:space-between;font-size:13px;color:#777;padding-top:8px}
#nav{position:fixed;left:50%;bottom:10px;transform:translateX(-50%);display:flex;gap:6px}
#nav button{font:18px system-ui;padding:2px 12px;border:0;border-radius:4px;background:#e8e8e8}
@page{size:1280px 720px;margin:0}
@media print{
 html,body{height:auto;overflow:visible;background:#fff}
 .slide{display:flex;position:relative;left:0;top:0;margin:0;transform:none;
  break-after:page;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .slide:last-of-type{break-after:auto}
 #nav{display:none}
}
"""
SCRIPT = """
(function () {
  var slides = document.querySelectorAll(".slide"), total = slides.length, current = 0;
  var steps = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1,
               ArrowLeft: -1, ArrowUp: -1, PageUp: -1};
  function numberIn(hash) {
    var n = parseInt(String(hash).replace("#", ""), 10);
    return isNaN(n) ? 1 : n;
  }
  function show(n) {
    n = Math.min(Math.max(n, 1), total);
    for (var i = 0; i < total; i++) {
      slides[i].classList.toggle("current", i === n - 1);
      slides[i].setAttribute("aria-hidden", String(i !== n - 1));
    }
    current = n;
    if (location.hash !== "#" + n) { location.replace("#" + n); }
  }
  function scale() {
    var s = Math.min(window.innerWidth / 1280, window.innerHeight / 720);
    document.documentElement.style.setProperty("--scale", String(s));
  }
  function fitText() {  // a long value shrinks its slide's text rather than being cut off
    for (var i = 0; i < total; i++) {
      slides[i].classList.add("measure");
      var boxes = slides[i].querySelectorAll(".text, .figure-first .body, .cover .body");
      for (var j = 0; j < boxes.length; j++) {
        var box = boxes[j], size = parseFloat(getComputedStyle(box).fontSize);
        while (box.scrollHeight > box.clientHeight + 1 && size > 10) {
          size -= 1;
          box.style.fontSize = size + "px";
        }
      }
      slides[i].classList.remove("measure");
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "Home") { show(1); }
    else if (event.key === "End") { show(total); }
    else if (Object.prototype.hasOwnProperty.call(steps, event.key)) {
      show(current + (event.key === " " && event.shiftKey ? -1 : steps[event.key]));
    } else { return; }
    event.preventDefault();
  });
  window.addEventListener("hashchange", function () { show(numberIn(location.hash)); });
  window.addEventListener("resize", scale);
  document.getElementById("previous").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  window.deck = {show: show, current: function () { return current; }, total: total};
  fitText();
  scale();
  show(numberIn(location.hash));
})();
"""


@dataclass
class Slide(Document):
    """A slide: a title and the report's blocks, laid out as ``layout`` says — ``split``: text
    left, plot right; ``figure``: the plot or flowchart first, its text under it; ``text``;
    ``cover``: the deck's first page."""

    layout: Literal["split", "figure", "text", "cover"] = "split"


def _block(block: tuple, slide: Slide) -> str:
    if block[0] == "flow":
        return block[2]  # the drawn flowchart; its Mermaid source is the report's
    return block_html(block, slide.images)


def _slide(slide: Slide, number: int, total: int, footer: str) -> str:
    figures = [b for b in slide.blocks if b[0] in FIGURES]
    text = [b for b in slide.blocks if b[0] not in FIGURES]
    if slide.layout == "split" and figures:
        body = (
            f'<div class="text">{"".join(_block(b, slide) for b in text)}</div>'
            f'<div class="figure">{"".join(_block(b, slide) for b in figures)}</div>'
        )
        layout = "split"
    elif slide.layout == "figure":
        body = "".join(_block(b, slide) for b in figures + text)
        layout = "figure-first"
    elif slide.layout == "cover":
        body = "".join(_block(b, slide) for b in slide.blocks)
        layout = "cover"
    else:  # text, or a split with no plot
        body = f'<div class="text">{"".join(_block(b, slide) for b in slide.blocks)}</div>'
        layout = "text-only"
    return (
        f'<section class="slide {layout}" id="slide-{number}" aria-label="slide {number}">'
        f"<h1>{inline(slide.title)}</h1>"
        f'<div class="body">{body}</div>'
        f"<footer><span>{html.escape(footer)}</span>"
        f'<span class="number">{number} / {total}</span></footer>'
        "</section>"
    )


def to_deck(slides: list[Slide], title: str) -> str:
    """The whole deck as one HTML page."""
    total = len(slides)
    footer = f"{title} · every figure from results.json"
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
            *(_slide(s, n, total, footer) for n, s in enumerate(slides, start=1)),
            '<nav id="nav"><button id="previous" aria-label="previous slide">&lsaquo;</button>'
            '<button id="next" aria-label="next slide">&rsaquo;</button></nav>',
            f"<script>{SCRIPT}</script>",
            "</body></html>",
        ]
    )
