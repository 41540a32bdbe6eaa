"""An installed Sigap (not an editable checkout) carries every file its code reads.

A file missing from package-data works in development and fails on the office's server:
the chat texts, templates, migrations or vendored scripts would not be there.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bot", "web", "reports", "cli", "app")


def _package_data() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    return data


def _data_files(package: str) -> list[str]:
    base = ROOT / package
    return sorted(
        str(path.relative_to(base))
        for path in base.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    )


def _shipped(package: str, patterns: list[str]) -> set[str]:
    """The files setuptools takes: its patterns are globs, "*" stays inside one folder."""
    base = ROOT / package
    return {str(path.relative_to(base)) for pattern in patterns for path in base.glob(pattern)}


def test_every_data_file_of_a_package_is_in_its_package_data() -> None:
    declared = _package_data()
    missing = [
        f"{package}/{name}"
        for package in PACKAGES
        for name in _data_files(package)
        if name not in _shipped(package, declared.get(package, []))
    ]
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"
