"""Complaints the kabupaten's own channel (e.g. Jember's Wadul Gus'e) disposed to its
kecamatan, from the channel's export (CSV or XLSX), into each office's queue.

Each row becomes a complaint of the channel ``kanal-kabupaten`` in the office its
kecamatan names, with the channel's reference as ``external_ref`` and its due date
counted, as for any complaint, from the day the office received it. The channel keeps
its reporter: an imported complaint has none in Sigap (and is hidden by default).

All or nothing, as every import of Sigap: every row is checked first; one bad row and
nothing is stored, and the refusal names each bad row and column in words. A row whose
reference the office already holds is left as it is (counted, not stored again), so a
file imported twice, or the channel's next export overlapping the last, stores each
complaint once; a unique index on the office and the reference holds it even against
two imports at the same moment.

Columns (first row; case, spaces and common variants do not matter): nomor (the
channel's reference), tanggal (disposed or received), kecamatan, kategori, uraian and,
optionally, desa.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.complaints import Channel, Privacy
from core.errors import InvalidInput
from core.formulas import restore
from core.models import Complaint, Office, Staff
from core.services.access.offices import active_offices, office_profile
from core.services.complaints import lifecycle
from core.services.complaints.categories import Category, load_categories
from core.services.complaints.channel_columns import COLUMNS as COLUMNS
from core.services.complaints.lifecycle import MAX_DESCRIPTION
from core.services.files.fields import clean_text, parse_date
from core.timeutil import local_midnight, utcnow

MAX_FILE_BYTES = 10 * 1024 * 1024  # a quarter of a busy channel is well under 1 MB
MAX_ROWS = 5_000  # a quarter of Wadul Gus'e (3,252) fits; more: split the file by month
MAX_PROBLEMS = 200  # found, the checking stops: a file of bad rows costs no more
MAX_SHOWN = 20  # problems named in the refusal
IMPORT_LOCK = 7_270_000_000  # + the office's id: one channel import at a time per office
LONGEST_TAKEN = 20_000  # a longer description is refused; up to it, cut to the queue's 1,000
DEFAULT_CATEGORY = "lainnya"  # a category the list does not know lands here, if it exists

REQUIRED = ("nomor", "tanggal", "kategori", "uraian")
_SEPARATORS = re.compile(r"[\s_./\\-]+")
_PREFIXES = re.compile(r"^(kecamatan|kec|desa|kelurahan|kel)\s+")
_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


def _header_key(text: str) -> str:
    return _SEPARATORS.sub(" ", text.lower()).strip()


def place_key(text: str) -> str:
    """A kecamatan's or desa's name as compared: case, spacing and a leading "Kecamatan",
    "Kec.", "Desa" or "Kelurahan" do not matter."""
    return _PREFIXES.sub("", _header_key(text)).strip()


_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


class ChannelImportRefused(InvalidInput):
    """A file with bad rows: nothing stored, every bad row named."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        shown = [f"Baris {row}, kolom {column}: {message}" for row, column, message in problems]
        more = len(problems) - MAX_SHOWN
        stopped = "; baris berikutnya tidak diperiksa" if len(problems) >= MAX_PROBLEMS else ""
        tail = [f"… dan {more} masalah lain{stopped}."] if more > 0 else []
        super().__init__(
            "Berkas tidak diimpor, tidak ada yang disimpan:\n" + "\n".join(shown[:MAX_SHOWN] + tail)
        )


@dataclass(frozen=True)
class _Row:
    line: int
    office: Office
    ref: str
    received: datetime
    category: str
    description: str
    desa: str | None


@dataclass
class ChannelImport:
    """What an import did: complaints stored per kecamatan, and rows already held."""

    stored: dict[str, int] = field(default_factory=dict)  # office name -> complaints
    already_there: int = 0

    @property
    def total(self) -> int:
        return sum(self.stored.values())


SessionFor = Callable[[Office], Session]


