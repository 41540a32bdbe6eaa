"""The registers of an office's IKU set and of the values it enters per triwulan: each
change audited, correctable and importable like every other register."""

from __future__ import annotations

from sqlalchemy import func, inspect
from sqlmodel import Session, col, select

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.performance import IndicatorKind
from core.errors import InvalidInput
from core.lkjip_models import IkuAnalysis, RenstraTarget
from core.models import IkuEntry, IkuTarget, OfficeIku
from core.scope import office_of
from core.services.files.fields import FieldKind, FieldSpec
from core.services.performance.iku_set import IKU_LABEL, chosen_iku, find_indicator
from core.services.performance.registers import Register

K = FieldKind
_YEAR = FieldSpec("year", "tahun", "Tahun", K.INT, True, minimum=2000, maximum=2100)
_IKU = FieldSpec("iku", "iku", "IKU", required=True, max_length=12)


def _find_office_iku(session: Session, key: str) -> OfficeIku | None:
    return session.get(OfficeIku, (office_of(session), key)) if IKU_LABEL.fullmatch(key) else None


def _keep_what_was_measured(session: Session, row: OfficeIku) -> None:
    """A number that already has targets, realisations or analyses keeps its indicator:
    they were set for what it measured, and would silently judge something else."""
    before = inspect(row).attrs.indicator_code.history.deleted
    if not before or before[0] == row.indicator_code:
        return
    for model in (IkuTarget, IkuEntry, IkuAnalysis, RenstraTarget):
        if session.exec(select(model).where(model.iku == row.label).limit(1)).first():
            raise InvalidInput(
                f"{row.label} sudah punya target, realisasi atau analisis untuk "
                f"{before[0]}; indikatornya tidak bisa diganti. Pakai nomor IKU baru."
            )


def _check_office_iku(session: Session, row: OfficeIku) -> None:
    if not IKU_LABEL.fullmatch(row.label):
        raise InvalidInput(
            "Nomor IKU 1–12 huruf besar, angka, titik atau '-', diawali huruf, memuat angka, "
            "tanpa spasi (mis. IKU1, IKU-2.1)."
        )
    row.indicator_code = row.indicator_code.strip().upper()
    if find_indicator(session, row.indicator_code) is None:
        raise InvalidInput(f"Indikator '{row.indicator_code}' tidak ada dalam kamus kabupaten.")
    _keep_what_was_measured(session, row)
    twice = session.exec(
        select(OfficeIku.label).where(
            OfficeIku.indicator_code == row.indicator_code,
            OfficeIku.label != row.label,
            col(OfficeIku.deleted_at).is_(None),
        )
    ).first()
    if twice is not None:
        raise InvalidInput(f"Indikator {row.indicator_code} sudah dipilih sebagai {twice}.")
    if not row.position:  # none given: after the office's other IKU
        last = session.exec(select(func.max(OfficeIku.position))).one()
        row.position = (last or 0) + 1


IKU_SET = Register(
    name="setiku",
    title="Set IKU kantor",
    model=OfficeIku,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        FieldSpec("label", "nomor", "Nomor IKU", required=True, max_length=12),
        FieldSpec(
            "indicator_code", "indikator", "Indikator (kode kamus)", required=True, max_length=30
        ),
        FieldSpec("name", "nama", "Rumusan kantor", max_length=255),
        FieldSpec("position", "urutan", "Urutan", K.INT, minimum=1, maximum=99),
    ),
    key_of=lambda row: row.label,
    find=_find_office_iku,
    year_column=None,  # a set holds until the office changes it
    order=(col(OfficeIku.position), col(OfficeIku.label)),
    check=_check_office_iku,
    natural_key=lambda values: values["label"],
)


def _find_entry(session: Session, key: str) -> IkuEntry | None:
    """``2026-TW2-IKU7``: the realisation of IKU7 for triwulan II of 2026."""
    year, _, rest = key.partition("-TW")
    quarter, _, code = rest.partition("-")
    number = ascii_int(year) if len(year) == 4 else None
    if number is None or quarter not in ("1", "2", "3", "4") or not IKU_LABEL.fullmatch(code):
        return None
    return session.get(IkuEntry, (office_of(session), number, int(quarter), code))


def _check_entry(session: Session, row: IkuEntry) -> None:
    chosen = chosen_iku(session, row.iku)
    if chosen is None:
        raise InvalidInput(f"IKU '{row.iku}' tidak ada dalam set IKU kantor ini.")
    if chosen.kind is not IndicatorKind.ENTERED:
        raise InvalidInput(f"{row.iku} dihitung Sigap dari registernya; tidak diisi manual.")


ENTRIES = Register(
    name="realisasi",
    title="Realisasi IKU isian per triwulan",
    model=IkuEntry,
    permission=Permission.MANAGE_PERFORMANCE,
    fields=(
        _YEAR,
        FieldSpec("quarter", "triwulan", "Triwulan", K.INT, True, minimum=1, maximum=4),
        _IKU,
        FieldSpec("value", "realisasi", "Realisasi", K.DECIMAL, True),
        FieldSpec("evidence", "bukti", "Bukti", required=True, max_length=500),
    ),
    key_of=lambda row: f"{row.year}-TW{row.quarter}-{row.iku}",
    find=_find_entry,
    year_column=IkuEntry.year,
    order=(col(IkuEntry.year), col(IkuEntry.quarter), col(IkuEntry.iku)),
    check=_check_entry,
    natural_key=lambda values: f"{values['year']}-TW{values['quarter']}-{values['iku']}",
    file_field="file_ref",
)
