"""The office's registers, declared as data: their fields, the right each needs, how a
row is found and the rules that need more than one field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.capaian import Direction
from core.domain.performance import ActivityStatus, DocumentKind, IndicatorKind
from core.domain.sakip import InvalidSakipScore, predikat_for_score
from core.errors import InvalidInput
from core.lkjip_models import RenstraTarget
from core.models import (
    Activity,
    Document,
    Holiday,
    IkuTarget,
    ProgramIndicator,
    SakipEvaluation,
    Service,
    SkmFollowUp,
)
from core.scope import office_of
from core.services.files.fields import FieldKind, FieldSpec
from core.services.performance.iku_registers import ENTRIES as ENTRIES
from core.services.performance.iku_registers import IKU_SET as IKU_SET
from core.services.performance.iku_set import IKU_LABEL, chosen_iku
from core.services.performance.registers import Register
from core.types import INTEGER_MAX

K = FieldKind


# -- the checks that need more than one field ------------------------------------------


def _check_activity(session: Session, row: Activity) -> None:
    if row.planned_date is None and row.held_date is None:
        raise InvalidInput("Isi tanggal rencana atau tanggal pelaksanaan.")
    if row.status is ActivityStatus.TERLAKSANA and row.held_date is None:
        raise InvalidInput("Kegiatan terlaksana perlu tanggal pelaksanaan.")


def _check_document(session: Session, row: Document) -> None:
    same = session.exec(
        select(Document.id).where(
            Document.kind == row.kind,
            col(Document.title) == row.title,
            Document.doc_date == row.doc_date,
            col(Document.deleted_at).is_(None),
            Document.id != row.id if row.id is not None else True,
        )
    ).first()
    if same is not None:
        raise InvalidInput(
            f"Dokumen yang sama (jenis, judul, tanggal) sudah tercatat sebagai #{same}."
        )


def _check_sakip(session: Session, row: SakipEvaluation) -> None:
    try:
        predikat_for_score(row.score)
    except InvalidSakipScore as exc:
        raise InvalidInput(str(exc)) from None


def _by_id(model: type[Any]) -> Callable[[Session, str], Any | None]:
    """A row by its key as written in an address; a number past the column's (INTEGER)
    is no row, not a query PostgreSQL refuses or SQLite cannot bind."""

    def find(session: Session, key: str) -> Any | None:
        found = ascii_int(key, max_digits=len(str(INTEGER_MAX)))
        if found is None or not 0 < found <= INTEGER_MAX:
            return None
        return session.get(model, found)

    return find


def _year_and_label(key: str) -> tuple[int, str] | None:
    """``2026-IKU4``: a year and an IKU's number (which may hold a '-' of its own)."""
    year, _, code = key.partition("-")
    number = ascii_int(year) if len(year) == 4 else None
    if number is None or not IKU_LABEL.fullmatch(code):
        return None
    return number, code


def _find_target(session: Session, key: str) -> IkuTarget | None:
    found = _year_and_label(key)
    return session.get(IkuTarget, (office_of(session), *found)) if found else None


def _check_iku(session: Session, row: IkuTarget | RenstraTarget) -> None:
    """A target names one of the office's IKU, by the number its set gives it."""
    if chosen_iku(session, row.iku) is None:
        raise InvalidInput(f"IKU '{row.iku}' tidak ada dalam set IKU kantor ini.")


def _polarity(session: Session, values: dict[str, Any]) -> None:
    """A target set without a direction takes its indicator's (lower is better for a
    count of conflicts), as the office would otherwise have to say it every time."""
    if values.get("direction") is None and isinstance(values.get("iku"), str):
        chosen = chosen_iku(session, values["iku"])
        values["direction"] = chosen.indicator.direction if chosen else Direction.HIGHER_IS_BETTER


def _find_sakip(session: Session, key: str) -> SakipEvaluation | None:
    year = ascii_int(key) if len(key) == 4 else None
    return session.get(SakipEvaluation, (office_of(session), year)) if year is not None else None


def _find_holiday(session: Session, key: str) -> Holiday | None:
    try:
        return session.get(Holiday, (office_of(session), date.fromisoformat(key)))
    except ValueError:
        return None


