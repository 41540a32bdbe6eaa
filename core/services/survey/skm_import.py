"""`sigap skm import`: a million-row SKM file, all or nothing, in bounded memory, at close
to the speed of the bare ``csv`` module + ``executemany`` (bench/skm_import.py).

A row is read at a glance when every cell is one of the texts already known to be valid:
a score ``1``..``4``, an age ``10``..``120``, one of the listed choices, a date, time or
service code met (and checked) earlier in the file, a plain suggestion. Those cells map
straight to the values stored, through a dict each, with no per-row objects. Any other row
(a space to trim, a spreadsheet's text marker, a new date, a bad value, a blank or short
row) goes through the rules of core/services/survey/skm_csv.py and `SkmAnswers.validate`, which
store it or refuse it with its line number: the rules are written once, and a row read
at a glance is one they would store unchanged.

Rows are inserted a chunk at a time with the driver's ``executemany`` and the per-day
totals summed in plain ints and added at the end (or when many days are held), all in the
caller's transaction: nothing is stored unless every row is.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from operator import itemgetter
from typing import Any, TextIO

from sqlalchemy import Table, insert
from sqlmodel import Session

from core.domain.skm import MAX_SCORE, MIN_SCORE, UNSUR_FIELDS
from core.errors import InvalidInput, SigapError
from core.models import SkmResponse
from core.scope import office_of
from core.services.files.upsert import PLACEHOLDERS
from core.services.survey.daily_totals import TOTAL_COUNTERS, write_daily_totals
from core.services.survey.skm import (
    BATCH_ROWS,
    JENIS_KELAMIN,
    MAX_SARAN,
    PEKERJAAN,
    PENDIDIKAN,
    PROFILE_DIMENSIONS,
    USIA_MAX,
    USIA_MIN,
    SkmAnswers,
    usia_band,
)
from core.services.survey.skm_csv import (
    SKM_REQUIRED,
    broken_csv,
    read_header,
    row_values,
    skm_row_parser,
)
from core.timeutil import utcnow

SCORE_FIELDS = tuple(f for _, f in UNSUR_FIELDS)
# The cells read, in this order, and the columns stored, in this order.
READ = ("tanggal", "layanan", *SCORE_FIELDS, "jam", "jenis_kelamin", "usia", "pendidikan")
READ += ("pekerjaan", "saran")
COLUMNS = ("service_id", "tanggal", "jam", *SCORE_FIELDS, "jenis_kelamin", "usia")
COLUMNS += ("pendidikan", "pekerjaan", "saran", "resident_id", "source", "created_at")

# The texts valid as they are, and the value each stores ("" is an empty cell).
SCORES: dict[str, int | None] = {"": None} | {str(n): n for n in range(MIN_SCORE, MAX_SCORE + 1)}
AGES: dict[str, int | None] = {"": None} | {str(n): n for n in range(USIA_MIN, USIA_MAX + 1)}
# Each valid age's band, as the respondent profile counts it.
BANDS: dict[int | None, str | None] = {None: None} | {
    n: usia_band(n) for n in range(USIA_MIN, USIA_MAX + 1)
}


def _choices(values: Iterable[str]) -> dict[str, str | None]:
    return {"": None} | {v: v for v in values}


GENDERS, SCHOOLING, WORK = _choices(JENIS_KELAMIN), _choices(PENDIDIKAN), _choices(PEKERJAAN)

# Dates, times and codes learnt from rows checked in full; a file may hold many distinct
# times, so each dict stops growing at this size (a row past it is checked in full).
LEARNT_LIMIT = 50_000
# Per-day counters held before they are added to the database (bounded memory).
FLUSH_KEYS = 50_000


# Respondents counted per (day, service, jenis kelamin, age band, pendidikan, pekerjaan).
_Profile = tuple[date, int, str | None, str | None, str | None, str | None]


class _Unusual(Exception):
    """A row not readable at a glance: checked in full by the general rules."""


def import_skm_csv(
    session: Session,
    handle: TextIO,
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store every answer of the file in the caller's transaction and return how many;
    the first bad row raises `InvalidInput` naming its line, and the caller rolls back.
    ``progress`` hears how many rows are written so far, after each chunk."""
    reader = csv.reader(handle, strict=True)
    try:
        return _Import(session, reader, source).run(reader, progress)
    except csv.Error as exc:
        raise broken_csv(reader.line_num, exc) from None


