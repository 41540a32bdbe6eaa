"""Who uses Sigap: residents per chat channel, staff by role."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    CAMAT = "camat"
    SEKCAM = "sekcam"
    TRANTIB = "trantib"
    PMKS = "pmks"
    PELAYANAN = "pelayanan"
    ADMIN = "admin"
