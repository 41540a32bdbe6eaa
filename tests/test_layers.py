"""The architecture holds: layer contracts that fail on a forbidden import, and modules
small enough to read."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bot", "web", "reports", "cli", "app")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SMALL = ("app", "bot", "core")
MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("COVERAGE_PROCESS_START", None)  # the copy is not Sigap's code to measure
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("core/services/complaints/lifecycle.py", "import bot.i18n", "core imports none of"),
        ("core/domain/skm.py", "from reports import render", "core imports none of"),
        ("bot/dialogs/desk.py", "import web", "bot and web are independent"),
        ("bot/notifications.py", "import reports.deliver", "bot and web do not import"),
        ("reports/deliver.py", "import bot.telegram.app", "reports imports none of"),
        ("cli/main.py", "import bot.terminal", "cli reaches bot and web only"),
        ("bot/channel.py", "import app.service", "app is the top layer"),
        ("core/services/files/fields.py", "import core.services.survey.skm", "core.services areas"),
        (
            "core/services/survey/skm.py",
            "import core.services.complaints.stats",
            "core.services areas",
        ),
        (
            "core/services/messaging/outbox.py",
            "import core.services.operations.backup",
            "core.services areas",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    source_copy: Path, module: str, forbidden: str, contract: str
) -> None:
    assert _lint_imports(source_copy).returncode == 0  # the real tree keeps every contract
    path = source_copy / module
    path.write_text(path.read_text("utf-8") + f"\n{forbidden}  # noqa\n", "utf-8")
    result = _lint_imports(source_copy)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def _python_files() -> list[Path]:
    files = [p for package in SMALL for p in (ROOT / package).rglob("*.py")]
    return [p for p in files if "migrations" not in p.parts]


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in _python_files():
        source = path.read_text("utf-8")
        name = path.relative_to(ROOT)
        if source.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    assert too_long == []
