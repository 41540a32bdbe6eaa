"""Charts as PNG images, drawn with matplotlib's object API (no pyplot global state, so
report jobs may run in worker threads)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from functools import partial

from matplotlib.figure import Figure

from reports.model import Chart


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def line_chart(title: str, labels: Sequence[str], values: Sequence[Decimal | None]) -> Chart:
    """One indicator over the months; months without data are left as gaps."""
    return Chart(title, partial(_line_png, title, list(labels), list(values)))


def _line_png(title: str, labels: list[str], values: list[Decimal | None]) -> bytes:
    figure = Figure(figsize=(6.0, 2.2))
    axes = figure.subplots()
    points = [float(v) if v is not None else float("nan") for v in values]
    axes.plot(list(labels), points, marker="o", color="#1f5f99")
    axes.set_title(title, fontsize=9)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    return _png(figure)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> Chart:
    return Chart(title, partial(_bar_png, title, list(labels), list(values)))


def _bar_png(title: str, labels: list[str], values: list[float]) -> bytes:
    figure = Figure(figsize=(6.0, 0.35 * max(3, len(labels)) + 0.6))
    axes = figure.subplots()
    axes.barh(list(labels)[::-1], list(values)[::-1], color="#1f5f99")
    axes.set_title(title, fontsize=9)
    axes.tick_params(labelsize=7)
    return _png(figure)
