"""The web back office: one-time login links, server-side sessions, an audit trail for
the registers, soft delete on every register row, and the SAKIP LHE file.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:09:44.825608
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loginlink",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_loginlink_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_loginlink")),
    )
    with op.batch_alter_table("loginlink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginlink_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "registeraudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_name", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("record_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_registeraudit_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registeraudit")),
    )
    with op.batch_alter_table("registeraudit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registeraudit_record", ["register_name", "record_key"], unique=False
        )

    op.create_table(
        "websession",
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_websession_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_websession")),
    )
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websession_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("ikutarget", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("programindicator", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("sakipevaluation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("sakipevaluation", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("file_ref")

    with op.batch_alter_table("programindicator", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("ikutarget", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_websession_staff_id"))

    op.drop_table("websession")
    with op.batch_alter_table("registeraudit", schema=None) as batch_op:
        batch_op.drop_index("ix_registeraudit_record")

    op.drop_table("registeraudit")
    with op.batch_alter_table("loginlink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loginlink_staff_id"))

    op.drop_table("loginlink")