_YEAR = FieldSpec("year", "tahun", "Tahun", K.INT, True, minimum=2000, maximum=2100)
_IKU = FieldSpec("iku", "iku", "IKU", required=True, max_length=12)
_DIRECTION = FieldSpec(
    "direction", "arah", "Arah", K.CHOICE, choices=tuple(d.value for d in Direction)
)

ACTIVITIES = Register(
    name="kegiatan",
    title="Kegiatan pemberdayaan",
    kind=IndicatorKind.ACTIVITIES,
    model=Activity,
    permission=Permission.MANAGE_ACTIVITIES,
    fields=(
        FieldSpec("name", "nama", "Nama kegiatan", required=True, max_length=200),
        FieldSpec("kind", "jenis", "Jenis", required=True, max_length=40),
        FieldSpec("desa", "desa", "Desa", K.DESA, max_length=80),
        FieldSpec("planned_date", "tanggal_rencana", "Tanggal rencana", K.DATE),
        FieldSpec("held_date", "tanggal_pelaksanaan", "Tanggal pelaksanaan", K.DATE),
        FieldSpec(
            "status",
            "status",
            "Status",
            K.CHOICE,
            choices=tuple(s.value for s in ActivityStatus),
        ),
        FieldSpec("participants_male", "peserta_l", "Peserta laki-laki", K.INT, minimum=0),
        FieldSpec("participants_female", "peserta_p", "Peserta perempuan", K.INT, minimum=0),
        FieldSpec("target_group", "sasaran", "Sasaran", max_length=120),
        FieldSpec("partner", "mitra", "Mitra", max_length=120),
        FieldSpec("funding_source", "sumber_dana", "Sumber dana", max_length=80),
    ),
    key_of=lambda row: str(row.id),
    find=_by_id(Activity),
    # the year IKU3 counts it in: planned, or held when never planned (an activity
    # recorded only as held from /kegiatan is listed in its year, not in none)
    year_column=func.coalesce(col(Activity.planned_date), col(Activity.held_date)),
    order=(func.coalesce(col(Activity.planned_date), col(Activity.held_date)), col(Activity.id)),
    check=_check_activity,
    file_field="evidence_ref",
    defaults={"status": ActivityStatus.DIRENCANAKAN.value},
)

DOCUMENTS = Register(
    name="dokumen",
    title="Dokumen penataan organisasi",
    kind=IndicatorKind.DOCUMENTS,
    model=Document,
    permission=Permission.MANAGE_DOCUMENTS,
    fields=(
        FieldSpec(
            "kind", "jenis", "Jenis", K.CHOICE, True, choices=tuple(k.value for k in DocumentKind)
        ),
        FieldSpec("title", "judul", "Judul", required=True, max_length=200),
        FieldSpec("doc_date", "tanggal", "Tanggal", K.DATE, True),
    ),
    key_of=lambda row: str(row.id),
    find=_by_id(Document),
    year_column=Document.doc_date,
    order=(col(Document.doc_date), col(Document.id)),
    check=_check_document,
    file_field="file_ref",
)

SAKIP = Register(
    name="sakip",
    title="Nilai SAKIP",
    kind=IndicatorKind.SAKIP,
    model=SakipEvaluation,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        _YEAR,
        FieldSpec("score", "nilai", "Nilai", K.DECIMAL, True, minimum=0, maximum=100),
        FieldSpec("note", "catatan", "Catatan", max_length=255),
    ),
    key_of=lambda row: str(row.year),
    find=_find_sakip,
    year_column=SakipEvaluation.year,
    order=(col(SakipEvaluation.year),),
    check=_check_sakip,
    natural_key=lambda values: str(values["year"]),
    file_field="file_ref",
)

INDICATORS = Register(
    name="indikator",
    title="Indikator program",
    kind=IndicatorKind.PROGRAMS,
    model=ProgramIndicator,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        _YEAR,
        FieldSpec("name", "nama", "Indikator", required=True, max_length=255),
        FieldSpec("unit", "satuan", "Satuan", max_length=40),
        FieldSpec("target", "target", "Target", K.DECIMAL, True),
        FieldSpec("realisation", "realisasi", "Realisasi", K.DECIMAL),
        _DIRECTION,
    ),
    key_of=lambda row: str(row.id),
    find=_by_id(ProgramIndicator),
    year_column=ProgramIndicator.year,
    order=(col(ProgramIndicator.year), col(ProgramIndicator.id)),
    defaults={"direction": Direction.HIGHER_IS_BETTER.value},
)

