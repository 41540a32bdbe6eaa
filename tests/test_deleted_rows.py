"""A deleted row leaves every figure, in every register (issue 23): the IKU of the year
and two triwulan, the IKU, SKM and complaints reports, the weekly digest, the daily
reminder's next working day, the dashboard and every IKU page. For each register a row
is added (and must move something, or the test proves nothing), then deleted: every
figure is back to what it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.services.access.authz import OPERATOR
from core.services.complaints.stats import deadlines
from core.services.performance import records
from core.services.performance import register_kinds as kinds
from core.services.performance import registers as reg
from core.services.performance.iku import iku_for_period
from reports import builders
from reports.model import as_json
from reports.render import render_text
from tests.office_year import YEAR, fill_office_year
from tests.test_one_figure import expected
from tests.web_harness import log_in, login_link
from web.office import build_web

DIGEST_TODAY = date(2025, 11, 17)  # the Monday after 10..16 November
ROWS = {
    "kegiatan": {"nama": "Posyandu lansia", "jenis": "posyandu", "tanggal_rencana": "2025-11-03"},
    "dokumen": {"jenis": "laporan-fkp", "judul": "Laporan FKP", "tanggal": "2025-06-01"},
    "sakip": {"tahun": "2025", "nilai": "81.25"},
    "indikator": {"tahun": "2025", "nama": "Posyandu aktif", "target": "10", "realisasi": "4"},
    "target": {"tahun": "2025", "iku": "IKU2", "target": "70", "target_tw2": "60"},
    "libur": {"tanggal": "2025-11-18", "keterangan": "Cuti bersama uji"},
    "rtl": {"tahun": "2025", "unsur": "U3", "rencana": "Loket KTP buka pukul 07.00"},
}


def _without(register: str) -> Callable[[Session, Settings], None]:
    """The office year without the row the register's test adds (no SAKIP score, no
    IKU2 target): the added row must change something to be worth deleting."""

    def fill(session: Session, settings: Settings) -> None:
        fill_office_year(session, settings, triwulan_targets=False)
        if register == "sakip":
            reg.delete_record(session, kinds.SAKIP, str(YEAR), OPERATOR, "belum dievaluasi")
        if register == "target":
            reg.delete_record(session, kinds.TARGETS, f"{YEAR}-IKU2", OPERATOR, "belum ada")

    return fill


def every_figure(session: Session, settings: Settings, client: TestClient) -> dict[str, Any]:
    """Everything a person reads that a register row can move."""
    figures: dict[str, Any] = {}
    for period in (Period.year(YEAR), Period.quarter(YEAR, 2), Period.quarter(YEAR, 4)):
        figures[f"iku {period}"] = [
            expected(v) for v in iku_for_period(session, settings, period).indicators
        ]
    for kind in ("iku", "skm", "complaints"):
        report = builders.build_report(kind, session, settings, Period.year(YEAR), DIGEST_TODAY)
        data = as_json(report)
        data.pop("generated_at")
        figures[f"report {kind}"] = data
    weekly = builders.build_weekly(session, settings, DIGEST_TODAY)
    figures["digest"] = render_text(weekly)
    figures["next working day"] = deadlines(session, settings, DIGEST_TODAY).next_working_day
    session.commit()  # the pages read what the session wrote
    page = client.get(f"/?tahun={YEAR}").text
    figures["dashboard"] = page.split('<section class="headline', 1)[1].split("<h2>Unduh", 1)[0]
    for code in IkuCode:
        detail = client.get(f"/iku/{code.value}?tahun={YEAR}").text
        figures[f"page {code.value}"] = detail.split("<h1>", 1)[1].split("</main>", 1)[0]
    return figures


@pytest.mark.parametrize("register", list(ROWS))
def test_a_deleted_row_leaves_every_figure(
    register: str, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"media_dir": tmp_path / "media"})
    chosen = kinds.REGISTERS[register]
    with Session(engine, expire_on_commit=False) as session:
        _without(register)(session, settings)
        admin = records.add_staff(session, "Sekar", StaffRole.ADMIN)
        session.commit()
        with TestClient(
            build_web(build_office(settings, engine)), follow_redirects=False
        ) as client:
            log_in(client, login_link(engine, admin))
            before = every_figure(session, settings, client)
            row = reg.create_record(
                session, chosen, reg.parse_values(chosen, ROWS[register]), admin
            )
            session.commit()
            added = every_figure(session, settings, client)
            moved = [name for name in before if before[name] != added[name]]
            assert moved, f"a {register} row moves no figure: the test proves nothing"
            reg.delete_record(session, chosen, chosen.key_of(row), admin, "salah catat")
            session.commit()
            after = every_figure(session, settings, client)
    left = [name for name in before if before[name] != after[name]]
    assert left == [], f"deleting the {register} row left {left} (it had moved {moved})"
