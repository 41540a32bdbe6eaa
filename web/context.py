"""What the back office is given by the composition root, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings
from core.domain.numbers import round_half_up
from core.domain.periods import Period
from core.services.operations.system_figures import ChannelSetup
from web.cache import FiguresCache
from web.i18n import translator

# Renders a report: (session, kind "iku"|"skm"|"complaints", period, format) -> bytes.
# Given by the composition root; the back office itself knows nothing of rendering.
ReportMaker = Callable[[Session, str, Period, str], bytes]
# The SKM poster (PNG/PDF bytes) for a service code.
PosterMaker = Callable[[Session, str], bytes]


def _environment() -> Environment:
    """Every template here is HTML: every value is escaped, whatever a template's name
    (a name-based rule silently stops escaping the day a file is renamed)."""
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code; no stat() per page
    )
    env.filters["num"] = number
    return env


def number(value: object, places: int = 2) -> str:
    """Indonesian number format: 1.234,56 (a dash for no value)."""
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Fraction):  # an NRR kept exact: rounded as the report rounds it
        value = round_half_up(value, places)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if amount == amount.to_integral() and places == 0:
        return f"{int(amount):,}".replace(",", ".")
    text = f"{amount:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def word(t: Callable[..., str], key: str, default: str) -> str:
    """A catalogue's word for a code, or ``default`` where the catalogue has none (the
    translator answers a missing key with the key itself)."""
    text = t(key)
    return default if text == key else text


@dataclass
class Office:
    settings: Settings
    engine: Engine
    reports: ReportMaker | None = None
    poster: PosterMaker | None = None
    templates: Environment = field(default_factory=_environment)
    figures: FiguresCache = field(default_factory=FiguresCache)
    # each office's line of the kabupaten's roll-up, per period (31 offices a view)
    office_lines: FiguresCache = field(default_factory=lambda: FiguresCache(size=512))
    # The chat channels as configured (the composition root knows them), for "Sistem"
    channels: tuple[ChannelSetup, ...] = ()

    def __post_init__(self) -> None:
        tz = self.settings.tz

        def local_time(moment: datetime | None) -> str:
            """Times as the office reads them: local, to the minute."""
            if moment is None:
                return "–"
            aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M")

        def local_day(moment: datetime | None) -> str:
            """The office's calendar day of an instant (a complaint received at 01:00 WIB
            is received that day, not the UTC day before)."""
            if moment is None:
                return "–"
            aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return aware.astimezone(tz).date().isoformat()

        self.templates.filters["waktu"] = local_time
        self.templates.filters["tanggal"] = local_day

    def translator(self, language: str) -> Callable[..., str]:
        return translator(language)
