"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import core.models  # noqa: F401


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrations_upgrade_is_idempotent(engine: Engine) -> None:
    from core.db import upgrade

    upgrade(engine)  # already at head: nothing to do, nothing breaks
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0002"
