"""What every command shares: settings, a unit of work, periods, and clear failures.

The database, settings and service modules are imported when a command runs, not when
`sigap` starts: `sigap --help` and a typo's usage message must come back at once, and
SQLAlchemy, pydantic and the report libraries take seconds to import on a slow machine.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from core.domain.complaints import IllegalTransition
from core.domain.periods import InvalidPeriod, Period
from core.timeutil import local_date, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.exc import DBAPIError
    from sqlmodel import Session

    from core.config import Settings


def lazy(name: str) -> ModuleType:
    """The module ``name``, executed on its first attribute access (standard library's
    LazyLoader): commands use it as usual, `--help` never loads it."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Galat / Error: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    from core.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc), code=2)


def engine(config: Settings, *, migrates: bool = False) -> Engine:
    """The office database; refused in one line when a newer Sigap migrated it (this
    code would misread its tables, and `sigap run` would stop on a traceback), or when
    it was never migrated, unless the command ``migrates`` it itself (`db upgrade`,
    `run`, `chat`): one line naming `sigap db upgrade`, never a traceback."""
    from core.db import make_engine
    from core.schema import (
        SchemaNewerThanCode,
        SchemaNotMigrated,
        refuse_newer_schema,
        refuse_unmigrated_schema,
    )

    db = make_engine(config.database_url)
    try:
        if migrates:
            refuse_newer_schema(db)
        else:
            refuse_unmigrated_schema(db)
    except SchemaNotMigrated:
        db.dispose()
        fail(NOT_MIGRATED)
    except SchemaNewerThanCode as exc:
        db.dispose()
        fail(str(exc))
    return db


# The office a command acts as (`sigap --office 35.09.01 ...`, or SIGAP_OFFICE): needed
# once a deployment serves several; a single-office install never names it.
chosen_office: str | None = None


@contextmanager
def unit_of_work(config: Settings) -> Iterator[Session]:
    """Commit on success; on a refusal, roll back, print one line and exit non-zero."""
    from sqlalchemy.exc import DBAPIError

    from core.db import session_scope
    from core.errors import SigapError
    from core.scope import OfficeNotChosen

    try:
        with session_scope(engine(config)) as session:
            _act_as_the_chosen_office(session)
            yield session
    except OfficeNotChosen:
        fail(CHOOSE_OFFICE)
    except (SigapError, IllegalTransition, InvalidPeriod) as exc:
        fail(str(exc))
    except DBAPIError as exc:
        if _missing_table(exc):
            fail(NOT_MIGRATED)
        raise


def _act_as_the_chosen_office(session: Session) -> None:
    from core.scope import for_office
    from core.services.access.offices import office_by_code

    if chosen_office is not None:
        for_office(session, office_by_code(session, chosen_office).id or 0)


CHOOSE_OFFICE = (
    "Basis data ini melayani beberapa kantor: pilih dengan --office KODE (lihat `sigap "
    "office list`) / this database serves several offices: choose one with --office CODE."
)

NOT_MIGRATED = (
    "Basis data belum disiapkan / the database has no tables yet: "
    "jalankan / run `sigap db upgrade` (or `make run`)."
)


def _missing_table(exc: DBAPIError) -> bool:
    """SQLite says "no such table", PostgreSQL "relation ... does not exist"."""
    text = str(exc.orig)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


YearOpt = Annotated[int | None, typer.Option("--year", help="Tahun / Year, e.g. 2025")]
QuarterOpt = Annotated[
    str | None, typer.Option("--quarter", help="Triwulan / Quarter, e.g. 2025-Q1")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Dari tanggal / From date YYYY-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Sampai tanggal / To date YYYY-MM-DD")]


def text_of(content: bytes) -> io.StringIO:
    """CSV text from a file's bytes (a spreadsheet's UTF-8 BOM is dropped)."""
    try:
        return io.StringIO(content.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError:
        fail("Berkas bukan teks UTF-8 / file is not UTF-8 text (simpan sebagai CSV UTF-8)")


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: '{text}' bukan tanggal TTTT-BB-HH / not a YYYY-MM-DD date")


def parse_decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        fail(f"{what}: '{text}' bukan angka / not a number")
    if not value.is_finite():
        fail(f"{what}: '{text}' bukan angka / not a number")
    return value


def resolve_period(
    config: Settings, year: int | None, quarter: str | None, start: str | None, end: str | None
) -> Period:
    """One of --year, --quarter, or --from/--to; the current year if none is given."""
    chosen = sum(x is not None for x in (year, quarter)) + (start is not None or end is not None)
    if chosen > 1:
        fail("Pilih satu: --year, --quarter, atau --from/--to / choose one period option")
    try:
        if quarter is not None:
            return Period.parse_quarter(quarter)
        if start is not None or end is not None:
            if start is None or end is None:
                fail("--from dan --to harus diisi keduanya / give both --from and --to")
            return Period(parse_date(start, "--from"), parse_date(end, "--to"))
        return Period.year(year or local_date(utcnow(), config.tz).year)
    except InvalidPeriod as exc:
        fail(str(exc))


def number(value: Decimal | Fraction | int | None, places: int | None = None) -> Any:
    """A JSON number (or null); fractions are rounded only for display."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if places is not None:
        return round(float(value), places)
    return (
        float(value)
        if not (isinstance(value, Decimal) and value == value.to_integral())
        else int(value)
    )
