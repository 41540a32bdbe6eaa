"""Each office sees only its own rows, whatever query a service writes.

A session is scoped to one office (``for_office``) or, for the kabupaten's own work and
the machinery that serves every office (backups, the outbox), to all of them
(``for_all_offices``). Every ORM statement on an office's table then gets the office's
criterion added, and every new row is stamped with it; a row of another office is
refused at flush. A session that says neither works only while the deployment has one
office (a single-office install reads exactly as before offices existed); once there
are several, it is refused (``OfficeNotChosen``), so a path that forgot its office fails
instead of reading every office's rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.sql import Executable
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session, SQLModel, col, select

from core.errors import SigapError
from core.offices import Office, OfficeScoped

_OFFICE = "sigap_office_id"
_ALL = "sigap_all_offices"
_RESOLVING = "sigap_resolving_office"
_ACROSS = "sigap_across_offices"
_ACROSS_WRITES = "sigap_writing_across_offices"


_Statement = TypeVar("_Statement", bound=Executable)


class OfficeNotChosen(SigapError):
    """A session used an office's table without saying which office (a defect)."""


class CrossOfficeWrite(SigapError):
    """A row of one office written through a session of another (a defect)."""


def for_office(session: Session, office_id: int) -> Session:
    """Scope ``session`` to one office for the rest of its life."""
    if session.info.get(_ALL) or session.info.get(_OFFICE) not in (None, office_id):
        raise CrossOfficeWrite("a session's office cannot change")
    session.info[_OFFICE] = office_id
    return session


def for_all_offices(session: Session) -> Session:
    """Let ``session`` see every office: the kabupaten's views and whole-database work."""
    if session.info.get(_OFFICE) is not None:
        raise CrossOfficeWrite("an office's session cannot widen to all offices")
    session.info[_ALL] = True
    return session


ACROSS_OFFICES = {_ACROSS: True}  # as ``session.get(..., execution_options=...)``


def across_offices(statement: _Statement) -> _Statement:
    """One statement that looks across offices in any session: finding who is behind a
    login cookie or a chat account, before anyone knows their office."""
    return statement.execution_options(**{_ACROSS: True})


@contextmanager
def writing_across_offices(session: Session) -> Iterator[Session]:
    """Work that must span offices whatever the session's own (erasing a resident's
    identity from every office's records, by law): each statement inside names its reach
    with ``across_offices``, each new row its office; flushed before the block ends."""
    session.info[_ACROSS_WRITES] = True
    try:
        yield session
        session.flush()
    finally:
        session.info.pop(_ACROSS_WRITES, None)


def office_of(session: Session) -> int:
    """The office ``session`` works for (the only one, in a single-office install)."""
    office = _resolved_office(session)
    if office is None:
        raise OfficeNotChosen("this work needs one office; the session sees all of them")
    return office


def sees_all_offices(session: Session) -> bool:
    return bool(session.info.get(_ALL))


def _resolved_office(session: Session) -> int | None:
    if session.info.get(_ALL):
        return None
    office: int | None = session.info.get(_OFFICE)
    if office is None:
        office = _the_only_office(session)
        session.info[_OFFICE] = office
    return office


# A single-office install asks which office it is at most every few seconds, not in every
# session (a chat update opens two): an office added meanwhile by another process turns
# unnamed sessions into refusals within that time. Until then they keep to the one
# office they knew, so nothing of the new office is ever shown through them.
ONLY_OFFICE_SECONDS = 5.0
_only_office: dict[tuple[int, str], tuple[float, int]] = {}


def _the_only_office(session: Session) -> int:
    bind = session.get_bind()
    key = (id(bind), str(getattr(bind, "url", "")))  # an engine's id alone may be reused
    known = _only_office.get(key)
    if known is not None and known[0] > time.monotonic():
        return known[1]
    session.info[_RESOLVING] = True
    try:
        ids = list(session.exec(select(Office.id).order_by(col(Office.id)).limit(2)))
    finally:
        session.info.pop(_RESOLVING, None)
    if len(ids) != 1:
        _only_office.pop(key, None)
        many = "no office" if not ids else "several offices"
        raise OfficeNotChosen(f"{many} in the database and no office chosen for this session")
    office = int(ids[0] or 0)
    _only_office[key] = (time.monotonic() + ONLY_OFFICE_SECONDS, office)
    return office


