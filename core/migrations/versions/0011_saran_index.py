"""A partial index on the SKM answers that carry a suggestion: the report lists the
newest ones without walking every answer of the year.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SARAN_GIVEN = sa.text("saran IS NOT NULL AND saran <> ''")


def upgrade() -> None:
    op.create_index(
        "ix_skmresponse_saran",
        "skmresponse",
        ["tanggal", "id"],
        unique=False,
        sqlite_where=SARAN_GIVEN,
        postgresql_where=SARAN_GIVEN,
    )


def downgrade() -> None:
    op.drop_index("ix_skmresponse_saran", table_name="skmresponse")
