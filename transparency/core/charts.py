"""Bar charts of the report's figures as plain geometry, drawn as SVG by the templates.

Pure module. Counts are published as ranges, so a bar's length is the range's position on the
scale ("0", "1-4", "5-9", ...), labelled with the range itself: a chart never shows a figure
more precisely than the table next to it. A withheld figure has no bar, only its label.
"""

from __future__ import annotations

from typing import Any

from audit.core.report import BUCKET_LABELS, bucket_level

WIDTH = 640
LABEL_WIDTH = 220
ROW_HEIGHT = 26
BAR_HEIGHT = 18
TOP = 8


def bar_chart(title: str, rows: list[tuple[str, str | None]]) -> dict[str, Any]:
    """Return the geometry of a horizontal bar chart of (label, range label or None) rows."""
    scale = WIDTH - LABEL_WIDTH - 70
    steps = len(BUCKET_LABELS) - 1
    bars = []
    for index, (label, value) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        length = 0 if value is None else round(scale * bucket_level(value) / steps)
        bars.append(
            {
                "label": label,
                "value": "withheld" if value is None else value,
                "withheld": value is None,
                "y": y,
                "text_y": y + BAR_HEIGHT - 4,
                "x": LABEL_WIDTH,
                "width": length,
                "value_x": LABEL_WIDTH + length + 6,
            }
        )
    return {
        "title": title,
        "width": WIDTH,
        "height": TOP * 2 + max(1, len(rows)) * ROW_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
    }


def period_charts(period: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the charts of one period's figures: submissions received and published per type."""
    by_type = period["submissions"]["by_type"]
    charts = []
    for outcome, title in (("received", "Submissions received"), ("published", "Published")):
        rows = [
            (itype, figures[outcome] if figures["status"] == "published" else None)
            for itype, figures in by_type.items()
        ]
        if rows:
            charts.append(bar_chart(f"{title}, by indicator type", rows))
    return charts


def quarter_chart(quarters: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the chart of submissions received in each quarter (all types together)."""
    rows = []
    for quarter in quarters:
        total = quarter["submissions"]["total"]
        rows.append(
            (quarter["quarter"], total["received"] if total["status"] == "published" else None)
        )
    return bar_chart("Submissions received, by quarter", rows)
