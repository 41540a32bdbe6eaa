"""Coverage per package after `make test`, and the floor it must not fall below.

Run as ``python -m tests.coverage_summary FILE`` on ``coverage json -o FILE`` output.
Prints one line per package; fails when a package is under FLOOR or a file with code in
it was never run at all.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

FLOOR = 85.0


def main(report: Path) -> int:
    files = json.loads(report.read_text("utf-8"))["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    never_run = []
    for name, data in sorted(files.items()):
        if Path(name).is_absolute():  # a copy of the tree some test made elsewhere
            continue
        statements, covered = data["summary"]["num_statements"], data["summary"]["covered_lines"]
        package = Path(name).parts[0]
        totals[package][0] += statements
        totals[package][1] += covered
        if statements and not covered:
            never_run.append(name)
    failures = []
    print("coverage by package (lines run by the suite, its subprocesses included):")
    for package, (statements, covered) in sorted(totals.items()):
        if not statements:
            continue
        percent = 100.0 * covered / statements if statements else 100.0
        flag = "" if percent >= FLOOR else f"  < {FLOOR:.0f}%"
        print(f"  {package:<8} {percent:6.1f}%  {covered:>5} / {statements:<5}{flag}")
        if flag:
            failures.append(package)
    for name in never_run:
        print(f"  never run: {name}")
    if failures or never_run:
        print(f"coverage floor not met: {', '.join(failures + never_run)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
