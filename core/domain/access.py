"""The role matrix: who may see and do what, in chat, on the command line and on the web.

One table, read on every staff action by every front end, so a role's rights cannot differ
between channels. A right not listed for a role is refused; an inactive staff member has
none at all.
"""

from __future__ import annotations

from enum import StrEnum

from core.domain.people import StaffRole


class Permission(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"  # the IKU and what is behind each number
    DOWNLOAD_REPORTS = "download_reports"  # IKU, SKM and complaint reports
    VIEW_COMPLAINTS = "view_complaints"  # the queue and a complaint's page
    HANDLE_COMPLAINTS = "handle_complaints"  # claim, verify, resolve, ... ; hidden reporters
    VIEW_REGISTERS = "view_registers"  # read the registers behind IKU1/3/5/6
    MANAGE_ACTIVITIES = "manage_activities"  # IKU3
    MANAGE_DOCUMENTS = "manage_documents"  # IKU1
    MANAGE_PERFORMANCE = "manage_performance"  # SAKIP (IKU5), indicators (IKU6), targets
    MANAGE_SERVICES = "manage_services"  # SKM services and their posters
    MANAGE_HOLIDAYS = "manage_holidays"  # the working-day calendar behind due dates
    MANAGE_STAFF = "manage_staff"  # invite, change role, deactivate
    VIEW_SYSTEM = "view_system"  # the page "Sistem": channels, outbox, backups, disks
    MANAGE_OFFICE = "manage_office"  # the page "Kantor": letterhead, Camat, logo, desa
    # The kabupaten's rights: never an office role's
    VIEW_KABUPATEN = "view_kabupaten"  # every office's IKU side by side
    MANAGE_KABUPATEN = "manage_kabupaten"  # offices, the indicator dictionary
    VIEW_AUDIT = "view_audit"  # the audit trails behind every office's figures
    VERIFY_IKU = "verify_iku"  # verify or return an office's submitted triwulan
    SUBMIT_IKU = "submit_iku"  # an office's: submit a triwulan's IKU to the kabupaten

    @property
    def label(self) -> str:
        return _LABELS[self]


P = Permission
_KABUPATEN = frozenset({P.VIEW_KABUPATEN, P.MANAGE_KABUPATEN, P.VIEW_AUDIT, P.VERIFY_IKU})
_ALL = frozenset(Permission) - _KABUPATEN  # an office's admin: all of the office's rights
_EVERY_STAFF = frozenset({P.VIEW_DASHBOARD, P.VIEW_COMPLAINTS, P.VIEW_REGISTERS})
_SECRETARIAT = frozenset(
    {
        P.MANAGE_ACTIVITIES,
        P.MANAGE_DOCUMENTS,
        P.MANAGE_PERFORMANCE,
        P.MANAGE_SERVICES,
        P.MANAGE_HOLIDAYS,
    }
)

ROLE_MATRIX: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.CAMAT: _EVERY_STAFF | {P.DOWNLOAD_REPORTS, P.HANDLE_COMPLAINTS, P.SUBMIT_IKU},
    StaffRole.SEKCAM: _EVERY_STAFF
    | _SECRETARIAT
    | {P.DOWNLOAD_REPORTS, P.HANDLE_COMPLAINTS, P.SUBMIT_IKU},
    StaffRole.TRANTIB: _EVERY_STAFF | {P.HANDLE_COMPLAINTS},
    StaffRole.PMKS: _EVERY_STAFF | {P.MANAGE_ACTIVITIES},
    StaffRole.PELAYANAN: _EVERY_STAFF | {P.MANAGE_SERVICES},
    StaffRole.ADMIN: _ALL,
    StaffRole.KABUPATEN_ADMIN: _KABUPATEN,
    StaffRole.BUPATI: frozenset({P.VIEW_KABUPATEN}),
    StaffRole.INSPEKTORAT: frozenset({P.VIEW_KABUPATEN, P.VIEW_AUDIT, P.VERIFY_IKU}),
}

_LABELS = {
    P.VIEW_DASHBOARD: "melihat dasbor IKU",
    P.DOWNLOAD_REPORTS: "mengunduh laporan",
    P.VIEW_COMPLAINTS: "melihat pengaduan",
    P.HANDLE_COMPLAINTS: "menangani pengaduan",
    P.VIEW_REGISTERS: "melihat register",
    P.MANAGE_ACTIVITIES: "mengelola kegiatan",
    P.MANAGE_DOCUMENTS: "mengelola dokumen",
    P.MANAGE_PERFORMANCE: "mengelola SAKIP, indikator dan target",
    P.MANAGE_SERVICES: "mengelola layanan SKM",
    P.MANAGE_HOLIDAYS: "mengelola hari libur",
    P.MANAGE_STAFF: "mengelola petugas",
    P.VIEW_SYSTEM: "melihat keadaan sistem",
    P.MANAGE_OFFICE: "mengelola profil kantor",
    P.VIEW_KABUPATEN: "melihat rekap IKU kabupaten",
    P.MANAGE_KABUPATEN: "mengelola kantor dan kamus indikator kabupaten",
    P.VIEW_AUDIT: "membaca jejak audit",
    P.VERIFY_IKU: "memverifikasi atau mengembalikan realisasi IKU kecamatan",
    P.SUBMIT_IKU: "mengajukan realisasi IKU triwulan ke kabupaten",
}


def may(role: StaffRole, active: bool, permission: Permission) -> bool:
    """The one check every front end makes before every staff action."""
    return active and permission in ROLE_MATRIX[role]


def roles_with(permission: Permission) -> frozenset[StaffRole]:
    return frozenset(role for role, rights in ROLE_MATRIX.items() if permission in rights)


# Roles that may see a hidden reporter's identity and act on complaints.
COMPLAINT_HANDLERS = roles_with(P.HANDLE_COMPLAINTS)
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


# Sections whose staff hear new complaints in a group chat (TELEGRAM_STAFF_CHATS, an
# office's own group chats): a name outside these would route nothing, silently.
CHAT_SECTIONS = ("trantib",)
