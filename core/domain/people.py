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


def may_see_reporter(role: StaffRole, active: bool, reporter_chose_open: bool) -> bool:
    """Who may read a reporter's name and phone. A reporter who chose to be known is
    known to every active staff member; otherwise (hidden, the default, or rahasia) only
    to active complaint handlers. Never anyone else, and never in a report, a digest or
    a chat alert, which show no reporter at all."""
    if not active:
        return False
    return reporter_chose_open or role in COMPLAINT_HANDLERS
