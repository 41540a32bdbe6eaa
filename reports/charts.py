"""Charts as PNG images, drawn with matplotlib's object API (no pyplot global state, so
report jobs may run in worker threads).

What a Camat reads on paper (issue 23):
- Numbers as Indonesian readers write them (82,5; 1.250) on the axes and labels.
- A value axis starts at a stated base (0 for counts and percentages, 25 for an IKM on its
  25-100 scale) instead of matplotlib's zoom into the data's range, and the base is the
  lowest printed tick: the axis shows where it starts, its label names only the unit.
- No text is drawn where a line or another text can cross it: the title above the plot,
  the legend (the realisation, the target with its value) below it, outside the axes;
  value labels only at the ends of plain bars, where no target line is drawn.
A target is a dashed line; an annual value is one bar for its year, not a flat line.

`figure(chart)` makes a chart's matplotlib figure afresh, so a test can measure where
every text landed; ``Chart.png`` is that figure as PNG.
"""

from __future__ import annotations

import io
import math
import textwrap
import weakref
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from reports.model import Chart
from reports.numbers import number, trimmed

COLOUR, TARGET_COLOUR = "#1f5f99", "#c0392b"
NO_DATA = "Belum ada data"
DPI = 150  # sharp on a printed A4 page, where the image is ~17 cm wide
TITLE_WIDTH = 70  # characters a title line holds at 9 pt across the figure
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
MOST_TICKS = 7


def _plain(text: str) -> str:
    """Text drawn as written. Matplotlib reads what stands between two ``$`` as
    mathtext, where an unknown command (a category named ``$\\x$`` in the office's
    list) fails the whole report; with every ``$`` escaped, no text switches to math."""
    return text.replace("$", r"\$")


def _title(axes: Axes, title: str) -> None:
    axes.set_title(_plain(textwrap.fill(title, TITLE_WIDTH)), fontsize=9)


def _png(make: Callable[[], Figure]) -> bytes:
    buffer = io.BytesIO()
    make().savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


_FIGURES: weakref.WeakKeyDictionary[Chart, Callable[[], Figure]] = weakref.WeakKeyDictionary()


def _chart(title: str, make: Callable[[], Figure], spec: dict[str, object]) -> Chart:
    chart = Chart(title, partial(_png, make), spec)
    _FIGURES[chart] = make
    return chart


def figure(chart: Chart) -> Figure:
    """The chart's figure, drawn afresh: what its PNG shows, for measuring."""
    return _FIGURES[chart]()


INDONESIAN = FuncFormatter(lambda value, _position: trimmed(value))


def ticks(base: float, top: float, whole: bool) -> list[float]:
    """At most seven evenly spaced ticks from ``base`` up to ``top``, ``base`` first, on
    a step of 1, 2, 2.5 or 5 times a power of ten that ``base`` is a multiple of (25 on
    the IKM scale: 25, 50, 75, 100); ``whole``: counts, so no step below 1."""
    span = top - base
    if span <= 0:
        return [base]
    power = 10.0 ** math.floor(math.log10(span / MOST_TICKS))
    for magnitude in (power, power * 10, power * 100):
        for step in (s * magnitude for s in NICE_STEPS):
            if (whole and step < 1) or span / step > MOST_TICKS:
                continue
            if math.isclose(base / step, round(base / step), abs_tol=1e-9):
                return [base + k * step for k in range(int(span / step + 1e-9) + 1)]
    return [base, top]


def _value_axis(axes: Axes, base: float, top: float, unit: str, whole: bool, axis: str) -> None:
    scale = axes.yaxis if axis == "y" else axes.xaxis
    (axes.set_ylim if axis == "y" else axes.set_xlim)(base, top)
    scale.set_major_locator(FixedLocator(ticks(base, top, whole)))
    scale.set_major_formatter(INDONESIAN)
    if unit:
        (axes.set_ylabel if axis == "y" else axes.set_xlabel)(_plain(unit), fontsize=7)


def _top(values: Sequence[float], target: float | None, ceiling: float | None) -> float:
    """Room above the highest value or target; a percentage scale shows 100 at least."""
    highest = max([v for v in values if v == v] + ([target] if target is not None else []) + [1])
    top = highest * 1.15
    return max(top, ceiling) if ceiling is not None and highest <= ceiling else top


def _whole(values: Sequence[float], target: Decimal | None) -> bool:
    """Counts (documents): every value and the target whole numbers."""
    shown = [v for v in values if v == v] + ([float(target)] if target is not None else [])
    return all(float(v).is_integer() for v in shown)


def _no_data(axes: Axes) -> None:
    """An empty plot says so in words: blank axes read as a drawing that failed."""
    axes.text(
        0.5,
        0.5,
        NO_DATA,
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color="#555555",
    )


