"""The role matrix pinned to a table written out by hand.

The page and dialog tests check that every front end obeys the matrix; these check the
matrix itself against what each role is for (README "Who uses it", the IKU owners in
domain.md): one right added to the wrong role, a role group widened, or a new right
nobody placed fails here. The table is deliberately not derived from
core/domain/access.py: change both, on purpose, or neither.

Roles: the Camat reads the IKU and every report and takes part in complaint handling;
the Sekcam runs the secretariat (activities, documents, SAKIP, indicators and targets,
SKM services, holidays) and handles complaints; Seksi Trantib handles complaints; Seksi
PMKS keeps the empowerment activities (IKU3); Pelayanan keeps the SKM services (IKU2);
the admin may do everything, and only the admin manages staff, sees the system page
(channels, outbox, backups, disk space) and corrects the office's own profile (name,
letterhead, Camat, logo, desa). Every active staff member of an office may view the
dashboard, the complaint queue and the registers; an inactive one may do nothing. The
kabupaten's roles belong to no office: each reads every kecamatan's IKU side by side;
the Bagian Organisasi (kabupaten_admin) manages the offices and the indicator
dictionary and, as the Inspektorat, reads the audit trails and verifies or returns
what an office submits for a triwulan (the Camat, the Sekcam or the office's admin
submits it); the Bupati reads.

The last test checks that the front ends ask the matrix instead of checking a role by
name (the known exceptions are listed, and reported as strays).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.domain.access import (
    COMPLAINT_HANDLERS,
    LEADERSHIP,
    ROLE_MATRIX,
    Permission,
    may,
    may_see_reporter,
    roles_with,
)
from core.domain.people import StaffRole
from core.errors import NotAllowed
from core.models import Staff
from core.services.access.authz import OPERATOR, authorize

EVERY_STAFF = {"view_dashboard", "view_complaints", "view_registers"}

# Written out in full for each role, by hand.
RIGHTS: dict[str, set[str]] = {
    "camat": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "download_reports",
        "handle_complaints",
        "submit_iku",
    },
    "sekcam": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "download_reports",
        "handle_complaints",
        "manage_activities",
        "manage_documents",
        "manage_performance",
        "manage_services",
        "manage_holidays",
        "submit_iku",
    },
    "trantib": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "handle_complaints",
    },
    "pmks": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "manage_activities",
    },
    "pelayanan": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "manage_services",
    },
    "admin": {
        "view_dashboard",
        "view_complaints",
        "view_registers",
        "download_reports",
        "handle_complaints",
        "manage_activities",
        "manage_documents",
        "manage_performance",
        "manage_services",
        "manage_holidays",
        "manage_staff",
        "view_system",
        "manage_office",
        "submit_iku",
    },
    # the kabupaten's: of no office; they read every office's figures side by side
    "kabupaten_admin": {"view_kabupaten", "manage_kabupaten", "view_audit", "verify_iku"},
    "bupati": {"view_kabupaten"},
    "inspektorat": {"view_kabupaten", "view_audit", "verify_iku"},
}
OFFICE_ROLES = {"camat", "sekcam", "trantib", "pmks", "pelayanan", "admin"}
ROLES = OFFICE_ROLES | {"kabupaten_admin", "bupati", "inspektorat"}
PERMISSIONS = {
    "view_dashboard",
    "download_reports",
    "view_complaints",
    "handle_complaints",
    "view_registers",
    "manage_activities",
    "manage_documents",
    "manage_performance",
    "manage_services",
    "manage_holidays",
    "manage_staff",
    "view_system",
    "manage_office",
    "view_kabupaten",
    "manage_kabupaten",
    "view_audit",
    "verify_iku",
    "submit_iku",
}
# Role groups, by hand: who handles complaints (and so may see a hidden reporter and a
# rahasia complaint, and gets rahasia alerts), and who gets the digest and /ringkasan.
COMPLAINT_HANDLER_ROLES = {"camat", "sekcam", "trantib", "admin"}
LEADERSHIP_ROLES = {"camat", "sekcam"}
# Who holds each right, read down the table's columns by hand.
HOLDERS: dict[str, set[str]] = {
    "view_dashboard": OFFICE_ROLES,
    "view_complaints": OFFICE_ROLES,
    "view_registers": OFFICE_ROLES,
    "download_reports": {"camat", "sekcam", "admin"},
    "handle_complaints": {"camat", "sekcam", "trantib", "admin"},
    "manage_activities": {"sekcam", "pmks", "admin"},
    "manage_documents": {"sekcam", "admin"},
    "manage_performance": {"sekcam", "admin"},
    "manage_services": {"sekcam", "pelayanan", "admin"},
    "manage_holidays": {"sekcam", "admin"},
    "manage_staff": {"admin"},
    "view_system": {"admin"},
    "manage_office": {"admin"},
    "view_kabupaten": {"kabupaten_admin", "bupati", "inspektorat"},
    "manage_kabupaten": {"kabupaten_admin"},
    "view_audit": {"kabupaten_admin", "inspektorat"},
    "verify_iku": {"kabupaten_admin", "inspektorat"},
    "submit_iku": {"camat", "sekcam", "admin"},
}
PAIRS = [(role, right) for role in sorted(ROLES) for right in sorted(PERMISSIONS)]


def _names(roles: frozenset[StaffRole]) -> set[str]:
    return {role.value for role in roles}


def test_the_roles_and_rights_are_the_ones_in_the_table() -> None:
    """A new role or right must be placed in the table above before anything else."""
    assert {role.value for role in StaffRole} == ROLES
    assert {right.value for right in Permission} == PERMISSIONS
    assert set(RIGHTS) == ROLES and set(HOLDERS) == PERMISSIONS
    assert all(RIGHTS[role] >= EVERY_STAFF for role in OFFICE_ROLES)
    assert all(rights <= PERMISSIONS for rights in RIGHTS.values())
    # the two hand-written views of the table agree with each other
    assert {(r, p) for r in ROLES for p in RIGHTS[r]} == {
        (r, p) for p in PERMISSIONS for r in HOLDERS[p]
    }


@pytest.mark.parametrize(("role", "right"), PAIRS, ids=[f"{r}-{p}" for r, p in PAIRS])
def test_each_role_and_right(role: str, right: str) -> None:
    expected = right in RIGHTS[role]
    staff_role, permission = StaffRole(role), Permission(right)
    assert (permission in ROLE_MATRIX[staff_role]) is expected
    assert may(staff_role, True, permission) is expected
    assert may(staff_role, False, permission) is False  # inactive: nothing at all
    actor = Staff(id=1, name="Petugas", role=staff_role, active=True)
    if expected:
        authorize(actor, permission)
    else:
        with pytest.raises(NotAllowed):
            authorize(actor, permission)
    with pytest.raises(NotAllowed):
        authorize(Staff(id=2, name="Lama", role=staff_role, active=False), permission)


def test_whole_rows_and_columns() -> None:
    assert {role.value: {p.value for p in rights} for role, rights in ROLE_MATRIX.items()} == (
        RIGHTS
    )
    for right, holders in HOLDERS.items():
        assert _names(roles_with(Permission(right))) == holders, right


def test_the_role_groups() -> None:
    assert _names(COMPLAINT_HANDLERS) == COMPLAINT_HANDLER_ROLES
    assert _names(LEADERSHIP) == LEADERSHIP_ROLES
    # leadership reads every report
    assert all("download_reports" in RIGHTS[r] for r in LEADERSHIP_ROLES)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_see_a_reporter(role: str) -> None:
    handler = role in COMPLAINT_HANDLER_ROLES
    for active in (True, False):
        assert may_see_reporter(StaffRole(role), active, reporter_chose_open=True) is active
        seen = may_see_reporter(StaffRole(role), active, reporter_chose_open=False)
        assert seen is (active and handler)


def test_the_operator_at_the_server_may_do_everything() -> None:
    for right in PERMISSIONS:
        authorize(OPERATOR, Permission(right))


# -- one matrix: front ends ask it, never a role by name -----------------------------------
ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = ("web", "bot", "cli", "reports", "app")
# (file, function) where a front end checks a role itself; each one is a stray check
# reported for mending (issue: one role matrix), listed so that no new one appears.
KNOWN_STRAYS = {
    # /ringkasan: LEADERSHIP rather than a right; the web dashboard shows the same IKU
    # to every role holding VIEW_DASHBOARD
    ("bot/dialogs/staff.py", "show_summary"),
}
# Naming a role is fine where it is data, not a decision: making the first admin.
ROLE_NAMED = {("app/web.py", "first_login_link")}


def _is_role(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "role"


def _role_checks(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(function, line, what) for each comparison of a ``.role`` and each StaffRole.X."""
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Compare) and any(
            _is_role(n) for n in [node.left, *node.comparators]
        ):
            found.append((function, node.lineno, "compares a role"))
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "StaffRole"
            and node.attr.isupper()
        ):
            found.append((function, node.lineno, f"names StaffRole.{node.attr}"))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_front_ends_ask_the_matrix_not_a_role_by_name() -> None:
    strays = []
    for folder in FRONT_ENDS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for function, line, what in _role_checks(ast.parse(path.read_text())):
                if (name, function) in KNOWN_STRAYS:
                    continue
                if what.startswith("names") and (name, function) in ROLE_NAMED:
                    continue
                strays.append(f"{name}:{line} in {function}: {what}")
    assert strays == [], "ask core.domain.access.may() instead:\n" + "\n".join(strays)
