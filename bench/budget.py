"""The one line per figure every chat benchmark ends with: the figure, Sigap's value, the
anchor's measured in the same run, their ratio, the target and whether it was met. A
missed target makes the benchmark exit non-zero, so `make bench` fails the day a
regression lands (benchmarks only: the test suite asserts no time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# ratio_at_least: sigap / anchor >= target (throughput); ratio_at_most: sigap / anchor <=
# target (latency against the anchor's); below: sigap < target, an absolute bound
Rule = Literal["ratio_at_least", "ratio_at_most", "below"]


@dataclass(frozen=True)
class Figure:
    name: str  # e.g. "telegram updates/s"
    sigap: float
    anchor: float
    target: float
    rule: Rule = "ratio_at_least"

    @property
    def ratio(self) -> float:
        return self.sigap / self.anchor if self.anchor else float("inf")

    @property
    def met(self) -> bool:
        if self.rule == "ratio_at_least":
            return self.ratio >= self.target
        if self.rule == "ratio_at_most":
            return self.ratio <= self.target
        return self.sigap < self.target

    def line(self) -> str:
        target = {
            "ratio_at_least": f"ratio >= {self.target:.2f}",
            "ratio_at_most": f"ratio <= {self.target:.2f}",
            "below": f"< {self.target:g}",
        }[self.rule]
        return (
            f"budget  {self.name:<24} sigap {self.sigap:>8.1f}  anchor {self.anchor:>8.1f}  "
            f"ratio {self.ratio:5.2f}  target {target:<14} {'met' if self.met else 'MISSED'}"
        )


def report(figures: list[Figure], out: Callable[[str], None] = print) -> bool:
    """Print the budget lines; True when every target is met."""
    for figure in figures:
        out(figure.line())
    return all(figure.met for figure in figures)


def enforce(figures: list[Figure]) -> None:
    """Print the budget and exit non-zero on any miss."""
    if not report(figures):
        raise SystemExit("budget missed")
