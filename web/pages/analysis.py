"""The LKjIP analysis beside an IKU's page: what staff write on why the indicator did as
it did (faktor pendorong, faktor penghambat) and what the office will do (upaya), for
the year or triwulan the page shows, with its audit trail.

The IKU page includes ``iku_analysis.html``; that partial asks `panel` for its data
through the template global `install` gives it, in the page's own transaction (the
staff member's row belongs to it), so the page's handler needs no change. Saving goes
through the analysis register (core/services/performance/iku_analysis.py): the role matrix decides
who may write which IKU's analysis, and every change is audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import object_session
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.lkjip_models import ANALYSIS_MAX_CHARS, IkuAnalysis
from core.models import Staff
from core.services.performance.iku import IkuValue
from core.services.performance.iku_analysis import (
    ANALYSIS_RIGHTS,
    TEXTS,
    WHOLE_YEAR,
    AnalysisPeriod,
    analysis_trail,
    get_analysis,
    save_analysis,
)
from core.services.performance.iku_set import ChosenIku, chosen_iku
from core.services.performance.records import names_of_staff
from web.context import Office
from web.views import Ctx, page

QUARTER_NAMES = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    action: str  # buat | ubah
    by: str | None  # None: the operator at the server
    reason: str | None
    changed: list[tuple[str, str]]  # (text, what it said before the change)


@dataclass(frozen=True)
class Panel:
    """What ``iku_analysis.html`` shows: the analysis of one IKU for one year or
    triwulan (``when`` None: the page shows a free date range, which has none)."""

    code: str
    kind: IndicatorKind
    when: AnalysisPeriod | None
    analysis: IkuAnalysis | None = None
    values: dict[str, str] = field(default_factory=dict)
    trail: list[TrailLine] = field(default_factory=list)
    message: str | None = None
    texts: tuple[str, ...] = TEXTS
    max_chars: int = ANALYSIS_MAX_CHARS

    @property
    def permission(self) -> Permission:
        return ANALYSIS_RIGHTS[self.kind]

    @property
    def action(self) -> str:
        return f"/iku/{self.code}/analisis"

    def label(self, t: Callable[..., str]) -> str:
        if self.when is None:
            return ""
        if self.when.quarter == WHOLE_YEAR:
            return t("analysis_year", year=self.when.year)
        return t(
            "analysis_quarter", quarter=QUARTER_NAMES[self.when.quarter - 1], year=self.when.year
        )


def _trail(db: Session, iku: ChosenIku, when: AnalysisPeriod) -> list[TrailLine]:
    changes = analysis_trail(db, iku.label, when)
    names = names_of_staff(db, [a.staff_id for a in changes])
    lines = []
    for audit in reversed(changes):  # newest first
        changed = json.loads(audit.changes)
        lines.append(
            TrailLine(
                at=audit.at,
                action=audit.action,
                by=names.get(audit.staff_id) if audit.staff_id is not None else None,
                reason=audit.reason,
                changed=[(name, str(changed[name][0] or "")) for name in TEXTS if name in changed],
            )
        )
    return lines


def panel(
    staff: Staff,
    value: IkuValue | ChosenIku,
    period: Period,
    raw: dict[str, str] | None = None,
    message: str | None = None,
) -> Panel | None:
    """The partial's data, read in the transaction ``staff`` was loaded in (the page's);
    None outside one (nothing to read from, so nothing is shown)."""
    db = object_session(staff)
    if not isinstance(db, Session):
        return None
    iku = value if isinstance(value, ChosenIku) else chosen_iku(db, value.code)
    when = AnalysisPeriod.of(period)
    if iku is None:
        return None
    if when is None:
        return Panel(iku.label, iku.kind, None)
    analysis = get_analysis(db, iku.label, when)
    stored = {name: (getattr(analysis, name) or "") if analysis else "" for name in TEXTS}
    trail = _trail(db, iku, when)
    return Panel(iku.label, iku.kind, when, analysis, raw or stored, trail, message)


def install(office: Office) -> None:
    """Makes the panel's data reachable from ``iku_analysis.html`` wherever it is
    included."""
    office.templates.globals["iku_analysis_panel"] = panel


def _iku(ctx: Ctx) -> ChosenIku:
    """One of the office's IKU, by the number in the address."""
    text = ctx.request.path_params["code"]
    found = chosen_iku(ctx.db, text) or chosen_iku(ctx.db, text.upper())
    if found is None:
        raise NotFound(ctx.t("not_found"))
    return found


def _when(ctx: Ctx) -> AnalysisPeriod:
    """The year and triwulan the form was for (its hidden fields)."""
    year_text, quarter_text = ctx.field("tahun"), ctx.field("triwulan") or "0"
    year = ascii_int(year_text) if len(year_text) == 4 else None
    if year is None or not 2000 <= year <= 2100:
        raise InvalidInput("Tahun di luar 2000–2100.")
    if quarter_text not in ("0", "1", "2", "3", "4"):
        raise InvalidInput("Triwulan harus 1–4 (0: setahun).")
    return AnalysisPeriod(year, int(quarter_text))


def _period(when: AnalysisPeriod) -> Period:
    if when.quarter == WHOLE_YEAR:
        return Period.year(when.year)
    return Period.quarter(when.year, when.quarter)


def _back(code: str, when: AnalysisPeriod) -> str:
    query = {"tahun": str(when.year)}
    if when.quarter != WHOLE_YEAR:
        query["triwulan"] = str(when.quarter)
    return f"/iku/{code}?{urlencode(query)}"


@page(Permission.VIEW_DASHBOARD)  # which IKU's analysis one may write: the service decides
def save(ctx: Ctx) -> Response:
    iku, when = _iku(ctx), _when(ctx)
    ctx.require(ANALYSIS_RIGHTS[iku.kind])
    texts = {name: ctx.field(name) for name in TEXTS}
    reason = ctx.field("alasan") or None
    try:
        save_analysis(ctx.db, iku.label, when, texts, ctx.staff, reason)
    except InvalidInput as exc:  # shown with what was typed, nothing stored (status 400)
        shown = panel(ctx.staff, iku, _period(when), texts, str(exc))
        return ctx.render(
            "iku_analysis_page.html",
            status=400,
            code=iku.label,
            name=iku.name,
            back=_back(iku.label, when),
            panel=shown,
        )
    return RedirectResponse(_back(iku.label, when) + "#analisis", status_code=303)
