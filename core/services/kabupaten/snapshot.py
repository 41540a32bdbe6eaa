"""What an office submits for a triwulan, frozen: each IKU's figures and the evidence
behind it (the documents and their files, the activities held with their photos, the
SKM counts, the complaints counted, the SAKIP score and its LHE, the programme
indicators, the values entered), and the analysis written for the triwulan. Plain JSON,
so it reads the same in ten years whatever the registers hold by then; no reporter's
name or contact is ever in it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.complaints import IKU4_EXCLUDED_STATES, Privacy
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.lkjip_models import IkuAnalysis
from core.models import Complaint, SakipEvaluation
from core.scope import office_of
from core.services.performance.iku import IkuValue, iku_for_period, indicator_lines
from core.services.performance.iku_entries import year_entries
from core.services.performance.records import activity_photos, list_activities, list_documents
from core.services.survey.skm import ikm_for_period
from core.timeutil import utc_bounds, utcnow

Json = dict[str, Any]


def _plain(value: object) -> Any:
    """A figure as JSON keeps it exactly: a Decimal as its text, a date as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _figures(value: IkuValue) -> Json:
    names = ("code", "name", "indicator", "unit", "value", "target", "quarter_target")
    more = ("capaian", "quarter_capaian", "judged_capaian", "numerator", "denominator", "note")
    shown = {name: _plain(getattr(value, name)) for name in (*names, *more)}
    return shown | {"kind": value.kind.value, "category": value.category}


def _documents(session: Session, period: Period) -> list[Json]:
    span = period.year_to_date()  # as IKU1 counts them
    return [
        {"id": d.id, "kind": d.kind.value, "title": d.title, "date": _plain(d.doc_date),
         "file": d.file_ref}
        for d in list_documents(session, span.start, span.end)
    ]  # fmt: skip


def _activities(session: Session, period: Period) -> list[Json]:
    return [
        {
            "id": a.id,
            "name": a.name,
            "planned": _plain(a.planned_date),
            "held": _plain(a.held_date),
            "status": a.status.value,
            "photos": [p.file_ref for p in activity_photos(session, a.id or 0)],
            "file": a.evidence_ref,
        }
        for a in list_activities(session, period.start, period.end)
    ]


def _complaints(session: Session, settings: Settings, period: Period) -> list[Json]:
    """The complaints received in the triwulan: code, category, state and dates only; a
    rahasia one is counted, never listed (the kabupaten handles no complaint)."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    rows = session.exec(
        select(Complaint)
        .where(col(Complaint.received_at) >= start, col(Complaint.received_at) < end)
        .where(col(Complaint.state).not_in([s.value for s in IKU4_EXCLUDED_STATES]))
        .order_by(col(Complaint.received_at))
    )
    listed, secret = [], 0
    for c in rows:
        if c.privacy is Privacy.RAHASIA:
            secret += 1
            continue
        listed.append(
            {"code": c.code, "category": c.category, "state": c.state.value,
             "received": _plain(c.received_at), "resolved": _plain(c.resolved_at)}
        )  # fmt: skip
    return listed + ([{"rahasia": secret}] if secret else [])


def _evidence(session: Session, settings: Settings, period: Period, value: IkuValue) -> Any:
    year = period.end.year
    match value.kind:
        case IndicatorKind.DOCUMENTS:
            return _documents(session, period)
        case IndicatorKind.ACTIVITIES:
            return _activities(session, period)
        case IndicatorKind.TRANTIB:
            return _complaints(session, settings, period)
        case IndicatorKind.IKM:
            result = ikm_for_period(session, period)
            nrr = {u.value: None if n is None else str(float(n)) for u, n in result.nrr.items()}
            return {"respondents": result.respondents, "nrr": nrr}
        case IndicatorKind.SAKIP:
            row = session.get(SakipEvaluation, (office_of(session), year))
            if row is None or row.deleted_at is not None:
                return None
            return {"score": _plain(row.score), "note": row.note, "file": row.file_ref}
        case IndicatorKind.PROGRAMS:
            return [
                {"name": line.indicator.name, "target": _plain(line.indicator.target),
                 "realisation": _plain(line.indicator.realisation), "achieved": line.achieved}
                for line in indicator_lines(session, year)
            ]  # fmt: skip
    entries = year_entries(session, value.code, year)
    last = period.quarter_number or 4  # never a later triwulan's entry
    return [
        {"quarter": q, "value": _plain(e.value), "evidence": e.evidence, "file": e.file_ref}
        for q, e in sorted(entries.items())
        if q <= last
    ]


def _analyses(session: Session, period: Period) -> Json:
    quarter = period.quarter_number or 0
    rows = session.exec(
        select(IkuAnalysis).where(
            IkuAnalysis.year == period.end.year,
            IkuAnalysis.quarter == quarter,
            col(IkuAnalysis.deleted_at).is_(None),
        )
    )
    return {r.iku: {"pendorong": r.pendorong, "penghambat": r.penghambat, "upaya": r.upaya}
            for r in rows}  # fmt: skip


def snapshot_of(session: Session, settings: Settings, period: Period) -> Json:
    """The office's IKU of ``period`` as it stands now, with the evidence of each."""
    report = iku_for_period(session, settings, period)
    return {
        "period": {"start": _plain(period.start), "end": _plain(period.end)},
        "made_at": _plain(utcnow()),
        "indicators": [
            _figures(v) | {"evidence": _evidence(session, settings, period, v)}
            for v in report.indicators
        ],
        "analyses": _analyses(session, period),
    }
