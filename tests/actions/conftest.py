"""The actions run as the action server runs them — a real ``Tracker`` and ``CollectingDispatcher`` —
against the real backend on a loopback port (SQLite in a temporary directory)."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pytest
import yaml

from bot.backend.api.app import ServerThread
from bot.backend.config import load_settings
from bot.backend.security import issue_host_token
from bot.backend.services.context import Backend
from bot.backend.services.demo import create_user
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="session")
def backend_server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("actions-backend")
    settings = load_settings({"PRIVACY_ENV": "dev", "BACKEND_VAR_DIR": str(var_dir),
                              "BACKEND_DATABASE_URL": f"sqlite:///{var_dir / 'backend.db'}"})
    backend = Backend.from_settings(settings)
    backend.codes_per_phone_per_hour = 1000
    server = ServerThread(backend).start()
    settings.public_url = server.url
    yield backend, server
    server.stop()
    backend.close()


@pytest.fixture
def backend(backend_server, monkeypatch):
    """The backend the actions call (``BACKEND_URL``/``BACKEND_SERVICE_TOKEN``, as in production)."""
    from actions import context

    backend, server = backend_server
    monkeypatch.setenv("BACKEND_URL", server.url)
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", backend.settings.service_token)
    context.backend.cache_clear()
    yield backend
    context.backend.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


class AppUser:
    """A user of a launch app with a unique made-up phone, and the host app's token for them."""

    def __init__(self, backend: Backend, app: str = "melochi"):
        from bot.backend.services.context import get_app

        self.app, self.phone = app, "139" + f"{secrets.randbelow(10**8):08d}"
        self.app_user_id = "act" + secrets.token_hex(5)
        with backend.transaction() as session:
            get_app(session, app)
            user = create_user(session, app, 0, phone=self.phone, app_user_id=self.app_user_id,
                               openid=None, now=datetime.now(timezone.utc))
            self.id = user.id
        self.token = issue_host_token(app, self.app_user_id, backend.settings.host_token_secret(app))


@pytest.fixture
def make_user(backend):
    return lambda app="melochi": AppUser(backend, app)
