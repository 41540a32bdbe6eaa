"""The kabupaten's submission windows (open, deadline, closed) and its verifiers in
turn: each decision records which verifier of the chain took it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["office_id", "year", "quarter", "version"]


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "submissionwindow",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("closed_at", moment(), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["staff.id"], name=op.f("fk_submissionwindow_changed_by_staff")
        ),
        sa.PrimaryKeyConstraint("year", "quarter", name=op.f("pk_submissionwindow")),
    )
    # plain ADD/DROP COLUMN (SQLite has both): a batch copy would lose the partial
    # indexes' WHERE clauses
    op.add_column(
        "submissionstep", sa.Column("stage", sa.Integer(), nullable=False, server_default="1")
    )
    op.drop_index("uq_submissionstep_decision", table_name="submissionstep")
    op.create_index(
        "uq_submissionstep_decision",
        "submissionstep",
        [*KEY, "iku", "stage"],
        unique=True,
        sqlite_where=sa.text("iku IS NOT NULL"),
        postgresql_where=sa.text("iku IS NOT NULL"),
    )


def downgrade() -> None:
    later = op.get_bind().execute(sa.text("SELECT count(*) FROM submissionstep WHERE stage > 1"))
    if later.scalar_one():
        raise RuntimeError(
            "Ada keputusan verifikator kedua; turun ke 0018 akan menghapusnya. Dibatalkan."
        )
    op.drop_index("uq_submissionstep_decision", table_name="submissionstep")
    op.create_index(
        "uq_submissionstep_decision",
        "submissionstep",
        [*KEY, "iku"],
        unique=True,
        sqlite_where=sa.text("iku IS NOT NULL"),
        postgresql_where=sa.text("iku IS NOT NULL"),
    )
    op.drop_column("submissionstep", "stage")
    op.drop_table("submissionwindow")
