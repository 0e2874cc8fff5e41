"""Fixtures: the real backend on SQLite and on PostgreSQL, served on a free loopback port.

Each test session gets a fresh SQLite file and a fresh PostgreSQL schema (dropped at the end), so
parallel runs do not interfere. PostgreSQL must be reachable (``BACKEND_TEST_PG_URL``, default
``postgresql+psycopg2://postgres@127.0.0.1:5432/test``): if it is not, its tests fail, loudly.
Tests create their own apps (unique ids) and users, so they share a database without coupling.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.backend.api.app import ServerThread
from bot.backend.client import BackendClient
from bot.backend.config import load_settings
from bot.backend.logmask import install_record_masking
from bot.backend.services.context import Backend
from tests.backend.helpers import Admin, Clock, WebhookReceiver, pg_schema_url

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def _mask_logs():
    install_record_masking()


@pytest.fixture(scope="session")
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="session")
def pg_url():
    import os

    base = os.environ.get("BACKEND_TEST_PG_URL", PG_URL)
    schema = f"backend_test_{secrets.token_hex(4)}"
    try:
        admin = create_engine(base, future=True)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means the PG tests cannot run
        pytest.fail(f"PostgreSQL is required for the backend tests and is unreachable at {base}: "
                    f"{type(exc).__name__}: {exc}", pytrace=False)
    yield pg_schema_url(base, schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def database_url(name: str, request, tmp_path_factory) -> str:
    if name == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'backend.db'}"
    return request.getfixturevalue("pg_url")


def make_settings(tmp_path_factory, database: str, webhook_url: str | None):
    var_dir = tmp_path_factory.mktemp("var")
    environ = {"BACKEND_VAR_DIR": str(var_dir), "BACKEND_DATABASE_URL": database,
               "PRIVACY_ENV": "dev", "BACKEND_EXPORT_LINK_TTL": "600"}
    if webhook_url:
        environ["BACKEND_WEBHOOK_URLS"] = webhook_url
    return load_settings(environ)


@pytest.fixture(scope="session", params=DATABASES)
def live(request, tmp_path_factory, webhook_receiver):
    """(backend, server) on one database, shared by the tests of the session."""
    url = database_url(request.param, request, tmp_path_factory)
    settings = make_settings(tmp_path_factory, url, webhook_receiver.url)
    backend = Backend.from_settings(settings)
    backend.clock = Clock()
    backend.codes_per_phone_per_hour = 1000
    server = ServerThread(backend).start()
    settings.public_url = server.url
    yield backend, server
    server.stop()
    backend.close()


@pytest.fixture
def backend(live):
    backend = live[0]
    backend.clock.offset = timedelta()
    webhooks_before = list(backend.settings.webhook_urls)
    yield backend
    backend.clock.offset = timedelta()
    backend.settings.webhook_urls = webhooks_before


@pytest.fixture
def server(live):
    return live[1]


@pytest.fixture
def client(backend, server) -> BackendClient:
    return BackendClient(server.url, backend.settings.service_token, retries=1, backoff=0.05)


@pytest.fixture
def admin(backend, server) -> Admin:
    return Admin(server, backend.settings.admin_token)


