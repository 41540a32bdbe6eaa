"""complaint period index covers the recap

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECAP_COLUMNS = [
    "received_at",
    "state",
    "resolved_at",
    "privacy",
    "category",
    "channel",
    "desa",
    "acknowledged_at",
    "due_date",
]


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_period_recap", RECAP_COLUMNS, unique=False)
        batch_op.drop_index("ix_complaint_received_state")


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_received_state", ["received_at", "state", "resolved_at"], unique=False
        )
        batch_op.drop_index("ix_complaint_period_recap")
