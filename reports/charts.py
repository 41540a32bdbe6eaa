"""Charts as PNG images, drawn with matplotlib's object API (no pyplot global state, so
report jobs may run in worker threads)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from matplotlib.figure import Figure

from reports.model import Chart


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def line_chart(title: str, labels: Sequence[str], values: Sequence[Decimal | None]) -> Chart:
    """One indicator over the months; months without data are left as gaps."""
    figure = Figure(figsize=(6.0, 2.2))
    axes = figure.subplots()
    points = [float(v) if v is not None else float("nan") for v in values]
    axes.plot(list(labels), points, marker="o", color="#1f5f99")
    axes.set_title(title, fontsize=9)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    return Chart(title, _png(figure))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> Chart:
    figure = Figure(figsize=(6.0, 0.35 * max(3, len(labels)) + 0.6))
    axes = figure.subplots()
    axes.barh(list(labels)[::-1], list(values)[::-1], color="#1f5f99")
    axes.set_title(title, fontsize=9)
    axes.tick_params(labelsize=7)
    return Chart(title, _png(figure))
