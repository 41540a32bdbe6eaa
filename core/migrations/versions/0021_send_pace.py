"""Send pacing shared by several `sigap run` processes on one PostgreSQL database: the
next free send slot of each channel and of each chat (``sendpace``). Nothing to carry
over: an empty table means every slot is free now.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sendpace",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sendpace")),
    )


def downgrade() -> None:
    op.drop_table("sendpace")
