"""The kabupaten's quarterly verification: an office's submitted IKU realisation of a
triwulan (a frozen snapshot with its evidence) and every step of its history.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "ikusubmission",
        sa.Column("office_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("submitted_at", moment(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_ikusubmission_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["staff.id"], name=op.f("fk_ikusubmission_submitted_by_staff")
        ),
        sa.PrimaryKeyConstraint("office_id", "year", "quarter", name=op.f("pk_ikusubmission")),
    )
    op.create_table(
        "submissionstep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("iku", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_submissionstep_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_submissionstep_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissionstep")),
    )
    op.create_index(
        op.f("ix_submissionstep_office_id"), "submissionstep", ["office_id"], unique=False
    )
    op.create_index(op.f("ix_submissionstep_year"), "submissionstep", ["year"], unique=False)
    key = ["office_id", "year", "quarter", "version"]
    op.create_index(
        "uq_submissionstep_decision",
        "submissionstep",
        [*key, "iku"],
        unique=True,
        sqlite_where=sa.text("iku IS NOT NULL"),
        postgresql_where=sa.text("iku IS NOT NULL"),
    )
    op.create_index(
        "uq_submissionstep_submission",
        "submissionstep",
        key,
        unique=True,
        sqlite_where=sa.text("iku IS NULL"),
        postgresql_where=sa.text("iku IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_submissionstep_submission", table_name="submissionstep")
    op.drop_index("uq_submissionstep_decision", table_name="submissionstep")
    op.drop_index(op.f("ix_submissionstep_year"), table_name="submissionstep")
    op.drop_index(op.f("ix_submissionstep_office_id"), table_name="submissionstep")
    op.drop_table("submissionstep")
    op.drop_table("ikusubmission")
