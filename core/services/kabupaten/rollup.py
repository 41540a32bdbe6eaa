"""Every kecamatan's IKU for one period, side by side, for the kabupaten's Bagian
Organisasi, Bupati and Inspektorat.

Each office's figures are its own ``iku_for_period``, computed in a session scoped to it,
so the roll-up prints exactly what that office's Camat signs. Offices choose their IKU
from the kabupaten's dictionary, so an indicator is compared across offices by its
dictionary code, whatever number and words each office gives it; an office's own
indicators (one no other office reports) come after the shared ones.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.numbers import percentage, round_half_up
from core.domain.performance import Indicator
from core.domain.periods import Period
from core.domain.skm import IkmResult
from core.models import (
    ComplaintEvent,
    DictionaryIndicator,
    Office,
    RegisterAudit,
    SkmResponse,
    SubmissionStep,
)
from core.scope import across_offices, for_office
from core.services.access.offices import active_offices
from core.services.complaints.desk import open_and_overdue
from core.services.complaints.stats import complaint_recap
from core.services.kabupaten.verification import VerifiedFigure, submission
from core.services.performance.iku import IkuReport, IkuValue, iku_for_period
from core.services.performance.iku_set import dictionary
from core.services.performance.iku_stamp import iku_inputs_stamp
from core.services.survey.skm import ikm_for_period


@dataclass(frozen=True)
class TrantibCounts:
    """One office's trantib complaints of the period, and those overdue now."""

    received: int
    counted: int  # received, less duplicates and rejects (IKU's denominator)
    settled: int  # by the period's end
    settled_in_time: int  # within the service level
    overdue_now: int

    @property
    def in_time_share(self) -> Decimal | None:
        share = percentage(self.settled_in_time, self.settled)
        return None if share is None else round_half_up(share)


@dataclass(frozen=True)
class OfficeFigures:
    code: str
    name: str
    report: IkuReport
    skm: IkmResult
    trantib: TrantibCounts
    # a triwulan the kabupaten verified: each IKU's value as verified (the live one may
    # have moved since, by a later correction); None for any other period or state
    verified: dict[str, VerifiedFigure] | None = None  # by dictionary indicator

    def value_of(self, indicator: str) -> IkuValue | None:
        return next((v for v in self.report.indicators if v.indicator == indicator), None)


@dataclass(frozen=True)
class Standing:
    """One office's place for one indicator: the league table's row."""

    office: OfficeFigures
    value: IkuValue
    rank: int | None  # none: nothing to rank by (no capaian)

    @property
    def _verified(self) -> VerifiedFigure | None:
        found = self.office.verified or {}
        return found.get(self.value.indicator)

    @property
    def verified(self) -> bool:
        return self._verified is not None

    @property
    def verified_value(self) -> Decimal | None:
        figure = self._verified
        return figure.value if figure else None

    @property
    def corrected_since(self) -> bool:
        """The live figure or its capaian (a target changed) moved after the kabupaten
        verified it: shown, never hidden."""
        figure = self._verified
        live = (self.value.value, self.value.judged_capaian)
        return figure is not None and (figure.value, figure.capaian) != live


@dataclass(frozen=True)
class IndicatorRollup:
    indicator: Indicator
    standings: list[Standing]  # ranked first, best capaian first; then the unranked
    shared: bool  # reported by more than one office

    @property
    def capaian(self) -> list[Decimal]:
        return [s.value.judged_capaian for s in self.standings if s.rank is not None]  # type: ignore[misc]

    @property
    def median(self) -> Decimal | None:
        found = self.capaian
        return round_half_up(statistics.median(found)) if found else None

    @property
    def without_data(self) -> list[OfficeFigures]:
        """The offices whose registers hold nothing for it in the period."""
        return [s.office for s in self.standings if s.value.value is None]

    @property
    def meeting_target(self) -> int:
        return sum(1 for s in self.standings if s.value.meets_target)


@dataclass(frozen=True)
class KabupatenRollup:
    period: Period
    offices: list[OfficeFigures]
    indicators: list[IndicatorRollup]