def _legend(figure: Figure, axes: Axes) -> None:
    """Below the plot, outside it: no line or point can run through its text. The
    realisation first, then the target, whatever order they were drawn in."""
    handles, labels = axes.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("Target"))
    figure.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside lower center",
        ncol=len(order),
        fontsize=7,
        frameon=False,
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal | None],
    *,
    target: Decimal | None = None,
    base: float = 0.0,
    unit: str = "",
    ceiling: float | None = None,
) -> Chart:
    """One indicator over the months; months without data are left as gaps."""
    make = partial(_line_figure, title, list(labels), list(values), target, base, unit, ceiling)
    return _chart(title, make, {"kind": "line", "base": base, "target": target, "unit": unit})


def _line_figure(
    title: str,
    labels: list[str],
    values: list[Decimal | None],
    target: Decimal | None,
    base: float,
    unit: str,
    ceiling: float | None,
) -> Figure:
    figure = Figure(figsize=(6.0, 2.5), layout="constrained")
    axes = figure.subplots()
    points = [float(v) if v is not None else float("nan") for v in values]
    positions = list(range(len(labels)))  # positions, not text: "Jan 26" is no date
    axes.plot(positions, points, marker="o", markersize=4, color=COLOUR, label="Realisasi")
    if target is not None:
        axes.axhline(
            float(target),
            color=TARGET_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"Target {number(target)}",
        )
    axes.set_xticks(positions, [_plain(label) for label in labels])
    axes.set_xlim(-0.5, len(labels) - 0.5)  # every month's place, with or without data
    top = _top(points, float(target) if target is not None else None, ceiling)
    _value_axis(axes, base, top, unit, _whole(points, target), "y")
    if all(p != p for p in points):
        _no_data(axes)
    _title(axes, title)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    _legend(figure, axes)
    return figure


def year_chart(
    title: str, year: int, value: Decimal | None, target: Decimal | None, unit: str
) -> Chart:
    """An annual value (SAKIP, IKU6): one bar for the year beside its target."""
    spec = {"kind": "year", "base": 0.0, "target": target, "value": value, "unit": unit}
    return _chart(title, partial(_year_figure, title, year, value, target, unit), spec)


def _year_figure(
    title: str, year: int, value: Decimal | None, target: Decimal | None, unit: str
) -> Figure:
    """The value and the target are named in the legend, not written beside the bar,
    where the target line would cross the figure whenever the two are close."""
    figure = Figure(figsize=(6.0, 1.7), layout="constrained")
    axes = figure.subplots()
    shown = float(value) if value is not None else 0.0
    written = number(value) if value is not None else "belum ada nilai"
    axes.barh([0], [shown], color=COLOUR, height=0.5, label=f"Realisasi {year}: {written}")
    axes.set_yticks([0], [str(year)])
    axes.set_ylim(-0.5, 0.5)
    if target is not None:
        axes.axvline(
            float(target),
            color=TARGET_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"Target: {number(target)}",
        )
    top = max(100.0, shown * 1.15, float(target or 0) * 1.15)
    _value_axis(axes, 0.0, top, unit, False, "x")
    if value is None:
        _no_data(axes)
    _title(axes, title)
    axes.tick_params(labelsize=7)
    _legend(figure, axes)
    return figure


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> Chart:
    """Counts or scores per group, each bar labelled with its value at its end."""
    make = partial(_bar_figure, title, list(labels), list(values))
    return _chart(title, make, {"kind": "bar"})


def _places(values: Sequence[float]) -> int:
    """As many decimals as the most precise value has, up to 4 (an NRR): "3,2500" beside
    "3,3182", as the table prints them; none for counts."""
    decimals = [len(repr(float(v)).partition(".")[2].rstrip("0")) for v in values]
    return min(max([0, *decimals]), 4)


def _bar_figure(title: str, labels: list[str], values: list[float]) -> Figure:
    figure = Figure(figsize=(6.0, 0.32 * max(3, len(labels)) + 0.8), layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(labels)))[::-1]  # the first label on top
    bars = axes.barh(positions, values, color=COLOUR, height=0.6)
    places = _places(values)
    axes.bar_label(bars, labels=[number(v, places) for v in values], padding=3, fontsize=7)
    axes.set_yticks(positions, [_plain(label) for label in labels])
    whole = all(float(v).is_integer() for v in values)
    _value_axis(axes, 0.0, max([*values, 1]) * 1.2, "", whole, "x")
    if not values:
        _no_data(axes)
    _title(axes, title)
    axes.tick_params(labelsize=7)
    return figure
