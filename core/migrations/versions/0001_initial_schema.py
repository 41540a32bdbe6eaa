"""initial schema: people, complaints, skm, performance records

Revision ID: 0001
Revises:
Create Date: 2026-11-24 06:00:49.978885
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("desa", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("held_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("target_group", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("participants_male", sa.Integer(), nullable=True),
        sa.Column("participants_female", sa.Integer(), nullable=True),
        sa.Column("partner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("funding_source", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("evidence_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_planned_date"), ["planned_date"], unique=False
        )

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("file_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_doc_date"), ["doc_date"], unique=False)

    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday")),
    )
    op.create_table(
        "ikutarget",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("iku", sa.String(length=30), nullable=False),
        sa.Column("target", core.types.ExactDecimal(), nullable=False),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("year", "iku", name=op.f("pk_ikutarget")),
    )
    op.create_table(
        "programindicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("target", core.types.ExactDecimal(), nullable=False),
        sa.Column("realisation", core.types.ExactDecimal(), nullable=True),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programindicator")),
    )
    with op.batch_alter_table("programindicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programindicator_year"), ["year"], unique=False)

    op.create_table(
        "resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("channel_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident")),
        sa.UniqueConstraint(
            "channel", "channel_user_id", name=op.f("uq_resident_channel_channel_user_id")
        ),
    )
    op.create_table(
        "sakipevaluation",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("score", core.types.ExactDecimal(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_sakipevaluation")),
    )
    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("code", name=op.f("uq_service_code")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("telegram_user_id", sa.Integer(), nullable=True),
        sa.Column("whatsapp_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_telegram_user_id")),
        sa.UniqueConstraint("whatsapp_id", name=op.f("uq_staff_whatsapp_id")),
    )
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("desa", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("privacy", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("assigned_staff_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"], ["staff.id"], name=op.f("fk_complaint_assigned_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_duplicate_of_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["resident.id"], name=op.f("fk_complaint_reporter_id_resident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("code", name=op.f("uq_complaint_code")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_queue", ["state", "due_date"], unique=False)
        batch_op.create_index(
            "ix_complaint_received_state", ["received_at", "state", "resolved_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaint_reporter_id"), ["reporter_id"], unique=False)

    op.create_table(
        "skmdailyprofile",
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("respondents", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_skmdailyprofile_service_id_service")
        ),
        sa.PrimaryKeyConstraint(
            "tanggal", "service_id", "dimension", "value", name=op.f("pk_skmdailyprofile")
        ),
    )
    op.create_table(
        "skmdailytotal",
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u1_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u1_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u2_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u2_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u3_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u3_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u4_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u4_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u5_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u5_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u6_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u6_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u7_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u7_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u8_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u8_n", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u9_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("u9_n", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_skmdailytotal_service_id_service")
        ),
        sa.PrimaryKeyConstraint("tanggal", "service_id", name=op.f("pk_skmdailytotal")),
    )
    op.create_table(
        "skmresponse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("jam", sa.Time(), nullable=True),
        sa.Column("u1", sa.SmallInteger(), nullable=True),
        sa.Column("u2", sa.SmallInteger(), nullable=True),
        sa.Column("u3", sa.SmallInteger(), nullable=True),
        sa.Column("u4", sa.SmallInteger(), nullable=True),
        sa.Column("u5", sa.SmallInteger(), nullable=True),
        sa.Column("u6", sa.SmallInteger(), nullable=True),
        sa.Column("u7", sa.SmallInteger(), nullable=True),
        sa.Column("u8", sa.SmallInteger(), nullable=True),
        sa.Column("u9", sa.SmallInteger(), nullable=True),
        sa.Column("jenis_kelamin", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
        sa.Column("usia", sa.Integer(), nullable=True),
        sa.Column("pendidikan", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("pekerjaan", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("saran", sa.Text(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["resident.id"], name=op.f("fk_skmresponse_resident_id_resident")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_skmresponse_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skmresponse")),
        sa.UniqueConstraint(
            "resident_id",
            "service_id",
            "tanggal",
            name=op.f("uq_skmresponse_resident_id_service_id_tanggal"),
        ),
    )
    with op.batch_alter_table("skmresponse", schema=None) as batch_op:
        batch_op.create_index(
            "ix_skmresponse_tanggal_service", ["tanggal", "service_id"], unique=False
        )

    op.create_table(
        "complaintevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=True),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f("fk_complaintevent_actor_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaintevent_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaintevent")),
    )
    with op.batch_alter_table("complaintevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaintevent_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "complaintphoto",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("file_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("caption", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaintphoto_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaintphoto")),
    )
    with op.batch_alter_table("complaintphoto", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaintphoto_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaintphoto", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaintphoto_complaint_id"))

    op.drop_table("complaintphoto")
    with op.batch_alter_table("complaintevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaintevent_complaint_id"))

    op.drop_table("complaintevent")
    with op.batch_alter_table("skmresponse", schema=None) as batch_op:
        batch_op.drop_index("ix_skmresponse_tanggal_service")

    op.drop_table("skmresponse")
    op.drop_table("skmdailytotal")
    op.drop_table("skmdailyprofile")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_reporter_id"))
        batch_op.drop_index("ix_complaint_received_state")
        batch_op.drop_index("ix_complaint_queue")

    op.drop_table("complaint")
    op.drop_table("staff")
    op.drop_table("service")
    op.drop_table("sakipevaluation")
    op.drop_table("resident")
    with op.batch_alter_table("programindicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programindicator_year"))

    op.drop_table("programindicator")
    op.drop_table("ikutarget")
    op.drop_table("holiday")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_doc_date"))

    op.drop_table("document")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_planned_date"))

    op.drop_table("activity")
