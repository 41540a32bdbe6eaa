"""Charts as PNG images, drawn with matplotlib's object API (no pyplot global state, so
report jobs may run in worker threads).

Value axes start at a stated base (0 for counts and percentages, 25 for an IKM on its
25-100 scale) and say so, instead of letting matplotlib zoom into the data's range: a
Camat reading IKU4 drawn from 80 to 100 sees swings that are not there. A target is a
dashed line; an annual value is one bar for its year, not a flat monthly line.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from functools import partial

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports.model import Chart

COLOUR, TARGET_COLOUR = "#1f5f99", "#c0392b"


def _plain(text: str) -> str:
    """Text drawn as written. Matplotlib reads what stands between two ``$`` as
    mathtext, where an unknown command (a category named ``$\\x$`` in the office's
    list) fails the whole report; with every ``$`` escaped, no text switches to math."""
    return text.replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _number(value: float) -> str:
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.removesuffix(",00")


def _scale(axes: Axes, base: float, top: float, unit: str) -> None:
    axes.set_ylim(base, top)
    axes.set_ylabel(_plain(f"{unit} (sumbu mulai {_number(base)})"), fontsize=7)


def _top(values: Sequence[float], target: float | None, ceiling: float | None) -> float:
    """Room above the highest value or target; a percentage scale shows 100 at least."""
    highest = max([v for v in values if v == v] + ([target] if target is not None else []) + [1])
    top = highest * 1.15
    return max(top, ceiling) if ceiling is not None and highest <= ceiling else top


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
    draw = partial(_line_png, title, list(labels), list(values), target, base, unit, ceiling)
    return Chart(title, draw, {"kind": "line", "base": base, "target": target, "unit": unit})


def _line_png(
    title: str,
    labels: list[str],
    values: list[Decimal | None],
    target: Decimal | None,
    base: float,
    unit: str,
    ceiling: float | None,
) -> bytes:
    figure = Figure(figsize=(6.0, 2.2))
    axes = figure.subplots()
    points = [float(v) if v is not None else float("nan") for v in values]
    positions = list(range(len(labels)))  # positions, not text: "Jan 26" is no date
    axes.plot(positions, points, marker="o", color=COLOUR, label="Realisasi")
    if target is not None:
        axes.axhline(float(target), color=TARGET_COLOUR, linestyle="--", linewidth=1)
        axes.plot(
            [], [], color=TARGET_COLOUR, linestyle="--", label=f"Target {_number(float(target))}"
        )
        axes.legend(fontsize=7, loc="lower right")
    axes.set_xticks(positions, [_plain(label) for label in labels])
    _scale(axes, base, _top(points, float(target) if target else None, ceiling), unit)
    axes.set_title(_plain(title), fontsize=9)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    return _png(figure)


def year_chart(
    title: str, year: int, value: Decimal | None, target: Decimal | None, unit: str
) -> Chart:
    """An annual value (SAKIP, IKU6): one bar for the year beside its target."""
    spec = {"kind": "year", "base": 0.0, "target": target, "value": value, "unit": unit}
    return Chart(title, partial(_year_png, title, year, value, target, unit), spec)


def _year_png(
    title: str, year: int, value: Decimal | None, target: Decimal | None, unit: str
) -> bytes:
    figure = Figure(figsize=(6.0, 1.3))
    axes = figure.subplots()
    shown = float(value) if value is not None else 0.0
    axes.barh([0], [shown], color=COLOUR, height=0.5)
    axes.set_yticks([0], [str(year)])
    label = _number(shown) if value is not None else "belum ada nilai"
    axes.text(shown, 0, f" {label}", va="center", fontsize=8)
    if target is not None:
        axes.axvline(float(target), color=TARGET_COLOUR, linestyle="--", linewidth=1)
        axes.text(
            float(target),
            0.32,
            f" target {_number(float(target))}",
            fontsize=7,
            color=TARGET_COLOUR,
        )
    top = max(100.0, shown * 1.15, float(target or 0) * 1.15)
    axes.set_xlim(0, top)
    axes.set_xlabel(_plain(f"{unit} (sumbu mulai 0)"), fontsize=7)
    axes.set_title(_plain(title), fontsize=9)
    axes.tick_params(labelsize=7)
    return _png(figure)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> Chart:
    return Chart(title, partial(_bar_png, title, list(labels), list(values)), {"kind": "bar"})


def _bar_png(title: str, labels: list[str], values: list[float]) -> bytes:
    figure = Figure(figsize=(6.0, 0.35 * max(3, len(labels)) + 0.6))
    axes = figure.subplots()
    positions = list(range(len(labels)))
    axes.barh(positions[::-1], values, color=COLOUR)
    axes.set_yticks(positions[::-1], [_plain(label) for label in labels])
    axes.set_xlim(0, max([*values, 1]) * 1.15)
    axes.set_title(_plain(title), fontsize=9)
    axes.tick_params(labelsize=7)
    return _png(figure)
