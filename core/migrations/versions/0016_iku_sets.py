"""Each office's IKU as data: the kabupaten's dictionary of indicators beyond Sigap's six
built-in ones, each office's chosen set (its numbering and wording), and the values an
office enters per triwulan, with their evidence, for indicators Sigap does not compute.

Nothing existing changes: an office that has chosen no set reads Mumbulsari's six, as
before, and its targets, analyses and Renstra rows keep their "IKU1".."IKU6" keys.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.types import ExactDecimal

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The decree's six, as every office existing before sets reads them (the built-in codes
# of core.domain.performance.BUILT_IN_INDICATORS, frozen here as history).
DEFAULT_SET = (
    ("IKU1", "DOKUMEN-ORTALA"),
    ("IKU2", "IKM"),
    ("IKU3", "FASILITASI-KESRA"),
    ("IKU4", "TRANTIB-SELESAI"),
    ("IKU5", "NILAI-SAKIP"),
    ("IKU6", "INDIKATOR-PROGRAM"),
)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "dictionaryindicator",
        sa.Column("code", text(length=30), nullable=False),
        sa.Column("name", text(length=255), nullable=False),
        sa.Column("unit", text(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.Column("accumulation", sa.String(length=30), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dictionaryindicator")),
    )
    op.create_table(
        "officeiku",
        sa.Column("office_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", text(length=12), nullable=False),
        sa.Column("indicator_code", text(length=30), nullable=False),
        sa.Column("name", text(length=255), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_officeiku_office_id_office")
        ),
        sa.PrimaryKeyConstraint("office_id", "label", name=op.f("pk_officeiku")),
    )
    op.create_table(
        "ikuentry",
        sa.Column("office_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("iku", text(length=12), nullable=False),
        sa.Column("value", ExactDecimal(), nullable=False),
        sa.Column("evidence", text(length=500), nullable=False),
        sa.Column("file_ref", text(length=255), nullable=True),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_ikuentry_office_id_office")
        ),
        sa.PrimaryKeyConstraint("office_id", "year", "quarter", "iku", name=op.f("pk_ikuentry")),
    )
    for position, (label, code) in enumerate(DEFAULT_SET, start=1):
        op.execute(
            sa.text(
                "INSERT INTO officeiku (office_id, label, indicator_code, position) "
                "SELECT id, :label, :code, :position FROM office"
            ).bindparams(label=label, code=code, position=position)
        )


def downgrade() -> None:
    """Refused once an office reads a set other than the decree's six, or entered a
    value: the tables that would go are the only place those choices are kept."""
    bind = op.get_bind()
    custom = bind.execute(
        sa.text("SELECT count(*) FROM officeiku WHERE deleted_at IS NOT NULL OR name IS NOT NULL")
    ).scalar_one()
    chosen = {
        (label, code)
        for label, code in bind.execute(sa.text("SELECT label, indicator_code FROM officeiku"))
    }
    entered = bind.execute(sa.text("SELECT count(*) FROM ikuentry")).scalar_one()
    if custom or entered or not chosen <= set(DEFAULT_SET):
        raise RuntimeError(
            "offices chose their own IKU or entered realisations: a downgrade would lose "
            "them; restore a backup made before the upgrade instead"
        )
    op.drop_table("ikuentry")
    op.drop_table("officeiku")
    op.drop_table("dictionaryindicator")
