"""WhatsApp channel: chat windows, delivery status, room for long ids (wamid, BSUID)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 11:46:17.052880
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chatwindow",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("last_inbound_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_chatwindow")),
    )
    with op.batch_alter_table("dialogstate", schema=None) as batch_op:
        batch_op.alter_column(
            "user_key",
            existing_type=sa.VARCHAR(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=140),
            existing_nullable=False,
        )

    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
        batch_op.alter_column(
            "recipient",
            existing_type=sa.VARCHAR(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=140),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "external_id",
            existing_type=sa.VARCHAR(length=100),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=True,
        )
        batch_op.create_index("ix_outbox_external_id", ["external_id"], unique=False)

    with op.batch_alter_table("processedupdate", schema=None) as batch_op:
        batch_op.alter_column(
            "update_key",
            existing_type=sa.VARCHAR(length=80),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=False,
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.alter_column(
            "channel_user_id",
            existing_type=sa.VARCHAR(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=140),
            existing_nullable=True,
        )

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "whatsapp_id",
            existing_type=sa.VARCHAR(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=140),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "whatsapp_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=140),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.alter_column(
            "channel_user_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=140),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )

    with op.batch_alter_table("processedupdate", schema=None) as batch_op:
        batch_op.alter_column(
            "update_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sa.VARCHAR(length=80),
            existing_nullable=False,
        )

    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_external_id")
        batch_op.alter_column(
            "external_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sa.VARCHAR(length=100),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "recipient",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=140),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )
        batch_op.drop_column("topic")
        batch_op.drop_column("delivery_status")

    with op.batch_alter_table("dialogstate", schema=None) as batch_op:
        batch_op.alter_column(
            "user_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=140),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )

    op.drop_table("chatwindow")
