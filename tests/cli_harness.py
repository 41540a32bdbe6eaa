"""The `sigap` command as the tests run it: in a folder of their own (no developer .env
leaks in), on the test's database, through typer's runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app

Invoke = Callable[..., Result]


def sigap_on(database_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.chdir(folder)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env={"DATABASE_URL": database_url, **(env or {})})

    return invoke
