"""Migration 0003 upgrades to exactly the models' schema and downgrades cleanly to 0002."""
from __future__ import annotations

import secrets

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.backend.db import alembic_config, make_engine, migrate
from bot.backend.models import Base
from tests.backend.helpers import pg_schema_url

WORKSPACE_TABLES = {"agents", "agent_apps", "agent_sessions", "agent_login_attempts", "handoff_events",
                    "assist_feedback"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    base = request.getfixturevalue("agents_pg_url").split("?")[0]
    schema = f"agents_migrate_{secrets.token_hex(4)}"
    admin = create_engine(base, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield pg_schema_url(base, schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def _run(engine, action: str, revision: str) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
        connection.commit()


def test_downgrading_0003_removes_the_workspace_and_upgrading_again_restores_it(database):
    engine = make_engine(database)
    migrate(engine)
    assert _differences(engine) == []
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO apps (id, name, deadline_days, deadline_working_days, "
                                "deadline_is_default, updated_at) VALUES ('m', 'M', 15, true, false, CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO handoff_tickets (id, app_id, conversation_id, reason, summary, status, "
                                "created_at, channel) VALUES ('HT-1', 'm', 'wechat:m:o1', 'user_request', 's', "
                                "'claimed', CURRENT_TIMESTAMP, 'wechat')"))
    _run(engine, "downgrade", "0002")
    tables = set(inspect(engine).get_table_names())
    assert not WORKSPACE_TABLES & tables
    assert "channel" not in {c["name"] for c in inspect(engine).get_columns("handoff_tickets")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM handoff_tickets")).scalar_one() == "open"
    _run(engine, "upgrade", "head")
    assert _differences(engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT channel FROM handoff_tickets")).scalar_one() == "wechat"
    engine.dispose()