def import_channel_export(
    settings: Settings,
    rows: Iterable[tuple[int, dict[str, str]]],
    offices: list[Office],
    session_for: SessionFor,
    *,
    only: Office | None = None,
    registered_by: Staff | None = None,
) -> ChannelImport:
    """Check every row, then store each in its office through ``session_for(office)``
    (sessions of one transaction, which the caller commits or rolls back). ``only``: an
    office importing its own rows; a row of another kecamatan is refused."""
    checked = _checked_rows(settings, rows, offices, session_for, only)
    result = ChannelImport()
    by_office: dict[int, list[_Row]] = {}
    for row in checked:
        by_office.setdefault(row.office.id or 0, []).append(row)
    for office_id in sorted(by_office):  # offices in one order, each import queued
        group = by_office[office_id]  # behind another of the same office (no deadlock,
        office = group[0].office  # and "already there" counted right)
        session = session_for(office)
        if session.get_bind().dialect.name == "postgresql":
            lock = {"key": IMPORT_LOCK + office_id}
            session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), lock)
        held = _held_refs(session, [r.ref for r in group])
        for row in group:
            if row.ref in held:
                result.already_there += 1
                continue
            data = lifecycle.NewComplaint(
                channel=Channel.KANAL_KABUPATEN,
                category=row.category,
                description=row.description,
                desa=row.desa,
                privacy=Privacy.HIDDEN,
                external_ref=row.ref,
            )
            try:
                lifecycle.register_complaint(
                    session, settings, data, registered_by=registered_by, received_at=row.received
                )
                session.flush()
            except (IntegrityError, OperationalError):
                raise InvalidInput(
                    "Berkas yang sama sedang diimpor di tempat lain; tidak ada yang disimpan. "
                    "Coba lagi sebentar lagi."
                ) from None
            except InvalidInput as exc:
                raise ChannelImportRefused([(row.line, "-", str(exc))]) from None
            result.stored[office.name] = result.stored.get(office.name, 0) + 1
    return result


def _held_refs(session: Session, refs: list[str]) -> set[str]:
    held: set[str] = set()
    for start in range(0, len(refs), 500):
        held.update(
            r
            for r in session.exec(
                select(Complaint.external_ref).where(
                    Complaint.channel == Channel.KANAL_KABUPATEN,
                    col(Complaint.external_ref).in_(refs[start : start + 500]),
                )
            ).all()
            if r is not None
        )
    return held


def _columns(raw: dict[str, str], line: int) -> dict[str, str]:
    """The file's headers mapped to the columns; a file missing one is refused at once."""
    found: dict[str, str] = {}
    for header in raw:
        name = _ALIASES.get(_header_key(header))
        if name is not None and name in found:
            raise InvalidInput(
                f"Baris {line}: kolom “{found[name]}” dan “{header}” sama-sama dibaca sebagai "
                f"{name}; hapus atau ganti judul salah satunya."
            )
        if name is not None:
            found[name] = header
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise InvalidInput(
            f"Baris 1: kolom {', '.join(missing)} tidak ada. Judul kolom yang dibaca: nomor, "
            "tanggal, kecamatan, kategori, uraian, desa (desa boleh tidak ada)."
        )
    return found


