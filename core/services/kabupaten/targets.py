"""The kabupaten's target template: one year's target for an indicator of its dictionary,
set at once in every office that has that indicator and no target of its own for the
year. An office's own target (last changed by the office) is never overwritten; one the
kabupaten set is replaced by the next template, so a mistyped template can be corrected.
Each office's register records the target as set by the kabupaten's account, in that
office's audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.errors import InvalidInput
from core.models import IkuTarget, RegisterAudit
from core.scope import for_office
from core.services.access.authz import Actor, KabupatenDelegate, Operator, authorize
from core.services.access.offices import active_offices
from core.services.performance import records
from core.services.performance.iku_set import find_indicator, office_set
from core.services.performance.register_kinds import TARGETS

MANAGES = Permission.MANAGE_KABUPATEN
TEMPLATE_REASON = "Target kabupaten"  # in the office's audit trail: whose target it is


@dataclass
class TemplateApplied:
    """Which offices the template reached, by name."""

    set_in: list[str] = field(default_factory=list)
    kept_own: list[str] = field(default_factory=list)  # had their own target already
    # (a target the kabupaten set before is replaced, and counted in set_in)
    without: list[str] = field(default_factory=list)  # do not use the indicator


def apply_target_template(
    session: Session,
    actor: Actor,
    indicator_code: str,
    year: int,
    target: Decimal,
    quarters: dict[int, Decimal] | None = None,
) -> TemplateApplied:
    """All or nothing: every office's session joins ``session``'s transaction, so a
    refusal in one leaves no office with the target."""
    authorize(actor, Permission.MANAGE_KABUPATEN)
    writer = actor if isinstance(actor, Operator) else KabupatenDelegate(actor, MANAGES)
    indicator = find_indicator(session, indicator_code.strip().upper())
    if indicator is None:
        raise InvalidInput(f"Indikator {indicator_code.strip()[:30]} tidak ada di kamus.")
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun 2000–2100.")
    applied = TemplateApplied()
    connection = session.connection()
    for office in active_offices(session):
        with for_office(Session(bind=connection), office.id or 0) as own:
            chosen = next((c for c in office_set(own) if c.indicator.code == indicator.code), None)
            if chosen is None:
                applied.without.append(office.name)
                continue
            if _has_own_target(own, year, chosen.label):
                applied.kept_own.append(office.name)
                continue
            try:
                records.set_target(
                    own,
                    year,
                    chosen.label,
                    target,
                    actor=writer,
                    quarters=quarters,
                    reason=TEMPLATE_REASON,
                )
            except InvalidInput as refused:
                raise InvalidInput(f"{office.name}: {refused}") from None
            applied.set_in.append(office.name)
            own.flush()
    return applied


def _has_own_target(own: Session, year: int, label: str) -> bool:
    """A target is the office's own unless its last change was a template's (from the
    web or the server's command line alike)."""
    row = own.exec(
        select(IkuTarget).where(
            IkuTarget.year == year, IkuTarget.iku == label, col(IkuTarget.deleted_at).is_(None)
        )
    ).first()
    if row is None:
        return False
    last = own.exec(
        select(RegisterAudit.reason)
        .where(
            RegisterAudit.register_name == TARGETS.name,
            RegisterAudit.record_key == TARGETS.key_of(row),
        )
        .order_by(col(RegisterAudit.id).desc())
    ).first()
    return last != TEMPLATE_REASON
