"""Hand-offs between the kabupaten and its kecamatan: a complaint the kabupaten's channel
disposed to a kecamatan is stored once per office under the channel's reference (a
unique index on the office and the reference of the channel ``kanal-kabupaten`` only:
references of other channels, e.g. SP4N-LAPOR!, may repeat in existing data and are not
held to it), and a complaint that is not the kecamatan's to settle records where it went
(``complaintreferral``: the competent OPD, or back to the kabupaten's channel).

No existing row can break the index: no complaint had the channel before this revision.
A downgrade is refused while any such complaint or referral exists (the older code
cannot read the channel, and the referrals would be lost).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KABUPATEN_REFS = "channel = 'kanal-kabupaten' AND external_ref IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "complaintreferral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=30), nullable=False),
        sa.Column("target_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaintreferral_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_complaintreferral_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_complaintreferral_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaintreferral")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_complaintreferral_complaint_id")),
    )
    op.create_index(
        op.f("ix_complaintreferral_office_id"), "complaintreferral", ["office_id"], unique=False
    )
    op.create_index(
        "ix_complaintreferral_office_at", "complaintreferral", ["office_id", "at"], unique=False
    )
    # plain CREATE INDEX (no batch copy of the complaint table, which would lose the
    # WHERE clauses of partial indexes on SQLite)
    op.create_index(
        "uq_complaint_channel_ref",
        "complaint",
        ["office_id", "external_ref"],
        unique=True,
        sqlite_where=sa.text(KABUPATEN_REFS),
        postgresql_where=sa.text(KABUPATEN_REFS),
    )


def downgrade() -> None:
    bind = op.get_bind()
    imported = bind.execute(
        sa.text("SELECT count(*) FROM complaint WHERE channel = 'kanal-kabupaten'")
    ).scalar_one()
    referred = bind.execute(sa.text("SELECT count(*) FROM complaintreferral")).scalar_one()
    if imported or referred:
        raise RuntimeError(
            f"Ada {imported} pengaduan dari kanal kabupaten dan {referred} rujukan; turun ke "
            "0019 akan membuatnya tak terbaca atau hilang. Dibatalkan."
        )
    op.drop_index("uq_complaint_channel_ref", table_name="complaint")
    op.drop_index("ix_complaintreferral_office_at", table_name="complaintreferral")
    op.drop_index(op.f("ix_complaintreferral_office_id"), table_name="complaintreferral")
    op.drop_table("complaintreferral")