def _checked_rows(
    settings: Settings,
    rows: Iterable[tuple[int, dict[str, str]]],
    offices: list[Office],
    session_for: SessionFor,
    only: Office | None,
) -> list[_Row]:
    by_name = {place_key(o.name): o for o in offices} | {o.code: o for o in offices}
    categories = _category_lookup(load_categories(settings.categories_file))
    desa_of: dict[int, dict[str, str]] = {}
    columns: dict[str, str] | None = None
    seen: dict[tuple[int, str], int] = {}
    checked: list[_Row] = []
    problems: list[tuple[int, str, str]] = []
    count = 0
    for line, raw in rows:
        if columns is None:
            columns = _columns(raw, line)
        if not any(v.strip() for v in raw.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput(
                f"Berkas lebih dari {MAX_ROWS:,} baris pengaduan; bagi per bulan.".replace(",", ".")
            )
        if len(problems) >= MAX_PROBLEMS:
            break

        def cell(name: str, given: dict[str, str] = raw, found: dict[str, str] = columns) -> str:
            return restore(given.get(found[name], "").strip()) if name in found else ""

        row_problems: list[tuple[str, str]] = []
        office = _office_of(cell("kecamatan"), by_name, only, row_problems)
        ref = _text(cell("nomor"), "nomor", 64, row_problems)
        received = _moment(cell("tanggal"), settings, row_problems)
        category = _category(cell("kategori"), categories, row_problems)
        description = _text(cell("uraian"), "uraian", LONGEST_TAKEN, row_problems)
        if description is not None and len(description) > MAX_DESCRIPTION:  # kept short,
            description = description[: MAX_DESCRIPTION - 1] + "…"  # the channel has it all
        if description is not None and len(description) < 10:
            row_problems.append(("uraian", "terlalu pendek (minimal 10 karakter)."))
        desa = _desa(office, cell("desa"), desa_of, session_for, row_problems)
        if office is not None and ref is not None:
            earlier = seen.setdefault((office.id or 0, ref), line)
            if earlier != line:
                row_problems.append(("nomor", f"nomor yang sama sudah ada di baris {earlier}."))
        problems.extend((line, column, message) for column, message in row_problems)
        if row_problems:
            continue
        assert office and ref and received and category and description
        checked.append(_Row(line, office, ref, received, category, description, desa))
    if columns is None:
        raise InvalidInput("Berkas tidak berisi data.")
    if problems:
        raise ChannelImportRefused(problems)
    if not checked:
        raise InvalidInput("Berkas tidak berisi data.")
    return checked


def _desa(
    office: Office | None,
    text: str,
    known: dict[int, dict[str, str]],
    session_for: SessionFor,
    problems: list[tuple[str, str]],
) -> str | None:
    """The office's own name for the desa typed (``known``: each office's, read once)."""
    if office is None or not text:
        return None
    if office.id not in known:
        names = office_profile(session_for(office)).desa
        known[office.id or 0] = {place_key(d): d for d in names}
    desa = known[office.id or 0].get(place_key(text))
    if desa is None:
        problems.append(("desa", f"bukan desa/kelurahan {office.name}."))
    return desa


def _office_of(
    text: str, by_name: dict[str, Office], only: Office | None, problems: list[tuple[str, str]]
) -> Office | None:
    if not text:
        if only is not None:
            return only  # an office's own export may leave its kecamatan out
        problems.append(("kecamatan", "kosong."))
        return None
    office = by_name.get(text) or by_name.get(place_key(text))
    if office is None:
        problems.append(("kecamatan", "tidak dikenal di Sigap (bukan nama kantor kecamatan)."))
        return None
    if only is not None and office.id != only.id:
        problems.append(("kecamatan", f"untuk {office.name}, bukan kantor ini; tidak diimpor."))
        return None
    return office


def _text(text: str, column: str, limit: int, problems: list[tuple[str, str]]) -> str | None:
    if not text:
        problems.append((column, "kosong."))
        return None
    try:
        return clean_text(text, column, limit)
    except InvalidInput as exc:
        problems.append((column, str(exc).removeprefix(f"{column}: ")))
        return None


def _moment(text: str, settings: Settings, problems: list[tuple[str, str]]) -> datetime | None:
    """The day (and time, when the export gives one) the office received it, in the
    office's time zone; not in the future, not before 2000."""
    if not text:
        problems.append(("tanggal", "kosong."))
        return None
    try:
        timed = _MOMENT.match(text)
        if timed:
            day, hour, minute, second = timed.groups()
            at = time(int(hour), int(minute), int(second or 0))
            moment = datetime.combine(date.fromisoformat(day), at, settings.tz)
        else:
            moment = local_midnight(parse_date(text.split(" ")[0], "tanggal"), settings.tz)
    except (InvalidInput, ValueError) as exc:
        message = str(exc) if isinstance(exc, InvalidInput) else f"'{text[:20]}' bukan tanggal."
        problems.append(("tanggal", message.removeprefix("tanggal: ")))
        return None
    if moment > utcnow() + timedelta(days=1):
        problems.append(("tanggal", "di masa depan."))
        return None
    return moment


def _category_lookup(categories: tuple[Category, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for c in categories:
        for text in (c.code, c.name, c.name_en):
            if text:
                found.setdefault(place_key(text), c.code)
    return found


def _category(text: str, lookup: dict[str, str], problems: list[tuple[str, str]]) -> str | None:
    """The category list's code for the channel's words; one it does not know becomes
    "lainnya" where the list has it (the office may correct it), else is refused."""
    code = lookup.get(place_key(text)) if text else None
    if code is not None:
        return code
    if DEFAULT_CATEGORY in lookup.values():
        return DEFAULT_CATEGORY
    problems.append(("kategori", f"'{text[:40]}' tidak dikenal dan tidak ada kategori lainnya."))
    return None


def kecamatan_offices(session: Session) -> list[Office]:
    """The offices rows may be routed to: those at work."""
    return active_offices(session)
