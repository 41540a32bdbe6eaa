"""Offices as data: the kantor kecamatan and its desa/kelurahan, and every row an office
owns attached to it.

A resident belongs to no office; the office of their last report is kept, to be offered
first next time. An existing database becomes office #1, filled from the settings that described the one
office until now (name, code, ticket prefix, letterhead, Camat, desa); every existing
row is attached to it. Keys that were per office all along (a year's SAKIP score and IKU
targets, a year's analyses, the Renstra targets, a file imported) gain the office as
their first part. A downgrade is refused while a second office exists (its rows would
merge into the first one's); otherwise it takes the offices away again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration never moves with the models.
OWNED = (
    "staff",
    "staffinvite",
    "service",
    "skmresponse",
    "skmdailytotal",
    "skmdailyprofile",
    "skmfollowup",
    "complaint",
    "complaintphoto",
    "complaintevent",
    "activity",
    "activityphoto",
    "document",
    "programindicator",
    "registeraudit",
)
OPTIONAL = {"staff", "staffinvite"}  # kabupaten-level staff belong to no office
KEYED = {  # table: its key before offices
    "sakipevaluation": ["year"],
    "ikutarget": ["year", "iku"],
    "ikuanalysis": ["year", "quarter", "iku"],
    "renstratarget": ["end_year", "iku"],
    "importedfile": ["sha256"],
}
# New: one office's rows of a period, read from its own part of the index (bench/offices.py:
# without them one of 31 offices read its IKM 4x slower than a single office its year).
NEW_INDEXES = {
    "skmdailytotal": ("ix_skmdailytotal_office_tanggal", ["office_id", "tanggal"]),
    "skmdailyprofile": ("ix_skmdailyprofile_office_tanggal", ["office_id", "tanggal"]),
    "activity": ("ix_activity_office_planned", ["office_id", "planned_date"]),
    "document": ("ix_document_office_date", ["office_id", "doc_date"]),
}
INDEXES = {  # rebuilt with the office first: each office's figures read from its own part
    "complaint": {
        "ix_complaint_period_recap": [
            "received_at",
            "state",
            "resolved_at",
            "privacy",
            "category",
            "channel",
            "desa",
            "acknowledged_at",
            "due_date",
        ],
        "ix_complaint_queue": ["state", "due_date"],
    },
    "skmresponse": {"ix_skmresponse_tanggal_service": ["tanggal", "service_id"]},
}
SARAN_ONLY = "saran IS NOT NULL AND saran <> ''"


def upgrade() -> None:
    _create_office_tables()
    first = _first_office()
    op.bulk_insert(_office_table(), [first["office"]])
    if op.get_bind().dialect.name == "postgresql":  # the id was given, not drawn
        op.execute("SELECT setval(pg_get_serial_sequence('office', 'id'), 1)")
    if first["areas"]:
        op.bulk_insert(_area_table(), first["areas"])
    for table in OWNED:
        _attach(table, nullable=table in OPTIONAL)
    with op.batch_alter_table("resident") as batch:  # a resident belongs to no office
        batch.add_column(sa.Column("last_office_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_resident_last_office_id_office", "office", ["last_office_id"], ["id"]
        )
    for table, key in KEYED.items():
        _attach_key(table, key)
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table) as batch:
            for name, columns in indexes.items():
                batch.drop_index(name)
                batch.create_index(name, ["office_id", *columns], unique=False)
    for table, (name, columns) in NEW_INDEXES.items():
        with op.batch_alter_table(table) as batch:
            batch.create_index(name, columns, unique=False)
    with op.batch_alter_table("skmresponse") as batch:
        batch.drop_index("ix_skmresponse_saran", sqlite_where=sa.text(SARAN_ONLY))
        batch.create_index(
            "ix_skmresponse_saran",
            ["office_id", "tanggal", "id"],
            unique=False,
            sqlite_where=sa.text(SARAN_ONLY),
            postgresql_where=sa.text(SARAN_ONLY),
        )


def downgrade() -> None:
    offices = op.get_bind().execute(sa.text("SELECT count(*) FROM office")).scalar_one()
    if offices > 1:
        raise RuntimeError(
            f"{offices} offices: a downgrade would merge their rows into one; "
            "restore a backup made before the upgrade instead"
        )
    for table, (name, _) in NEW_INDEXES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_index(name)
    with op.batch_alter_table("skmresponse") as batch:
        batch.drop_index("ix_skmresponse_saran", sqlite_where=sa.text(SARAN_ONLY))
        batch.create_index(
            "ix_skmresponse_saran",
            ["tanggal", "id"],
            unique=False,
            sqlite_where=sa.text(SARAN_ONLY),
            postgresql_where=sa.text(SARAN_ONLY),
        )
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table) as batch:
            for name, columns in indexes.items():
                batch.drop_index(name)
                batch.create_index(name, columns, unique=False)
    for table, key in KEYED.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(f"fk_{table}_office_id_office", type_="foreignkey")
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.drop_column("office_id")
            batch.create_primary_key(f"pk_{table}", key)
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_office_id_office", type_="foreignkey")
            batch.drop_index(f"ix_{table}_office_id")
            batch.drop_column("office_id")
    with op.batch_alter_table("resident") as batch:
        batch.drop_constraint("fk_resident_last_office_id_office", type_="foreignkey")
        batch.drop_column("last_office_id")
    op.drop_table("officearea")
    op.drop_table("office")


def _attach(table: str, nullable: bool) -> None:
    """The column, every existing row in office #1, then no default: a new row names its
    office (the session's scope fills it in)."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column("office_id", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            "office_id", existing_type=sa.Integer(), server_default=None, nullable=nullable
        )
        batch.create_index(f"ix_{table}_office_id", ["office_id"], unique=False)
        batch.create_foreign_key(f"fk_{table}_office_id_office", "office", ["office_id"], ["id"])


