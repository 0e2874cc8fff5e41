"""Agent accounts and sessions: argon2 hashes, login limits, expiry, logout, the admin CLI."""
from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.backend.errors import Conflict, RateLimited, Unauthorized, ValidationFailed
from bot.backend.models import Agent, AuditEvent
from bot.backend.services import agents
from tests.agents.harness import CLI, PASSWORD, new_agent

REPO = Path(__file__).resolve().parents[2]


def test_a_password_is_stored_only_as_an_argon2id_hash(backend):
    created = new_agent(backend, ["melochi"])
    with backend.sessions() as session:
        stored = session.get(Agent, created["id"]).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_opens_a_session_that_names_the_agent_and_its_apps(backend):
    created = new_agent(backend, ["melochi", "tego"])
    session_id, principal = agents.login(backend, created["login"], PASSWORD)
    resolved = agents.resolve_session(backend, session_id)
    assert resolved.agent_id == created["id"] and resolved.apps == {"melochi", "tego"}
    assert resolved.serves("tego") and not resolved.serves("liqun")
    assert resolved.csrf_token == principal.csrf_token and len(resolved.csrf_token) >= 32


def test_a_wrong_password_and_an_unknown_login_fail_alike(backend):
    created = new_agent(backend, ["melochi"])
    with pytest.raises(Unauthorized) as wrong:
        agents.login(backend, created["login"], "not the password")
    with pytest.raises(Unauthorized) as unknown:
        agents.login(backend, "nobody-" + created["login"], PASSWORD)
    assert wrong.value.message == unknown.value.message


def test_failed_logins_are_limited_per_login_even_with_the_right_password_afterwards(backend):
    created = new_agent(backend, ["melochi"])
    other = new_agent(backend, ["melochi"])
    for _ in range(agents.MAX_FAILED_LOGINS):
        with pytest.raises(Unauthorized):
            agents.login(backend, created["login"], "wrong password!")
    with pytest.raises(RateLimited):
        agents.login(backend, created["login"], PASSWORD)
    agents.login(backend, other["login"], PASSWORD)  # another login is not affected
    backend.clock.advance(minutes=16)
    agents.login(backend, created["login"], PASSWORD)


def test_a_session_ends_at_logout_when_idle_and_at_its_lifetime(backend):
    created = new_agent(backend, ["melochi"])
    session_id, _ = agents.login(backend, created["login"], PASSWORD)
    agents.logout(backend, session_id)
    with pytest.raises(Unauthorized):
        agents.resolve_session(backend, session_id)
    idle, _ = agents.login(backend, created["login"], PASSWORD)
    backend.clock.advance(hours=2, minutes=1)
    with pytest.raises(Unauthorized):
        agents.resolve_session(backend, idle)
    short, _ = agents.login(backend, created["login"], PASSWORD, lifetime=timedelta(minutes=30))
    backend.clock.advance(minutes=20)
    agents.resolve_session(backend, short)
    backend.clock.advance(minutes=20)
    with pytest.raises(Unauthorized):
        agents.resolve_session(backend, short)


def test_disabling_an_agent_or_changing_its_password_ends_its_sessions(backend):
    created = new_agent(backend, ["melochi"])
    first, _ = agents.login(backend, created["login"], PASSWORD)
    agents.set_password(backend, created["login"], "a brand new password", CLI)
    with pytest.raises(Unauthorized):
        agents.resolve_session(backend, first)
    second, _ = agents.login(backend, created["login"], "a brand new password")
    agents.set_active(backend, created["login"], False, CLI)
    with pytest.raises(Unauthorized):
        agents.resolve_session(backend, second)
    with pytest.raises(Unauthorized):
        agents.login(backend, created["login"], "a brand new password")


def test_bad_accounts_are_refused_and_nothing_is_created(backend):
    for kwargs, field in ((dict(login="A B"), "login"), (dict(password="short"), "password"),
                          (dict(apps=[]), "apps"), (dict(role="admin"), "role"),
                          (dict(all_apps=True), "all_apps")):
        values = dict(login="valid.login", display_name="x", password=PASSWORD, role="agent",
                      apps=["melochi"], all_apps=False, actor=CLI) | kwargs
        with pytest.raises(ValidationFailed) as refused:
            agents.create_agent(backend, **values)
        assert refused.value.details.get("field") == field
    with backend.sessions() as session:
        assert session.execute(select(Agent).where(Agent.login == "valid.login")).first() is None
    created = new_agent(backend, ["melochi"])
    with pytest.raises(Conflict):
        agents.create_agent(backend, login=created["login"], display_name="x", password=PASSWORD,
                            role="agent", apps=["melochi"], all_apps=False, actor=CLI)


def test_a_supervisor_across_apps_serves_every_registered_app(backend):
    boss = new_agent(backend, [], role="supervisor", all_apps=True)
    _, principal = agents.login(backend, boss["login"], PASSWORD)
    assert principal.is_supervisor and {"melochi", "liqun", "tego"} <= set(agents.served_apps(backend, principal))


def test_logins_logouts_and_failures_are_audited_as_the_agent(backend):
    created = new_agent(backend, ["melochi"])
    session_id, _ = agents.login(backend, created["login"], PASSWORD)
    with pytest.raises(Unauthorized):
        agents.login(backend, created["login"], "wrong password!")
    agents.logout(backend, session_id)
    with backend.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.actor_type, AuditEvent.actor_id).where(
            AuditEvent.entity_id == created["id"]).order_by(AuditEvent.id)).all()
    assert [r.action for r in rows] == ["agent.created", "agent.login", "agent.login_failed", "agent.logout"]
    assert all(r.actor_type == "agent" and r.actor_id == created["id"] for r in rows[1:])


def test_the_cli_reads_the_password_from_stdin_never_from_an_argument(backend):
    environ = {"PATH": "/usr/bin:/bin", "PRIVACY_ENV": "dev", "BACKEND_VAR_DIR": str(backend.settings.var_dir),
               "BACKEND_DATABASE_URL": backend.settings.database_url}
    login = "cli-" + secrets.token_hex(4)
    run = subprocess.run([sys.executable, "-m", "bot.backend", "agents", "create", "--login", login,
                          "--name", "李客服", "--apps", "melochi,tego"], input=PASSWORD + "\n", text=True,
                         capture_output=True, env=environ, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    agents.login(backend, login, PASSWORD)
    listed = subprocess.run([sys.executable, "-m", "bot.backend", "agents", "list", "--app", "tego"], text=True,
                            capture_output=True, env=environ, cwd=REPO)
    assert login in listed.stdout and "melochi,tego" in listed.stdout
    refused = subprocess.run([sys.executable, "-m", "bot.backend", "agents", "create", "--login", login,
                              "--password", PASSWORD], text=True, capture_output=True, env=environ, cwd=REPO)
    assert refused.returncode != 0 and "unrecognized arguments" in refused.stderr