# How a caller keeps an office's line: given the office, its inputs' stamp and how to
# compute the line, the line (the web keeps each office's until that office's data moves).
LineCache = Callable[[Office, tuple[int, ...], Callable[[], OfficeFigures]], OfficeFigures]


def _computed(
    office: Office, stamp: tuple[int, ...], compute: Callable[[], OfficeFigures]
) -> OfficeFigures:
    return compute()


def office_line(
    session: Session, settings: Settings, period: Period, today: date, office: Office
) -> OfficeFigures:
    """One office's IKU, SKM and trantib complaints, in ``session`` scoped to it."""
    report = iku_for_period(session, settings, period)
    recap = complaint_recap(session, settings, period, today, overdue_limit=0)
    counts = TrantibCounts(
        recap.received,
        recap.counted,
        recap.resolved,
        recap.resolved_within_level,
        open_and_overdue(session, today)[1],
    )
    skm = ikm_for_period(session, period)
    verified = _verified(session, period)
    return OfficeFigures(office.code, office.name, report, skm, counts, verified)


def office_figures(
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    cache: LineCache = _computed,
) -> list[OfficeFigures]:
    """Each active office's line, each computed in a session of that office alone (a
    session's office never changes), on ``session``'s database; ``cache`` may keep each
    line until its own office's inputs change, so one office's new complaint costs one
    office's figures, not the kabupaten's."""
    found = []
    for office in active_offices(session):
        with for_office(Session(session.get_bind()), office.id or 0) as own:
            stamp = (*iku_inputs_stamp(own), _newest_step(own))
            compute = partial(office_line, own, settings, period, today, office)
            found.append(cache(office, stamp, compute))
    return found


def _newest_step(session: Session) -> int:
    return session.exec(select(func.max(SubmissionStep.id))).one() or 0


def _verified(session: Session, period: Period) -> dict[str, VerifiedFigure] | None:
    quarter = period.quarter_number
    found = submission(session, period.end.year, quarter) if quarter else None
    return found.verified() if found is not None else None


def kabupaten_stamp(session: Session) -> tuple[int, ...]:
    """The newest change to anything any office's figures come from, the offices at work
    and the dictionary: a page rendered for one stamp holds until it moves."""
    newest = [
        session.exec(across_offices(select(func.max(model.id)))).one() or 0
        for model in (ComplaintEvent, RegisterAudit, SkmResponse, SubmissionStep)
    ]
    active = select(func.count(), func.max(Office.id)).where(col(Office.active))
    offices = session.exec(active).one()
    dictionary_size = session.exec(select(func.count()).select_from(DictionaryIndicator)).one()
    return (*newest, offices[0], offices[1] or 0, dictionary_size)


def kabupaten_rollup(
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    cache: LineCache = _computed,
) -> KabupatenRollup:
    offices = office_figures(session, settings, period, today, cache)
    known = {i.code: i for i in dictionary(session)}
    reported: dict[str, list[Standing]] = {}
    for figures in offices:
        for value in figures.report.indicators:
            reported.setdefault(value.indicator, []).append(Standing(figures, value, None))
    order = {code: n for n, code in enumerate(known)}
    rollups = [
        IndicatorRollup(known[code], _ranked(standings), len(standings) > 1)
        for code, standings in reported.items()
        if code in known
    ]
    rollups.sort(key=lambda r: (not r.shared, order[r.indicator.code]))
    return KabupatenRollup(period, offices, rollups)


def _ranked(standings: list[Standing]) -> list[Standing]:
    """Best capaian first (ties share a rank, then by office code); no capaian last."""
    judged = [s for s in standings if s.value.judged_capaian is not None]
    judged.sort(key=lambda s: (-(s.value.judged_capaian or 0), s.office.code))
    ranked, rank, previous = [], 0, None
    for n, standing in enumerate(judged, start=1):
        if standing.value.judged_capaian != previous:
            rank, previous = n, standing.value.judged_capaian
        ranked.append(Standing(standing.office, standing.value, rank))
    rest = sorted(
        (s for s in standings if s.value.judged_capaian is None), key=lambda s: s.office.code
    )
    return ranked + rest
