"""The decision drawn: Mermaid source (for Markdown viewers that draw it) and the same flowchart as
inline SVG (no script, no network) for the HTML report and the slides."""

from __future__ import annotations

import html
import textwrap

from bench.report_builder.decision import Decision


def mermaid(decision: Decision) -> str:
    lines = ["flowchart TD", '  start(["a day of events"])']
    previous = "start"
    for number, step in enumerate(decision.steps):
        lines.append(f'  q{number}{{"{step.question}"}}')
        lines.append(f'  a{number}["{step.answer}"]')
        lines.append(
            f"  {previous} --> q{number}" if number == 0 else f"  {previous} -- no --> q{number}"
        )
        lines.append(f"  q{number} -- yes --> a{number}")
        previous = f"q{number}"
    lines.append(f'  z["{decision.otherwise}"]')
    lines.append(f"  {previous} -- no --> z")
    return "\n".join(lines)


def svg(decision: Decision) -> str:
    """The same flowchart drawn as inline SVG (no script, no network)."""
    width, row, box_w, box_h = 900, 90, 380, 50
    height = row * (len(decision.steps) + 1) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
        'font-family="sans-serif" font-size="13">',
        '<defs><marker id="arrow" markerWidth="10" markerHeight="10" refX="9" refY="3" '
        'orient="auto"><path d="M0,0 L9,3 L0,6 z" fill="#333"/></marker></defs>',
    ]

    def box(x: float, y: float, text: str, fill: str, rounded: int, w: float = box_w) -> None:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{box_h}" rx="{rounded}" '
            f'fill="{fill}" stroke="#333"/>'
        )
        lines = textwrap.wrap(text, int(w / 7.2))[:3] or [""]
        for number, line in enumerate(lines):
            dy = box_h / 2 + 4 + (number - (len(lines) - 1) / 2) * 15
            parts.append(
                f'<text x="{x + w / 2}" y="{y + dy}" text-anchor="middle">'
                f"{html.escape(line)}</text>"
            )

    def arrow(x1: float, y1: float, x2: float, y2: float, label: str) -> None:
        parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" '
            'marker-end="url(#arrow)"/>'
        )
        parts.append(f'<text x="{(x1 + x2) / 2 + 6}" y="{(y1 + y2) / 2 - 4}">{label}</text>')

    left, right = 20, width - box_w - 20
    for number, step in enumerate(decision.steps):
        y = 20 + number * row
        box(left, y, step.question, "#fff3cd", 25)
        box(right, y, step.answer, "#d4edda", 4)
        arrow(left + box_w, y + box_h / 2, right, y + box_h / 2, "yes")
        arrow(left + box_w / 2, y + box_h, left + box_w / 2, y + row, "no")
    box(left, 20 + len(decision.steps) * row, decision.otherwise, "#f8d7da", 4, width - 40)
    parts.append("</svg>")
    return "\n".join(parts)
