"""An office's own settings where offices differ: service levels per category (days,
overriding the category list's) and its staff group chats per section (Telegram group
ids, as TELEGRAM_STAFF_CHATS names them for the first office). Empty: the defaults.

And each office its own holidays: the register keeps, per office, the national holidays
and cuti bersama (``national``: added for every office at once by the kabupaten) and the
office's own days. The shared register of before becomes every existing office's, its
days national; a downgrade is refused while a second office exists (the registers would
merge).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _holidays_per_office()
    with op.batch_alter_table("office") as batch:
        batch.add_column(
            sa.Column("service_levels", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("staff_chats", sa.String(length=1000), nullable=False, server_default="")
        )


def downgrade() -> None:
    offices = op.get_bind().execute(sa.text("SELECT count(*) FROM office")).scalar_one()
    if offices > 1:
        raise RuntimeError(
            f"{offices} offices: a downgrade would merge their holidays into one register; "
            "restore a backup made before the upgrade instead"
        )
    with op.batch_alter_table("office") as batch:
        batch.drop_column("staff_chats")
        batch.drop_column("service_levels")
    with op.batch_alter_table("holiday", recreate="always") as batch:
        batch.drop_constraint("fk_holiday_office_id_office", type_="foreignkey")
        batch.drop_constraint("pk_holiday", type_="primary")
        batch.drop_column("national")
        batch.drop_column("office_id")
        batch.create_primary_key("pk_holiday", ["day"])


def _holidays_per_office() -> None:
    """As 0014 made a year's SAKIP score per office: the office first in the key."""
    with op.batch_alter_table("holiday") as batch:
        batch.add_column(
            sa.Column(
                "office_id",
                sa.Integer(),
                autoincrement=False,
                nullable=False,
                server_default=sa.text("1"),
            )
        )
        batch.add_column(
            sa.Column("national", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("holiday", recreate="always") as batch:
        batch.alter_column("office_id", existing_type=sa.Integer(), server_default=None)
        batch.alter_column("national", existing_type=sa.Boolean(), server_default=sa.false())
        batch.drop_constraint("pk_holiday", type_="primary")
        batch.create_primary_key("pk_holiday", ["office_id", "day"])
        batch.create_foreign_key("fk_holiday_office_id_office", "office", ["office_id"], ["id"])
    op.execute(  # the register all offices shared until now: each office's from now on
        "INSERT INTO holiday (office_id, day, name, deleted_at, national) "
        "SELECT office.id, holiday.day, holiday.name, holiday.deleted_at, holiday.national "
        "FROM holiday CROSS JOIN office WHERE holiday.office_id = 1 AND office.id <> 1"
    )
