"""Where each file sent in a chat is kept: the channel that downloads a file records its
name (``storedfile``), and the back office serves it from that record instead of
deriving a path from Telegram's or WhatsApp's ids.

Files downloaded before this revision are recorded here, by the naming rule the bot used
until now (frozen below as history: it is nobody's rule any more). Only files that are
whole in SIGAP_MEDIA_DIR are recorded; a partial download, or a reference whose file
never arrived, stays unrecorded exactly as it stayed unserved. The channels keep the same
names for new downloads, so a downgrade loses nothing: it drops the record, and the
files are where the old rule looks for them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 09:00:00
"""

import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns that may hold a file sent in a chat (a web upload's "media:" names itself).
REFERRING = (
    ("complaintphoto", "file_ref"),
    ("activityphoto", "file_ref"),
    ("activity", "evidence_ref"),
    ("document", "file_ref"),
    ("sakipevaluation", "file_ref"),
)
# The naming rule until this revision (then core/services/messaging/media_names.py).
_TELEGRAM_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_WHATSAPP_REF = re.compile(r"wa:([A-Za-z0-9_-]{1,128})")
_KEPT_SUFFIXES = (".jpg", ".png", ".pdf", ".jpeg", ".webp", ".bin")
BATCH = 500


def upgrade() -> None:
    op.create_table(
        "storedfile",
        sa.Column("file_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("stored_as", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("stored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("file_ref", name=op.f("pk_storedfile")),
    )
    table = sa.table(
        "storedfile",
        sa.column("file_ref", sa.String()),
        sa.column("stored_as", sa.String()),
        sa.column("stored_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    batch: list[dict[str, object]] = []
    for row in _downloaded(_media_dir()):
        batch.append(row)
        if len(batch) == BATCH:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    op.drop_table("storedfile")


def _media_dir() -> Path:
    """SIGAP_MEDIA_DIR as the settings ``core.db.upgrade`` hands over say (else as
    ``sigap`` would read them)."""
    from core.config import get_settings

    settings = context.config.attributes.get("settings") or get_settings()
    return Path(settings.media_dir)


def _downloaded(media_dir: Path) -> Iterator[dict[str, object]]:
    """One row per referenced file found whole under the old rule's name."""
    connection = op.get_bind()
    tables = set(sa.inspect(connection).get_table_names())
    refs: set[str] = set()
    for table, column in REFERRING:
        if table in tables:
            query = sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
            refs.update(str(ref) for (ref,) in connection.execute(query))
    now = datetime.now(UTC)
    for ref in sorted(refs):
        name = _old_name(media_dir, ref)
        if name is not None:
            yield {"file_ref": ref, "stored_as": name, "stored_at": now}


def _old_name(media_dir: Path, ref: str) -> str | None:
    whatsapp = _WHATSAPP_REF.fullmatch(ref)
    if whatsapp:
        stem = f"wa-{whatsapp.group(1)}"
    elif _TELEGRAM_FILE_ID.fullmatch(ref):
        stem = "tg-" + hashlib.sha256(ref.encode()).hexdigest()[:32]
    else:
        return None  # a web upload ("media:...") or nothing a chat sent
    for suffix in _KEPT_SUFFIXES:
        found = media_dir / f"{stem}{suffix}"
        if found.is_file() and not found.is_symlink():
            return f"{stem}{suffix}"
    return None
