"""Fixtures: the real backend on SQLite and PostgreSQL (a fresh schema per session), the apps of
the knowledge base registered in it, and for HTTP tests the workspace with a stand-in Rasa API."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.backend.apps import load_knowledge_terms, upsert_app
from bot.backend.config import load_settings
from bot.backend.logmask import install_record_masking
from bot.backend.services.context import Backend
from tests.agents.harness import FakeRasa, SentMessages, start_workspace
from tests.backend.helpers import Clock, pg_schema_url

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session", autouse=True)
def _mask_logs():
    install_record_masking()


@pytest.fixture(scope="session")
def agents_pg_url():
    base = os.environ.get("BACKEND_TEST_PG_URL", PG_URL)
    schema = f"agents_test_{secrets.token_hex(4)}"
    try:
        admin = create_engine(base, future=True)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means the PG tests cannot run
        pytest.fail(f"PostgreSQL is required and unreachable at {base}: {type(exc).__name__}: {exc}", pytrace=False)
    yield pg_schema_url(base, schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'backend.db'}"
    else:
        url = request.getfixturevalue("agents_pg_url")
    var_dir = tmp_path_factory.mktemp("var")
    settings = load_settings({"BACKEND_VAR_DIR": str(var_dir), "BACKEND_DATABASE_URL": url, "PRIVACY_ENV": "dev"})
    backend = Backend.from_settings(settings)
    backend.clock = Clock()
    backend.codes_per_phone_per_hour = 1000
    with backend.transaction() as session:
        for terms in load_knowledge_terms():
            upsert_app(session, terms, backend.now())
    yield backend
    backend.close()


@pytest.fixture(autouse=True)
def _clock_reset(request):
    yield
    if "backend" in request.fixturenames:
        request.getfixturevalue("backend").clock.offset = timedelta()


@pytest.fixture(scope="session")
def rasa():
    fake = FakeRasa()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def sent_to_wechat():
    return SentMessages()


@pytest.fixture(scope="session")
def workspace(backend, rasa, sent_to_wechat):
    server = start_workspace(backend, rasa.url, wechat_apps=("liqun",), wechat=sent_to_wechat)
    yield server
    server.stop()
