"""Server-rendered SVG charts; every one has a table beside it with the same numbers."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape

from .tallies import Tally

# Position letters in the order bars are stacked, as in the tables.
ORDER = (("yes", "Y"), ("no", "N"), ("abstain", "A"), ("non_voting", "X"))
ROW_HEIGHT = 28
LABEL_WIDTH = 0  # labels sit above each bar, so narrow screens keep the bar wide
WIDTH = 600


def stacked_bars(
    rows: Sequence[tuple[str, Tally]], *, label: str, scale: int | None = None
) -> str:
    """Horizontal bars, one per row, split by position.

    ``scale`` is the count a full-width bar stands for (the largest total if
    None), so bars of different sizes stay comparable.
    """
    scale = scale or max((t.total for _, t in rows), default=0) or 1
    height = len(rows) * (ROW_HEIGHT + 18)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" focusable="false">'
    ]
    y = 0
    for name, tally in rows:
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 13}">{escape(name)}</text>'
        )
        x = 0.0
        for field, letter in ORDER:
            count = getattr(tally, field)
            if not count:
                continue
            width = WIDTH * count / scale
            parts.append(
                f'<rect class="bar-{letter}" x="{x:.1f}" y="{y + 17}" '
                f'width="{width:.1f}" height="{ROW_HEIGHT - 4}"/>'
            )
            if width >= 22:
                parts.append(
                    f'<text class="bar-text bar-text-{letter}" x="{x + width / 2:.1f}" '
                    f'y="{y + 17 + ROW_HEIGHT / 2 + 2}">{count}</text>'
                )
            x += width
        y += ROW_HEIGHT + 18
    parts.append("</svg>")
    return "".join(parts)


def step_line(
    points: Sequence[tuple[datetime.date, int]], *, label: str, height: int = 160
) -> str:
    """A step chart of a count over time (cosponsors as they join and withdraw)."""
    if not points:
        return ""
    first, last = points[0][0], points[-1][0]
    days = max((last - first).days, 1)
    top = max(count for _, count in points) or 1
    left, bottom, plot_w, plot_h = 40, height - 24, WIDTH - 50, height - 40

    def xy(day: datetime.date, count: int) -> tuple[float, float]:
        return (
            left + plot_w * (day - first).days / days,
            bottom - plot_h * count / top,
        )

    path, previous = [], None
    for day, count in points:
        x, y = xy(day, count)
        if previous is None:
            path.append(f"M{x:.1f} {bottom:.1f}V{y:.1f}")
        else:
            path.append(f"H{x:.1f}V{y:.1f}")
        previous = count
    path.append(f"H{left + plot_w:.1f}")
    return "".join(
        [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(label)}" focusable="false">',
            f'<line class="axis" x1="{left}" y1="{bottom}" x2="{left + plot_w}" '
            f'y2="{bottom}"/>',
            f'<line class="axis" x1="{left}" y1="{bottom}" x2="{left}" '
            f'y2="{bottom - plot_h}"/>',
            f'<text class="chart-label" x="{left - 6}" y="{bottom - plot_h + 4}" '
            f'text-anchor="end">{top}</text>',
            f'<text class="chart-label" x="{left - 6}" y="{bottom}" '
            'text-anchor="end">0</text>',
            f'<text class="chart-label" x="{left}" y="{height - 4}">'
            f"{first.isoformat()}</text>",
            f'<text class="chart-label" x="{left + plot_w}" y="{height - 4}" '
            f'text-anchor="end">{last.isoformat()}</text>',
            f'<path class="step" d="{"".join(path)}"/>',
            "</svg>",
        ]
    )