TARGETS = Register(
    name="target",
    title="Target IKU",
    model=IkuTarget,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        _YEAR,
        _IKU,
        FieldSpec("target", "target", "Target", K.DECIMAL, True, minimum=0),
        _DIRECTION,
        *(
            FieldSpec(f"target_q{q}", f"target_tw{q}", f"Target s.d. TW {q}", K.DECIMAL, minimum=0)
            for q in range(1, 5)
        ),
    ),
    key_of=lambda row: f"{row.year}-{row.iku}",
    find=_find_target,
    year_column=IkuTarget.year,
    order=(col(IkuTarget.year), col(IkuTarget.iku)),
    check=_check_iku,
    complete=_polarity,
    natural_key=lambda values: f"{values['year']}-{values['iku']}",
)

HOLIDAYS = Register(
    name="libur",
    title="Hari libur dan cuti bersama",
    model=Holiday,
    permission=Permission.MANAGE_HOLIDAYS,
    fields=(
        FieldSpec("day", "tanggal", "Tanggal", K.DATE, True),
        FieldSpec("name", "keterangan", "Keterangan", required=True, max_length=120),
    ),
    key_of=lambda row: row.day.isoformat(),
    find=_find_holiday,
    year_column=Holiday.day,
    order=(col(Holiday.day),),
    natural_key=lambda values: values["day"].isoformat(),
)


def _check_follow_up(session: Session, row: SkmFollowUp) -> None:
    if (
        row.service_code
        and session.exec(select(Service.id).where(Service.code == row.service_code)).first() is None
    ):
        raise InvalidInput(f"Layanan '{row.service_code}' tidak dikenal; kosongkan untuk unit.")


FOLLOW_UPS = Register(
    name="rtl",
    title="Rencana tindak lanjut SKM",
    kind=IndicatorKind.IKM,
    model=SkmFollowUp,
    permission=Permission.MANAGE_SERVICES,
    fields=(
        _YEAR,
        FieldSpec("quarter", "triwulan", "Triwulan (kosong: setahun)", K.INT, minimum=1, maximum=4),
        FieldSpec("service_code", "layanan", "Kode layanan (kosong: unit)", max_length=32),
        FieldSpec(
            "unsur", "unsur", "Unsur", K.CHOICE, choices=tuple(f"U{i}" for i in range(1, 10))
        ),
        FieldSpec("action", "rencana", "Rencana tindak lanjut", required=True, max_length=500),
        FieldSpec("responsible", "penanggung_jawab", "Penanggung jawab", max_length=120),
        FieldSpec("due_date", "target_waktu", "Target waktu", K.DATE),
    ),
    key_of=lambda row: str(row.id),
    find=_by_id(SkmFollowUp),
    year_column=SkmFollowUp.year,
    order=(col(SkmFollowUp.year), col(SkmFollowUp.id)),
    check=_check_follow_up,
)


def _find_renstra(session: Session, key: str) -> RenstraTarget | None:
    """``2029-IKU2``: the Renstra ending in 2029, its target for IKU2."""
    found = _year_and_label(key)
    return session.get(RenstraTarget, (office_of(session), *found)) if found else None


# The LKjIP compares each year's realisation with the Renstra's end-of-period target.
RENSTRA = Register(
    name="renstra",
    title="Target akhir periode Renstra",
    model=RenstraTarget,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        FieldSpec(
            "end_year", "tahun", "Tahun akhir Renstra", K.INT, True, minimum=2000, maximum=2100
        ),
        _IKU,
        FieldSpec("target", "target", "Target akhir Renstra", K.DECIMAL, True, minimum=0),
        _DIRECTION,
    ),
    key_of=lambda row: f"{row.end_year}-{row.iku}",
    find=_find_renstra,
    year_column=RenstraTarget.end_year,
    order=(col(RenstraTarget.end_year), col(RenstraTarget.iku)),
    check=_check_iku,
    complete=_polarity,
    natural_key=lambda values: f"{values['end_year']}-{values['iku']}",
)


REGISTERS: dict[str, Register] = {
    r.name: r
    for r in (
        ACTIVITIES,
        DOCUMENTS,
        SAKIP,
        INDICATORS,
        TARGETS,
        HOLIDAYS,
        FOLLOW_UPS,
        RENSTRA,
        IKU_SET,
        ENTRIES,
    )
}
