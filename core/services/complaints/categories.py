"""The configurable trantib category list and its service levels."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from core.errors import InvalidInput


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    chapter: str
    service_level_days: int
    name_en: str = ""

    def label(self, language: str) -> str:
        """The name a resident reads: English for those who chose it, where given."""
        return self.name_en or self.name if language == "en" else self.name


@lru_cache(maxsize=8)
def load_categories(path: Path | None = None) -> tuple[Category, ...]:
    """Categories from ``path``, or the shipped list; order is the order shown to users."""
    text = (
        path.read_text("utf-8")
        if path
        else (files("core") / "data/categories.toml").read_text("utf-8")
    )
    rows = tomllib.loads(text).get("category", [])
    categories = tuple(
        Category(
            code=str(row["code"]),
            name=str(row["name"]),
            name_en=str(row.get("name_en") or row["name"]),
            chapter=str(row.get("chapter", "")),
            service_level_days=int(row["service_level_days"]),
        )
        for row in rows
    )
    codes = [c.code for c in categories]
    if not categories or len(set(codes)) != len(codes):
        raise InvalidInput(f"Daftar kategori kosong atau kodenya ganda: {path}")
    return categories


@lru_cache(maxsize=8)
def _by_code(path: Path | None) -> dict[str, Category]:
    return {c.code: c for c in load_categories(path)}


def find_category(code: str, path: Path | None = None) -> Category:
    category = _by_code(path).get(code)
    if category is not None:
        return category
    known = ", ".join(c.code for c in load_categories(path))
    raise InvalidInput(f"Kategori '{code}' tidak dikenal (pilihan: {known})")