class _Import:
    def __init__(self, session: Session, reader: Iterator[list[str]], source: str) -> None:
        self.session = session
        self.source = source
        self.header = read_header(reader, SKM_REQUIRED)
        self.parse = skm_row_parser(session)
        self.office = office_of(session)  # every row is the office's, as its services are
        connection = session.connection()
        dialect = connection.dialect
        table: Table = SkmResponse.__table__  # type: ignore[attr-defined]
        self.table = table
        self.bind = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in COLUMNS
        }
        mark = PLACEHOLDERS.get(dialect.paramstyle)
        self.sql = None
        if mark is not None:
            prepare = dialect.identifier_preparer
            names = ", ".join(prepare.quote(c) for c in ("office_id", *COLUMNS))
            self.sql = f"INSERT INTO {prepare.format_table(table)} ({names}) "
            self.sql += f"VALUES ({int(self.office)}, {', '.join([mark] * len(COLUMNS))})"
        # columns whose values the driver is given converted (SQLite: dates and times as
        # text): converted once per distinct value through the learnt dicts below
        self.converted_once = {"tanggal", "jam", "created_at"}
        self.convert_per_row = [
            (i, fn)
            for i, (name, fn) in enumerate(self.bind.items())
            if fn is not None and name not in self.converted_once
        ]
        self.dates: dict[str, tuple[date, Any]] = {}
        self.services: dict[str, int] = {}
        self.times: dict[str, Any] = {"": None}

    def stored(self, column: str, value: Any) -> Any:
        fn = self.bind[column]
        return value if fn is None or value is None else fn(value)

    def run(self, reader: Any, progress: Callable[[int], None] | None) -> int:
        width = len(self.header)
        index = {name: i for i, name in enumerate(self.header)}
        pad = any(name not in index for name in READ)  # an optional column left out
        pick = itemgetter(*(index.get(name, width) for name in READ))
        dates, services, times, source = self.dates, self.services, self.times, self.source
        totals: dict[tuple[date, int], list[int]] = {}
        answered: dict[tuple[date, int], list[tuple[int | None, ...]]] = {}  # this chunk's
        profiles: Counter[_Profile] = Counter()
        rows: list[tuple[Any, ...]] = []
        written, created = 0, self.stored("created_at", utcnow())
        scores: tuple[int | None, ...]
        for cells in reader:
            quick = False
            if len(cells) == width:
                if pad:
                    cells.append("")  # the column left out, read as an empty cell
                try:
                    t, code, a1, a2, a3, a4, a5, a6, a7, a8, a9, jm, jk, us, pd, pk, sr = pick(
                        cells
                    )
                    day, day_stored = dates[t]
                    sid = services[code]
                    scores = (
                        SCORES[a1], SCORES[a2], SCORES[a3], SCORES[a4], SCORES[a5],
                        SCORES[a6], SCORES[a7], SCORES[a8], SCORES[a9],
                    )  # fmt: skip
                    jam, jk, usia = times[jm], GENDERS[jk], AGES[us]
                    pd, pk = SCHOOLING[pd], WORK[pk]
                    if sr and not _plain_saran(sr):
                        raise _Unusual
                    if scores.count(None) == len(scores):  # refused, in full words below
                        raise _Unusual
                    saran = sr or None
                    quick = True
                except (KeyError, _Unusual):
                    if pad:
                        cells.pop()
            if not quick:
                slow = self.in_full(cells, reader.line_num, width)
                if slow is None:
                    continue  # a blank row
                day, day_stored, sid, scores, jam, jk, usia, pd, pk, saran = slow
            rows.append(
                (sid, day_stored, jam, *scores, jk, usia, pd, pk, saran, None, source, created)
            )
            same_day = answered.get((day, sid))
            if same_day is None:
                same_day = answered[(day, sid)] = []
            same_day.append(scores)
            profiles[(day, sid, jk, BANDS[usia], pd, pk)] += 1
            if len(rows) >= BATCH_ROWS:
                written = self.flush(rows, answered, totals, written, progress)
                created = self.stored("created_at", utcnow())
                if len(totals) + len(profiles) > FLUSH_KEYS:
                    self.add_to_totals(totals, profiles)
        if rows:
            written = self.flush(rows, answered, totals, written, progress)
        self.add_to_totals(totals, profiles)
        return written

    def flush(
        self,
        rows: list[tuple[Any, ...]],
        answered: dict[tuple[date, int], list[tuple[int | None, ...]]],
        totals: dict[tuple[date, int], list[int]],
        written: int,
        progress: Callable[[int], None] | None,
    ) -> int:
        """One chunk's rows inserted and its scores tallied; the count written so far."""
        _tally(answered, totals)
        self.insert(rows)
        written += len(rows)
        rows.clear()
        if progress is not None:
            progress(written)
        return written

    def in_full(self, cells: list[str], line: int, width: int) -> tuple[Any, ...] | None:
        """An unusual row's stored values through the full rules, None for a blank row."""
        answers = self.checked_in_full(cells, line)
        if answers is None:
            return None
        day, day_stored, sid, scores, jam = self.learn(cells, answers, width)
        profile = answers.profile
        saran = (answers.saran or "").strip() or None
        return (
            day, day_stored, sid, scores, jam, profile.jenis_kelamin, profile.usia,
            profile.pendidikan, profile.pekerjaan, saran,
        )  # fmt: skip

    def checked_in_full(self, cells: list[str], line: int) -> SkmAnswers | None:
        """The row through csv_io's rules: its answers, None for a blank row, or the
        refusal naming its line."""
        row = row_values(self.header, SKM_REQUIRED, cells, line)
        if row is None:
            return None
        try:
            return self.parse(row)
        except (SigapError, ValueError) as exc:
            raise InvalidInput(f"Baris {line}: {exc}") from None

    def learn(
        self, cells: list[str], answers: SkmAnswers, width: int
    ) -> tuple[date, Any, int, tuple[int | None, ...], Any]:
        """The stored values of a row checked in full; its date, time and service code
        (each valid on its own, as the whole row is) are read at a glance from now on."""
        day, sid = answers.tanggal, answers.service_id
        day_stored = self.stored("tanggal", day)
        jam = self.stored("jam", answers.jam)
        scores = tuple(answers.scores.get(u) for u, _ in UNSUR_FIELDS)
        if len(cells) == width:
            t, code = cells[self.header.index("tanggal")], cells[self.header.index("layanan")]
            jm = cells[self.header.index("jam")] if "jam" in self.header else ""
            if len(self.dates) < LEARNT_LIMIT:
                self.dates[t] = (day, day_stored)
            if len(self.services) < LEARNT_LIMIT:
                self.services[code] = sid
            if len(self.times) < LEARNT_LIMIT:
                self.times[jm] = jam
        return day, day_stored, sid, scores, jam

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        if self.convert_per_row:  # a driver that wants other values converted too
            rows = [_converted(row, self.convert_per_row) for row in rows]
        connection = self.session.connection()
        if self.sql is None:
            connection.execute(
                insert(self.table),
                [{"office_id": self.office} | dict(zip(COLUMNS, r, strict=True)) for r in rows],
            )
        else:
            connection.exec_driver_sql(self.sql, rows)

    def add_to_totals(
        self,
        totals: dict[tuple[date, int], list[int]],
        profiles: Counter[_Profile],
    ) -> None:
        buckets: Counter[tuple[date, int, str, str]] = Counter()
        for (day, sid, *values), n in profiles.items():
            for dimension, value in zip(PROFILE_DIMENSIONS, values, strict=True):
                if value is not None:
                    buckets[(day, sid, dimension, value)] += n
        write_daily_totals(self.session, totals, buckets)
        totals.clear()
        profiles.clear()


def _tally(
    answered: dict[tuple[date, int], list[tuple[int | None, ...]]],
    totals: dict[tuple[date, int], list[int]],
) -> None:
    """Add a chunk's scores, grouped by (day, service), to the totals: respondents, then
    each unsur's sum and count (TOTAL_COUNTERS), a column at a time."""
    for key, rows in answered.items():
        counts = totals.get(key)
        if counts is None:
            counts = totals[key] = [0] * len(TOTAL_COUNTERS)
        counts[0] += len(rows)
        for i, column in enumerate(zip(*rows, strict=True)):
            counts[1 + 2 * i] += sum(filter(None, column))  # scores are 1..4, never 0
            counts[2 + 2 * i] += len(column) - column.count(None)
    answered.clear()


def _plain_saran(text: str) -> bool:
    """A suggestion stored as it is: printable (no line break, control or direction
    character), nothing to trim, no spreadsheet text marker, within its length."""
    return text.isprintable() and text[0] not in " '" and text[-1] != " " and len(text) <= MAX_SARAN


def _converted(row: tuple[Any, ...], convert: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, fn in convert:
        if values[i] is not None:
            values[i] = fn(values[i])
    return tuple(values)
