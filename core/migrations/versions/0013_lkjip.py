"""The LKjIP's Bab III: the analysis of each IKU per year or triwulan (faktor pendorong,
faktor penghambat, upaya / rencana tindak lanjut) and the Renstra end-of-period targets.

Two new tables; nothing existing changes, so a downgrade drops them (and the analyses
written in them; their audit trail stays in ``registeraudit``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.types import ExactDecimal

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANALYSIS_MAX_CHARS = 2000  # as core/lkjip_models.py, written out: a migration never moves


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "ikuanalysis",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("iku", sa.String(length=30), nullable=False),
        sa.Column("pendorong", text(length=ANALYSIS_MAX_CHARS), nullable=True),
        sa.Column("penghambat", text(length=ANALYSIS_MAX_CHARS), nullable=True),
        sa.Column("upaya", text(length=ANALYSIS_MAX_CHARS), nullable=True),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.PrimaryKeyConstraint("year", "quarter", "iku", name=op.f("pk_ikuanalysis")),
    )
    op.create_table(
        "renstratarget",
        sa.Column("end_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("iku", sa.String(length=30), nullable=False),
        sa.Column("target", ExactDecimal(), nullable=False),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.PrimaryKeyConstraint("end_year", "iku", name=op.f("pk_renstratarget")),
    )


def downgrade() -> None:
    op.drop_table("renstratarget")
    op.drop_table("ikuanalysis")
