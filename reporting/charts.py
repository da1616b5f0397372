"""SVG charts for the pages and the PDF: real text (searchable, extractable from the PDF),
colours as attributes (no inline style, which the Content Security Policy forbids).

A hidden cell draws no bar and prints its « < 5 » or « s » where the value would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .engine import ShownCell

FONT = "DejaVu Sans, Arial, sans-serif"
BAR = "#1f5f8b"
TEXT = "#1b1b1b"
GRID = "#d0d7de"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 11,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = TEXT,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" text-anchor="{anchor}" fill="{fill}">{escape(content)}</text>'
    )


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(cells: Sequence[ShownCell], *, title: str, width: int = 640) -> SafeString:
    """Horizontal bars, one per cell, the label on the left and the value on the right."""
    rows = list(cells)
    if not rows:
        return mark_safe("")
    label_width, value_width, row_height, top = int(min(230, width * 0.42)), 70, 22, 28
    bar_space = width - label_width - value_width - 10
    values = [c.value for c in rows if not c.hidden and isinstance(c.value, int | float)]
    largest = max(values, default=0) or 1
    height = top + row_height * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text(0, 16, title, size=12, weight="bold"),
    ]
    for index, cell in enumerate(rows):
        y = top + index * row_height
        parts.append(_text(0, y + 14, _shorten(cell.label, int(label_width / 6.3))))
        if not cell.hidden and isinstance(cell.value, int | float) and cell.value > 0:
            length = max(bar_space * cell.value / largest, 1.5)
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row_height - 8}" fill="{BAR}"/>'
            )
        parts.append(_text(width - 4, y + 14, cell.display, anchor="end", weight="bold"))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def column_chart(cells: Sequence[ShownCell], *, title: str, width: int = 640) -> SafeString:
    """Vertical columns in order (months), the value above each column."""
    columns = list(cells)
    if not columns:
        return mark_safe("")
    height, top, bottom, left = 226, 38, 36, 8
    plot_height = height - top - bottom
    step = (width - left * 2) / len(columns)
    values = [c.value for c in columns if not c.hidden and isinstance(c.value, int | float)]
    largest = max(values, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text(0, 16, title, size=12, weight="bold"),
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - left}" '
        f'y2="{top + plot_height}" stroke="{GRID}"/>',
    ]
    for index, cell in enumerate(columns):
        x = left + index * step
        centre = x + step / 2
        shown = not cell.hidden and isinstance(cell.value, int | float)
        bar_height = plot_height * (cell.value / largest) if shown and cell.value else 0
        if bar_height:
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_height - bar_height:.1f}" '
                f'width="{step * 0.7:.1f}" height="{bar_height:.1f}" fill="{BAR}"/>'
            )
        parts.append(
            _text(
                centre, top + plot_height - bar_height - 4, cell.display, size=10, anchor="middle"
            )
        )
        parts.append(
            _text(centre, height - bottom + 14, _short_month(cell.label), size=10, anchor="middle")
        )
        year = cell.key[:4]
        if index == 0 or cell.key.endswith("-01"):
            parts.append(
                _text(centre, height - bottom + 28, year, size=9, anchor="middle", fill="#57606a")
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _short_month(label: str) -> str:
    """« septembre 2026 » → « sept. »"""
    month = label.split(" ")[0]
    short = {
        "janvier": "janv.",
        "février": "févr.",
        "avril": "avr.",
        "juillet": "juil.",
        "septembre": "sept.",
        "octobre": "oct.",
        "novembre": "nov.",
        "décembre": "déc.",
    }
    return short.get(month, month)
