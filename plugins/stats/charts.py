"""Bar chart geometry for inline SVG drawn at build time (the template draws it; no JS).

Numbers only: the template (partials/bar_chart.html) turns a `BarChart` into an <svg> with
<title> and <desc> (aria-labelledby) and a data table, coloured by CSS variables so it
follows light and dark mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plugins.stats.figures import Point

WIDTH = 640
HEIGHT = 220
LEFT = 40
RIGHT = 28  # room for the last bar's label ("Nov 2026") centred under it
TOP = 18
BOTTOM = 30


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its point, its rectangle, where its labels go."""

    key: str
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    show_label: bool

    @property
    def center(self) -> float:
        """The bar's horizontal middle (for its labels)."""
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True, slots=True)
class Gridline:
    """A horizontal rule at `value`, drawn at `y`."""

    value: int
    y: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A titled bar chart with its text alternative (description and rows for the table)."""

    id: str
    title: str
    description: str
    unit: str
    bars: tuple[Bar, ...]
    gridlines: tuple[Gridline, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def unit_one(self) -> str:
        """The unit for a value of 1 ("post" for "posts")."""
        return self.unit[:-1] if self.unit.endswith("s") else self.unit

    @property
    def baseline(self) -> int:
        """The y of the x axis."""
        return self.height - BOTTOM

    @property
    def left(self) -> int:
        """The x of the y axis."""
        return LEFT

    @property
    def right(self) -> int:
        """Where the plot ends on the right."""
        return self.width - RIGHT


def nice_step(top: int, lines: int = 4) -> int:
    """A round gridline step (1, 2, 5, 10, 20, 50...) giving at most `lines` lines up to `top`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= factor * step * lines:
                return factor * step
        step *= 10


def describe(title: str, points: Sequence[Point], unit: str, additive: bool = True) -> str:
    """One sentence a screen reader reads for the chart: range, total (if it adds up), peak."""
    if not points:
        return f"{title}: no data."
    peak = max(points, key=lambda p: p.value)
    text = f"{title}, {points[0].label} to {points[-1].label}"
    if additive:
        text += f": {sum(p.value for p in points)} {unit} in all"
    if peak.value:
        text += f"{',' if additive else ':'} most in {peak.label} ({peak.value})"
    elif not additive:
        text += f": no {unit}"
    return text + ". The table below has every value."


def bar_chart(
    chart_id: str,
    title: str,
    points: Sequence[Point],
    unit: str,
    label_every: int = 1,
    *,
    additive: bool = True,
) -> BarChart:
    """Lay out one bar per point, gridlines at round values, every `label_every`-th label."""
    top = max((p.value for p in points), default=0)
    step = nice_step(max(top, 1))
    ceiling = step * max(1, -(-max(top, 1) // step))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(points), 1)
    gap = min(6.0, slot * 0.2)
    bars = []
    for index, point in enumerate(points):
        height = round(plot_height * point.value / ceiling, 1)
        bars.append(
            Bar(
                key=point.key,
                label=point.label,
                value=point.value,
                x=round(LEFT + index * slot + gap / 2, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot - gap, 1),
                height=height,
                show_label=(len(points) - 1 - index) % label_every == 0,
            )
        )
    gridlines = tuple(
        Gridline(value, round(TOP + plot_height - plot_height * value / ceiling, 1))
        for value in range(0, ceiling + 1, step)
    )
    return BarChart(
        id=chart_id,
        title=title,
        description=describe(title, points, unit, additive),
        unit=unit,
        bars=tuple(bars),
        gridlines=gridlines,
    )
