"""Staff invites keep only the hash of their code, get an id to be listed and revoked by,
and remember who made them.

The table is rebuilt: existing codes are hashed on the way, so a pending invite still
works after the upgrade. A downgrade cannot bring codes back from their hashes; the
invites it leaves can no longer be used.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 19:30:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = ("role", "name", "created_at", "expires_at", "used_at", "used_by_staff_id")


def _read_old() -> list[dict[str, object]]:
    rows = op.get_bind().execute(sa.text(f"SELECT code, {', '.join(KEPT)} FROM staffinvite"))
    return [dict(row._mapping) for row in rows]


def _write(columns: list[str], rows: list[dict[str, object]]) -> None:
    """Rows as they were read (raw, untyped: SQLite gives its dates as text, which the
    table's typed columns would refuse in op.bulk_insert), written back unchanged."""
    if rows:
        names, marks = ", ".join(columns), ", ".join(f":{c}" for c in columns)
        op.get_bind().execute(sa.text(f"INSERT INTO staffinvite ({names}) VALUES ({marks})"), rows)


def upgrade() -> None:
    old = _read_old()
    op.drop_table("staffinvite")
    table = op.create_table(
        "staffinvite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("used_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_staffinvite_created_by_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by_staff_id"], ["staff.id"], name=op.f("fk_staffinvite_used_by_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffinvite")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staffinvite_code_hash")),
    )
    assert table is not None
    rows = [
        {"code_hash": hashlib.sha256(str(r["code"]).encode()).hexdigest()} | {k: r[k] for k in KEPT}
        for r in old
    ]
    _write(["code_hash", *KEPT], rows)


def downgrade() -> None:
    rows = op.get_bind().execute(sa.text(f"SELECT code_hash, {', '.join(KEPT)} FROM staffinvite"))
    old = [dict(r._mapping) for r in rows]
    op.drop_table("staffinvite")
    table = op.create_table(
        "staffinvite",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("used_by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["used_by_staff_id"], ["staff.id"], name=op.f("fk_staffinvite_used_by_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_staffinvite")),
    )
    assert table is not None
    spent = [
        {"code": str(r["code_hash"])[:40]}
        | {k: r[k] for k in KEPT}
        | {"used_at": r["used_at"] or r["created_at"]}
        for r in old
    ]
    _write(["code", *KEPT], spent)
