"""The workspace's settings, from the environment.

- ``AGENT_HOST`` / ``AGENT_PORT``: where it listens (``127.0.0.1`` / ``8090``);
- ``AGENT_ASSIST_TOKEN``: the bearer token of the assist API; required in production, generated
  once into ``var/agent_assist_token`` in dev (``make run`` passes its own);
- ``RASA_URL`` (default ``http://127.0.0.1:$RASA_PORT``) and ``RASA_AUTH_TOKEN``: Rasa's HTTP API;
- ``AGENT_SESSION_HOURS``: how long a login lasts at most (12; idle sessions end after 2 h);
- ``AGENT_COOKIE_SECURE``: ``true`` behind HTTPS (the session cookie is then ``Secure``);
- ``AGENT_WECHAT_APPS``: comma-separated apps whose WeChat handoffs come to the workspace
  instead of WeChat's own customer-service tools (default none);
- the backend's own settings (``BACKEND_DATABASE_URL``, ``BACKEND_VAR_DIR``…), since the
  workspace runs the backend's services on its database.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from bot.channels.wechat import config as wechat_config

DEFAULT_PORT = 8090
_MIN_TOKEN_CHARS = 24


class AgentConfigError(RuntimeError):
    """The environment does not describe a runnable workspace."""


@dataclass(frozen=True)
class AgentSettings:
    host: str
    port: int
    assist_token: str
    rasa_url: str
    rasa_token: str
    session_lifetime: timedelta
    cookie_secure: bool
    wechat_apps: frozenset
    is_production: bool


def load_agent_settings(environ: Mapping[str, str] | None = None) -> AgentSettings:
    environ = os.environ if environ is None else environ
    production = environ.get("PRIVACY_ENV", "production") != "dev"
    rasa_token = environ.get("RASA_AUTH_TOKEN", "")
    if not rasa_token:
        raise AgentConfigError("RASA_AUTH_TOKEN is not set (the workspace reads conversations through "
                               "Rasa's HTTP API)")
    try:
        hours = float(environ.get("AGENT_SESSION_HOURS", "12"))
        port = int(environ.get("AGENT_PORT", str(DEFAULT_PORT)))
    except ValueError as error:
        raise AgentConfigError(f"AGENT_PORT and AGENT_SESSION_HOURS must be numbers: {error}") from None
    return AgentSettings(
        host=environ.get("AGENT_HOST", "127.0.0.1"),
        port=port,
        assist_token=_assist_token(environ, production),
        rasa_url=(environ.get("RASA_URL") or f"http://127.0.0.1:{environ.get('RASA_PORT', '5005')}").rstrip("/"),
        rasa_token=rasa_token,
        session_lifetime=timedelta(hours=hours),
        cookie_secure=environ.get("AGENT_COOKIE_SECURE", "true" if production else "false").lower() == "true",
        wechat_apps=wechat_config.workspace_apps(environ),
        is_production=production,
    )


def _assist_token(environ: Mapping[str, str], production: bool) -> str:
    token = environ.get("AGENT_ASSIST_TOKEN", "")
    if token:
        if len(token) < _MIN_TOKEN_CHARS:
            raise AgentConfigError(f"AGENT_ASSIST_TOKEN must be at least {_MIN_TOKEN_CHARS} characters")
        return token
    if production:
        raise AgentConfigError("AGENT_ASSIST_TOKEN is not set (required outside PRIVACY_ENV=dev)")
    path = Path(environ.get("PRIVACY_VAR_DIR", "var")) / "agent_assist_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
