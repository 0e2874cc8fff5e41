"""Alembic migrations build exactly the models' schema; the audit trail is append-only in the DB."""
from __future__ import annotations

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from bot.backend.db import make_engine, migrate
from bot.backend.models import Base
from tests.backend.helpers import pg_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base_url = request.getfixturevalue("pg_url").split("?")[0]
    schema = f"backend_migrate_{secrets.token_hex(4)}"
    admin = create_engine(base_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield pg_schema_url(base_url, schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_upgrade_head_on_an_empty_database_yields_the_models_schema(empty_database):
    engine = make_engine(empty_database)
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_audit_events_cannot_be_updated_or_deleted(empty_database):
    engine = make_engine(empty_database)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_events (occurred_at, entity_type, entity_id, action, actor_type, details)"
            " VALUES (CURRENT_TIMESTAMP, 'request', 'PR-0000000000', 'request.filed', 'service', '{}')"))
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_events")).scalars().all() == ["request.filed"]
    engine.dispose()
