"""The dashboard's words and shapes: each IKU as a card a Camat reads at a glance.

Nothing is computed here that core has not decided (value, target, capaian, band): this
module only says them with their units, in the staff member's language, and picks the
colour of the band the card is in. Counts read as counts ("3", never "3,00"), shares
and scores with their units, and the band is always named in words beside its colour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.services.performance.iku import IkuReport, IkuStatus, IkuValue
from web.context import number, word

TONES = 5  # tone-0 (the best band, green) .. tone-4 (the lowest, red)
Translate = Callable[..., str]


NBSP = "\u00a0"  # a number and its unit never part at a line's end


def figure(shape: IkuValue, value: Decimal | None, t: Translate) -> str:
    """A value of the IKU ``shape`` as the card prints it: 3 dokumen · 75,00 % · 82,50
    · 12 desa (an entered indicator in its own unit)."""
    if value is None:
        return "–"
    if shape.kind is IndicatorKind.DOCUMENTS:
        return f"{number(value, 0)}{NBSP}{t('unit_documents')}"
    if shape.kind.share or shape.unit == "%":
        return f"{number(value)}{NBSP}%"
    if shape.kind is IndicatorKind.ENTERED:  # a whole count reads "3 kejadian", not "3,00"
        places = 0 if value == value.to_integral_value() else 2
        return f"{number(value, places)}{NBSP}{shape.unit}"
    return number(value)


def percent(value: Decimal | None) -> str:
    return "–" if value is None else f"{number(value)}{NBSP}%"


def iku_name(value: IkuValue, t: Translate) -> str:
    """The office's own wording as it is; the dictionary's translated where known."""
    return value.name if value.reworded else word(t, f"iku_name_{value.indicator}", value.name)


def band_words(value: IkuValue, t: Translate) -> str:
    """The band (configured words, translated where the catalogue knows them), or why
    there is none."""
    if value.band:
        return word(t, f"band_{value.band}", value.band)
    return t(value.status.value) if value.status is not IkuStatus.OK else "–"


def tone(value: IkuValue, bands: tuple[tuple[Decimal, str], ...]) -> str:
    """The colour class of the card: the band's rank among the configured bands,
    spread over five tones (however many bands the region uses)."""
    labels = [label for _, label in bands]
    if value.band is None or value.band not in labels:
        return "tone-none"
    rank = labels.index(value.band)
    spread = round(rank * (TONES - 1) / (len(labels) - 1)) if len(labels) > 1 else 0
    return f"tone-{spread}"


def period_words(period: Period, t: Translate) -> str:
    quarter = period.quarter_number
    if period.is_whole_year:
        return t("period_year", year=period.start.year)
    if quarter is not None:
        return t("period_quarter", quarter=quarter, year=period.start.year)
    return f"{day_words(period.start, t)} – {day_words(period.end, t)}"


def day_words(day: date, t: Translate) -> str:
    return f"{day.day} {t(f'month_{day.month}')} {day.year}"


@dataclass(frozen=True)
class Bar:
    label: str  # the month's initial under the bar
    title: str  # the month and the value, for a pointer and a screen reader
    height: int  # 0..100, in steps of 5 (a CSS class: the CSP allows no inline style)


@dataclass(frozen=True)
class Trend:
    bars: list[Bar]
    target_at: int | None  # where the target line stands, 0..100 in steps of 5
    caption: str


@dataclass(frozen=True)
class Card:
    value: IkuValue
    name: str
    href: str
    big: str
    tone: str
    band: str
    judged_target: str
    judged_capaian: str
    target_label: str
    annual: tuple[str, str] | None  # annual target and capaian, beside a triwulan's own
    grade: tuple[str, str] | None  # (mutu | predikat, "B (Baik)")
    counted: str | None  # "2 dari 6 pengaduan"
    last_year: tuple[str, str]  # ("TW 2 2025", "2 dokumen")
    trend: Trend | None
    note: str | None


def _step(share: Decimal) -> int:
    return max(0, min(100, int(share) // 5 * 5))


def trend(value: IkuValue, course: list[tuple[date, IkuReport]], t: Translate) -> Trend | None:
    """The cumulative course month by month, scaled to the highest of its values and
    the target, with the target drawn as a line."""
    if value.kind.annual or not course:
        return None
    points = [(end, _value_at(month, value.code)) for end, month in course]
    target = value.judged_target
    top = max([v for _, v in points if v is not None] + ([target] if target else []), default=0)
    bars = [
        Bar(
            t(f"month_initial_{end.month}"),
            f"{t(f'month_{end.month}')} {end.year}: {figure(value, v, t)}",
            _step(v * 100 / top) if v is not None and top else 0,
        )
        for end, v in points
    ]
    target_at = _step(target * 100 / top) if target and top else None
    if value.kind is IndicatorKind.DOCUMENTS:  # counted from 1 January, whatever the period
        caption = t("trend_cumulative_ytd")
    else:
        caption = t("trend_cumulative", start=day_words(course[0][1].period.start, t))
    return Trend(bars, target_at, caption)


def _value_at(month: IkuReport, code: str) -> Decimal | None:
    found = month.find(code)
    return found.value if found else None


_COUNTED = {
    IndicatorKind.ACTIVITIES: "counted_activities",
    IndicatorKind.TRANTIB: "counted_complaints",
    IndicatorKind.PROGRAMS: "counted_indicators",
}


def _counted(value: IkuValue, t: Translate) -> str | None:
    """What the value counts, in words: "3 dari 4 kegiatan terlaksana", "12 responden"."""
    if value.numerator is None:
        return None
    if value.kind is IndicatorKind.IKM:
        return t("counted_respondents", count=number(value.numerator))
    if value.denominator is None or value.kind not in _COUNTED:
        return None
    done, of = number(value.numerator), number(value.denominator)
    return t(_COUNTED[value.kind], done=done, of=of)


def _note(value: IkuValue, period: Period, t: Translate) -> str | None:
    if value.kind is IndicatorKind.DOCUMENTS and not period.is_whole_year:
        return t("iku1_cumulative", start=day_words(period.year_to_date().start, t))
    if value.unmeasured:
        return t("iku6_unmeasured", names="; ".join(value.unmeasured))
    if value.kind is IndicatorKind.ENTERED:  # which triwulan it is, or why there is none
        return value.note
    return None


def card(
    value: IkuValue,
    period: Period,
    last_year: IkuValue | None,
    last_period: Period,
    course: list[tuple[date, IkuReport]],
    bands: tuple[tuple[Decimal, str], ...],
    t: Translate,
    query: str,
) -> Card:
    code = value.code
    quarter = period.quarter_number
    before = last_year.value if last_year else None
    on_quarter = value.judged_on_quarter and quarter is not None
    grade = None
    if value.grade:
        grade = (
            t("skm_mutu") if value.kind is IndicatorKind.IKM else t("sakip_predikat"),
            value.grade,
        )
    return Card(
        value=value,
        name=iku_name(value, t),
        href=f"/iku/{code}" + (f"?{query}" if query else ""),
        big=figure(value, value.value, t),
        tone=tone(value, bands),
        band=band_words(value, t),
        judged_target=figure(value, value.judged_target, t),
        judged_capaian=percent(value.judged_capaian),
        target_label=t("target_to_quarter", quarter=quarter) if on_quarter else t("target"),
        annual=(figure(value, value.target, t), percent(value.capaian)) if on_quarter else None,
        grade=grade,
        counted=_counted(value, t),
        last_year=(period_words(last_period, t), figure(value, before, t)),
        trend=trend(value, course, t),
        note=_note(value, period, t),
    )


@dataclass(frozen=True)
class Headline:
    period: str
    met: int
    total: int
    attention: list[tuple[str, str, str]]  # (code, band words, capaian) of each
    no_data: list[str]


def headline_tone(shown: Headline) -> str:
    """Green when every IKU meets its target, amber when some do, red when none does."""
    if shown.met == shown.total:
        return "tone-0"
    return "tone-2" if shown.met else "tone-4"


def headline(report: IkuReport, t: Translate) -> Headline:
    return Headline(
        period=period_words(report.period, t),
        met=len(report.meeting_target),
        total=len(report.indicators),
        attention=[
            (v.code, band_words(v, t), percent(v.judged_capaian)) for v in report.needing_attention
        ],
        no_data=[v.code for v in report.without_data],
    )
