"""Chat accounts as data: one table of (channel, external id) per person, instead of
per-channel columns on staff and resident; the scheduler's job table goes (its schedule
comes from settings, missed runs are made up from the run keys).

Rows move: each resident's chat identity and each staff member's Telegram and WhatsApp
ids become chat accounts; a staff member who also wrote as a resident gets one account
that points at both. The terminal try-out kept its residents as channel "lisan" with ids
"terminal:<name>"; they become accounts of channel "terminal".

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERMINAL_PREFIX = "terminal:"


def _create_chat_account() -> None:
    op.create_table(
        "chataccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["resident.id"], name=op.f("fk_chataccount_resident_id_resident")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_chataccount_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chataccount")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_chataccount_channel_external_id")
        ),
    )
    with op.batch_alter_table("chataccount", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chataccount_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chataccount_staff_id"), ["staff_id"], unique=False)


def _move_accounts_up() -> None:
    bind = op.get_bind()
    accounts: dict[tuple[str, str], dict[str, object]] = {}
    residents = bind.execute(
        sa.text(
            "SELECT id, channel, channel_user_id, created_at FROM resident "
            "WHERE channel_user_id IS NOT NULL"
        )
    )
    for rid, channel, external, created in residents:
        if channel == "lisan" and external.startswith(TERMINAL_PREFIX):
            channel, external = "terminal", external.removeprefix(TERMINAL_PREFIX)
        accounts[(channel, external)] = {"resident_id": rid, "staff_id": None, "at": created}
    staff = bind.execute(sa.text("SELECT id, telegram_user_id, whatsapp_id, created_at FROM staff"))
    for sid, telegram, whatsapp, created in staff:
        for key in (("telegram", telegram), ("whatsapp", whatsapp)):
            if key[1] is None or key[1] == "":
                continue
            account = accounts.setdefault(
                (key[0], str(key[1])), {"resident_id": None, "staff_id": None, "at": created}
            )
            account["staff_id"] = sid
    insert = sa.text(
        "INSERT INTO chataccount (channel, external_id, resident_id, staff_id, created_at) "
        "VALUES (:channel, :external_id, :resident_id, :staff_id, :at)"
    )
    for (channel, external), account in sorted(accounts.items(), key=lambda item: str(item[0])):
        bind.execute(insert, {"channel": channel, "external_id": external, **account})


def upgrade() -> None:
    _create_chat_account()
    _move_accounts_up()
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_constraint("uq_resident_channel_channel_user_id", type_="unique")
        batch_op.drop_column("channel_user_id")
        batch_op.drop_column("channel")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_telegram_user_id", type_="unique")
        batch_op.drop_constraint("uq_staff_whatsapp_id", type_="unique")
        batch_op.drop_column("whatsapp_id")
        batch_op.drop_column("telegram_user_id")
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apscheduler_jobs_next_run_time"))
    op.drop_table("apscheduler_jobs")


def _move_accounts_down() -> None:
    """Back to columns: a resident keeps one account (its first), a staff member one per
    channel; accounts of other channels have no column to go to and are dropped."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT channel, external_id, resident_id, staff_id FROM chataccount ORDER BY id")
    ).all()
    seen: set[int] = set()
    for channel, external, resident_id, staff_id in rows:
        if resident_id is not None and resident_id not in seen:
            seen.add(resident_id)
            if channel == "terminal":
                channel, external = "lisan", TERMINAL_PREFIX + external
            bind.execute(
                sa.text("UPDATE resident SET channel = :c, channel_user_id = :e WHERE id = :i"),
                {"c": channel, "e": external, "i": resident_id},
            )
        if staff_id is not None and channel == "telegram" and external.lstrip("-").isdigit():
            bind.execute(
                sa.text("UPDATE staff SET telegram_user_id = :e WHERE id = :i"),
                {"e": int(external), "i": staff_id},
            )
        elif staff_id is not None and channel == "whatsapp":
            bind.execute(
                sa.text("UPDATE staff SET whatsapp_id = :e WHERE id = :i"),
                {"e": external, "i": staff_id},
            )


def downgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apscheduler_jobs_next_run_time"), ["next_run_time"], unique=False
        )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("whatsapp_id", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=True)
        )
        batch_op.create_unique_constraint("uq_staff_telegram_user_id", ["telegram_user_id"])
        batch_op.create_unique_constraint("uq_staff_whatsapp_id", ["whatsapp_id"])
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=30), nullable=False, server_default="lisan")
        )
        batch_op.add_column(
            sa.Column(
                "channel_user_id", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            "uq_resident_channel_channel_user_id", ["channel", "channel_user_id"]
        )
    _move_accounts_down()
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.alter_column("channel", server_default=None)
    with op.batch_alter_table("chataccount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chataccount_staff_id"))
        batch_op.drop_index(batch_op.f("ix_chataccount_resident_id"))
    op.drop_table("chataccount")
