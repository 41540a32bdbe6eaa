"""Files sent in a chat, where they are kept once their channel has downloaded them.

The channel names the file (its platform's ids are its own business) and records that
name against the reference the rows keep; the back office and the senders find the file
by that record only, so nothing outside a channel derives a path from a platform's id.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.chat_models import StoredFile
from core.timeutil import utcnow

PARTIAL = ".part"  # a download under way: never recorded, never served, never sent
# A recorded name: at most one folder, then a generated name with its kind's suffix.
# Never a path out of SIGAP_MEDIA_DIR, never a hidden file.
STORED_NAME = re.compile(r"(?:[a-z0-9]{1,16}/)?[A-Za-z0-9_-][A-Za-z0-9_-]{0,150}(\.[a-z0-9]{1,5})")


def valid_name(stored_as: str) -> bool:
    return STORED_NAME.fullmatch(stored_as) is not None and not stored_as.endswith(PARTIAL)


def record(session: Session, file_ref: str, stored_as: str) -> None:
    """``file_ref``'s file is now whole at ``stored_as`` (a later download replaces it)."""
    if not valid_name(stored_as):
        raise ValueError(f"not a stored file's name: {stored_as[:60]!r}")
    dialect = session.get_bind().dialect.name
    row = {"file_ref": file_ref, "stored_as": stored_as, "stored_at": utcnow()}
    session.execute(_upsert(dialect, _table()), row)


@lru_cache(maxsize=4)
def _upsert(dialect: str, table: Table) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=["file_ref"],
        set_={"stored_as": statement.excluded.stored_as, "stored_at": statement.excluded.stored_at},
    )


def _table() -> Table:
    table = StoredFile.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def stored_name(session: Session, file_ref: str) -> str | None:
    row = session.get(StoredFile, file_ref)
    return row.stored_as if row is not None else None


def stored_file(media_dir: Path, stored_as: str | None) -> Path | None:
    """The whole file a record names, or None (no record, a name Sigap never gives, or
    the file is gone)."""
    if stored_as is None or not valid_name(stored_as):
        return None
    path = media_dir / stored_as
    return path if path.is_file() and not path.is_symlink() else None  # a link leads out


def file_of(session: Session, media_dir: Path, file_ref: str) -> Path | None:
    """The downloaded file behind a chat reference; None until its download is whole."""
    return stored_file(media_dir, stored_name(session, file_ref))
