"""Optional cumulative triwulan targets beside each IKU's annual target, the SKM's
rencana tindak lanjut register, and the photos staff send from held activities.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.types import ExactDecimal

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUARTERS = ("target_q1", "target_q2", "target_q3", "target_q4")


def upgrade() -> None:
    with op.batch_alter_table("ikutarget", schema=None) as batch_op:
        for name in QUARTERS:
            batch_op.add_column(sa.Column(name, ExactDecimal(), nullable=True))
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "skmfollowup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True),
        sa.Column("service_code", text(length=32), nullable=True),
        sa.Column("unsur", text(length=2), nullable=True),
        sa.Column("action", text(length=500), nullable=False),
        sa.Column("responsible", text(length=120), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skmfollowup")),
    )
    with op.batch_alter_table("skmfollowup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skmfollowup_year"), ["year"], unique=False)
    op.create_table(
        "activityphoto",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("file_ref", text(length=255), nullable=False),
        sa.Column("caption", text(length=1000), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_activityphoto_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_activityphoto_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activityphoto")),
    )
    with op.batch_alter_table("activityphoto", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activityphoto_activity_id"), ["activity_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("activityphoto")
    op.drop_table("skmfollowup")
    with op.batch_alter_table("ikutarget", schema=None) as batch_op:
        for name in reversed(QUARTERS):
            batch_op.drop_column(name)
