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
    # The kabupaten's: they belong to no office and see every office's figures
    KABUPATEN_ADMIN = "kabupaten_admin"  # Bagian Organisasi
    BUPATI = "bupati"
    INSPEKTORAT = "inspektorat"

    @property
    def kabupaten(self) -> bool:
        """A role of the kabupaten, not of one office (its staff have no office)."""
        return self in KABUPATEN_ROLES


KABUPATEN_ROLES = frozenset({StaffRole.KABUPATEN_ADMIN, StaffRole.BUPATI, StaffRole.INSPEKTORAT})
OFFICE_ROLES = tuple(role for role in StaffRole if role not in KABUPATEN_ROLES)