def _attach_key(table: str, key: list[str]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column(
                "office_id",
                sa.Integer(),
                autoincrement=False,
                nullable=False,
                server_default=sa.text("1"),
            )
        )
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.alter_column("office_id", existing_type=sa.Integer(), server_default=None)
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.create_primary_key(f"pk_{table}", ["office_id", *key])
        batch.create_foreign_key(f"fk_{table}_office_id_office", "office", ["office_id"], ["id"])


def _create_office_tables() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", text(length=20), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("ticket_prefix", text(length=5), nullable=False),
        sa.Column("address", text(length=200), nullable=False),
        sa.Column("logo_path", text(length=255), nullable=True),
        sa.Column("camat_name", text(length=120), nullable=False),
        sa.Column("camat_nip", text(length=24), nullable=False),
        sa.Column("camat_pangkat", text(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
        sa.UniqueConstraint("code", name=op.f("uq_office_code")),
        sa.UniqueConstraint("ticket_prefix", name=op.f("uq_office_ticket_prefix")),
    )
    op.create_table(
        "officearea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("code", text(length=20), nullable=True),
        sa.Column("name", text(length=80), nullable=False),
        sa.Column("kind", text(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_officearea_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officearea")),
        sa.UniqueConstraint("code", name=op.f("uq_officearea_code")),
    )
    with op.batch_alter_table("officearea") as batch:
        batch.create_index(batch.f("ix_officearea_office_id"), ["office_id"], unique=False)


def _office_table() -> sa.Table:
    return sa.table(
        "office",
        *(
            sa.column(name)
            for name in (
                "id",
                "code",
                "name",
                "ticket_prefix",
                "address",
                "logo_path",
                "camat_name",
                "camat_nip",
                "camat_pangkat",
                "active",
                "created_at",
            )
        ),
    )


def _area_table() -> sa.Table:
    return sa.table("officearea", *(sa.column(n) for n in ("office_id", "name", "kind", "active")))


def _first_office() -> dict[str, object]:
    """Office #1 as the settings describe it (``core.db.upgrade`` hands them over; a
    migration run without them reads them as ``sigap`` would)."""
    from core.config import get_settings
    from core.timeutil import utcnow

    settings = context.config.attributes.get("settings") or get_settings()
    office = {
        "id": 1,
        "code": settings.office_code,
        "name": settings.office_name,
        "ticket_prefix": settings.ticket_prefix,
        "address": settings.office_address,
        "logo_path": str(settings.office_logo) if settings.office_logo else None,
        "camat_name": settings.camat_name,
        "camat_nip": settings.camat_nip,
        "camat_pangkat": settings.camat_pangkat,
        "active": True,
        "created_at": utcnow(),
    }
    areas = [
        {"office_id": 1, "name": name, "kind": "desa", "active": True}
        for name in settings.desa_list
    ]
    return {"office": office, "areas": areas}