def forget_the_only_office() -> None:
    """After adding an office: unnamed sessions of this process are refused at once."""
    _only_office.clear()


@lru_cache(maxsize=4096)
def _criterion(table: str, office: int) -> Any:
    """One office's condition on one table, built once: the option carries the office
    as a bound value, so each office has its own entry in SQLAlchemy's statement cache."""
    cls = _BY_TABLE[table]
    return with_loader_criteria(cls, cls.office_id == office, include_aliases=True)


def _scoped_classes() -> dict[str, type[Any]]:
    return {
        str(getattr(mapper.local_table, "name", "")): mapper.class_
        for mapper in SQLModel._sa_registry.mappers
        if issubclass(mapper.class_, OfficeScoped)
    }


_BY_TABLE: dict[str, type[Any]] = {}


def _tables_in(statement: Any) -> list[str]:
    """The office tables a statement reads or changes anywhere in it (subqueries too)."""
    if not _BY_TABLE:
        _BY_TABLE.update(_scoped_classes())
    names = {
        getattr(table, "name", None)
        for table in find_tables(statement, include_crud=True, include_aliases=True)
    }
    return [name for name in _BY_TABLE if name in names]


@event.listens_for(Session, "do_orm_execute")
def _only_the_office(state: ORMExecuteState) -> Any:
    if state.is_insert:
        return _stamp_bulk_insert(state)
    if not (state.is_select or state.is_update or state.is_delete):
        return None
    if state.session.info.get(_RESOLVING) or state.session.info.get(_ALL):
        return None
    if state.execution_options.get(_ACROSS):
        return None
    classes = _tables_in(state.statement)
    if not classes:
        return None
    office = _resolved_office(state.session)  # type: ignore[arg-type]
    assert office is not None
    state.statement = state.statement.options(*(_criterion(name, office) for name in classes))
    return None


def _stamp_bulk_insert(state: ORMExecuteState) -> Any:
    """``session.execute(insert(Model), rows)``: each row is the session's office's, as
    an object added and flushed would be."""
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, OfficeScoped) or not state.parameters:
        return None
    if state.session.info.get(_ALL):
        return None  # every row names its office, or the column refuses it
    office = _resolved_office(state.session)  # type: ignore[arg-type]
    given: Any = state.parameters
    rows: list[dict[str, Any]] = [given] if isinstance(given, dict) else list(given)
    if any(row.get("office_id", office) != office for row in rows):
        raise CrossOfficeWrite(f"a {mapper.class_.__name__} of another office")
    stamped = [{**row, "office_id": office} for row in rows]
    return state.invoke_statement(params=stamped[0] if isinstance(given, dict) else stamped)


@event.listens_for(Session, "before_flush")
def _stamp_the_office(session: Session, _context: Any, _instances: Any) -> None:
    """New rows belong to the session's office; no row moves between offices."""
    if session.info.get(_ALL) or session.info.get(_ACROSS_WRITES):
        _refuse_ownerless(session)
        return
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, OfficeScoped)]
    if not touched:
        return
    office = _resolved_office(session)
    for row in touched:
        if row.office_id is None and row in session.new:
            row.office_id = office
        elif row.office_id != office:
            raise CrossOfficeWrite(f"a {type(row).__name__} of another office")


def _refuse_ownerless(session: Session) -> None:
    for row in session.new:
        if isinstance(row, OfficeScoped) and row.office_id is None and _needs_office(row):
            raise OfficeNotChosen(f"a new {type(row).__name__} needs its office")


def _needs_office(row: OfficeScoped) -> bool:
    table = getattr(type(row), "__table__", None)
    return table is not None and not table.c.office_id.nullable
