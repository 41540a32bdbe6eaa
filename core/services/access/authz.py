"""Authorising a staff action against the role matrix, re-checked on every call.

Who acts is a ``Staff`` row, read fresh from the database for this request or chat turn
(so a deactivation or a role change applies at once), or the ``OPERATOR``: whoever runs
``sigap`` on the server, who already holds the database and its files.
"""

from __future__ import annotations

from typing import Final

from core.domain.access import Permission, may
from core.errors import NotAllowed
from core.models import Staff


class Operator:
    """The command line on the server; recorded in audit trails as "operator"."""

    name: Final = "operator (CLI)"


OPERATOR: Final = Operator()


class KabupatenDelegate(Operator):
    """A kabupaten account's change in an office's register that the kabupaten's own
    right allows (a target template), authorised against that right before it is made:
    the office's audit trail names the account."""

    def __init__(self, staff: Staff, permission: Permission) -> None:
        authorize(staff, permission)
        self.staff_id = staff.id


Actor = Staff | Operator


def authorize(actor: Actor, permission: Permission) -> None:
    if isinstance(actor, Operator):
        return
    if not may(actor.role, actor.active, permission):
        raise NotAllowed(f"Anda tidak berwenang {permission.label}.")


def actor_staff_id(actor: Actor) -> int | None:
    if isinstance(actor, KabupatenDelegate):
        return actor.staff_id
    return None if isinstance(actor, Operator) else actor.id
