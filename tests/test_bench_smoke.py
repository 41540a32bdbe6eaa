"""The benchmark still runs end to end (at a tiny scale; the real run is `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import build, measure


def test_bench_builds_and_measures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bench.db"
    build(db, responses=3000, complaints=500)
    measure(db, repeat=1)
    out = capsys.readouterr().out
    assert "3,000 SKM responses" in out
    for figure in ("iku_for_period (quarter)", "skm summary (year)"):
        assert figure in out
