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


# Roles that may see a hidden reporter's identity and act on complaints.
COMPLAINT_HANDLERS = frozenset(
    {StaffRole.TRANTIB, StaffRole.SEKCAM, StaffRole.CAMAT, StaffRole.ADMIN}
)
# Roles that receive the IKU summary and may read every report.
LEADERSHIP = frozenset({StaffRole.CAMAT, StaffRole.SEKCAM})
