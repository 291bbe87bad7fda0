"""A report as a list of blocks, rendered to Markdown and to one self-contained HTML page
(inline CSS, plots as base64 PNG, the flowchart as inline SVG: nothing fetched)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Document:
    title: str
    blocks: list[tuple] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # file name → PNG

    def heading(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("ul", items))

    def table(self, headers: list[str], rows: list[list[object]]) -> None:
        self.blocks.append(("table", headers, [[str(v) for v in row] for row in rows]))

    def image(self, name: str, png: bytes, alt: str) -> None:
        self.images[name] = png
        self.blocks.append(("img", name, alt))

    def flowchart(self, mermaid: str, svg: str) -> None:
        self.blocks.append(("flow", mermaid, svg))


def to_markdown(doc: Document, image_folder: str = "plots") -> str:
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        kind = block[0]
        if kind == "h2":
            out += [f"## {block[1]}", ""]
        elif kind == "p":
            out += [block[1], ""]
        elif kind == "ul":
            out += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            out.append("| " + " | ".join(headers) + " |")
            out.append(
                "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"
            )
            out += ["| " + " | ".join(row) + " |" for row in rows]
            out.append("")
        elif kind == "img":
            out += [f"![{block[2]}]({image_folder}/{block[1]})", ""]
        elif kind == "flow":
            out += ["```mermaid", block[1], "```", ""]
    return "\n".join(out)


CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px}td{text-align:right}td:first-child{text-align:left}
th{background:#f0f0f0}img{max-width:100%;border:1px solid #eee}code,pre{background:#f6f6f6}
"""


def inline(text: str) -> str:
    """Our prose as markup: escaped first (a value is data, never markup), then its Markdown
    `code` spans, **bold** and *italics* (an asterisk with a space or a digit beside it, as in
    ``2 * 3``, stays an asterisk)."""
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![\w*])\*(?=[^\s*\d])([^*]*?[^\s*])\*(?![\w*])", r"<em>\1</em>", escaped)


def to_html(doc: Document) -> str:
    esc = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(doc.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(doc.title)}</h1>",
    ]
    out += [block_html(block, doc.images) for block in doc.blocks]
    out.append("</body></html>")
    return "\n".join(out)


def block_html(block: tuple, images: dict[str, bytes], text: Callable[[str], str] = inline) -> str:
    """One block as HTML; ``text`` turns a value into markup (escaping it: data is never
    markup)."""
    kind = block[0]
    if kind == "h2":
        return f"<h2>{text(block[1])}</h2>"
    if kind == "p":
        return f"<p>{text(block[1])}</p>"
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{text(i)}</li>" for i in block[1]) + "</ul>"
    if kind == "table":
        head = "".join(f"<th>{text(h)}</th>" for h in block[1])
        body = "".join(
            "<tr>" + "".join(f"<td>{text(v)}</td>" for v in row) + "</tr>" for row in block[2]
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if kind == "img":
        data = base64.b64encode(images[block[1]]).decode()
        return f'<p><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}"></p>'
    if kind == "flow":
        return (
            block[2]
            + "\n"
            + f"<details><summary>Mermaid source</summary><pre>{html.escape(block[1])}</pre>"
            + "</details>"
        )
    raise ValueError(f"unknown block {kind!r}")
