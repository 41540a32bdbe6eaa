"""Mutation scores per module after `mutmut run` (`make mutation`), against the targets.

A mutant counts as caught when a test failed, timed out or crashed on it; "no tests"
and survivors count against the score; mutants not checked (run cut short) are reported.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

CAUGHT = {"killed", "timeout", "segfault", "caught by type check", "suspicious"}
TARGETS = {"core/domain": 85.0, "bot/webhook_auth.py": 100.0}


def _group(module: str) -> str:
    return "core/domain" if module.startswith("core/domain/") else module


def scores(mutants: Path) -> dict[str, Counter[str]]:
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants)).removesuffix(".meta")
        for exit_code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].values():
            by_module[module][status_by_exit_code.get(exit_code, "survived")] += 1
    return by_module


def percent(counts: Counter[str]) -> float:
    judged = sum(n for status, n in counts.items() if status != "not checked")
    caught = sum(counts[status] for status in CAUGHT)
    return 100.0 * caught / judged if judged else 0.0


def main(mutants: Path) -> int:
    by_module = scores(mutants)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    print("mutation score per module (caught / judged):")
    for module, counts in sorted(by_module.items()):
        groups[_group(module)].update(counts)
        rest = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in CAUGHT)
        print(f"  {module:<34} {percent(counts):6.1f}%  {sum(counts.values()):>4} mutants  {rest}")
    failed = []
    for group, target in TARGETS.items():
        score = percent(groups[group])
        verdict = "met" if score >= target else "NOT MET"
        print(f"target {group}: {score:.1f}% (>= {target:.0f}%): {verdict}")
        if score < target:
            failed.append(group)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("mutants")))
