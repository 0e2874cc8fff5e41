"""Agent accounts and their sessions: who may work in the agent workspace, on which apps.

An **agent** serves the apps it is given; a **supervisor** serves its apps too, or every app
(``all_apps``), and may reassign tickets. Passwords are hashed with argon2id (``argon2-cffi``,
its default parameters); a login name that does not exist costs the same as a wrong password.

A **session** is a random id the browser keeps in an HttpOnly cookie; only its SHA-256 is stored.
It ends after ``IDLE_TIMEOUT`` without use or ``SessionPolicy.lifetime`` after login, and at
logout. Each session has its own CSRF token, which the console sends back in a header on every
change. Failed logins are limited per login name (``MAX_FAILED_LOGINS`` per
``FAILED_LOGIN_WINDOW``), counted in the database so that every workspace process sees them.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.backend import security
from bot.backend.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationFailed
from bot.backend.ids import new_id
from bot.backend.models import Agent, AgentApp, AgentLoginAttempt, AgentSession, App
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, Backend, get_app

ROLES = ("agent", "supervisor")
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(hours=2)
DEFAULT_SESSION_LIFETIME = timedelta(hours=12)
# a session's last use is written at most this often (not on every request)
TOUCH_EVERY = timedelta(minutes=1)
_hasher = PasswordHasher()
# verified against when the login does not exist, so that both cases take as long
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Principal:
    """The logged-in agent, as every workspace service sees it."""

    agent_id: str
    login: str
    display_name: str
    role: str
    all_apps: bool
    apps: frozenset
    csrf_token: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def actor(self) -> Actor:
        return Actor("agent", self.agent_id)

    def serves(self, app_id: str) -> bool:
        return self.all_apps or app_id in self.apps

    def view(self) -> dict:
        return {"id": self.agent_id, "login": self.login, "display_name": self.display_name,
                "role": self.role, "all_apps": self.all_apps, "apps": sorted(self.apps)}


# --- accounts -----------------------------------------------------------------------------------

def _check_new_account(login: str, role: str, display_name: str, password: str) -> None:
    if not LOGIN_PATTERN.match(login or ""):
        raise ValidationFailed("登录名应为 3–64 个小写字母、数字或 ._-，以字母或数字开头 (invalid login)",
                               field="login")
    if role not in ROLES:
        raise ValidationFailed(f"未知的角色 (unknown role): {role}", field="role", allowed=list(ROLES))
    if not display_name or len(display_name) > 50:
        raise ValidationFailed("显示名称应为 1–50 个字符 (invalid display name)", field="display_name")
    check_password_strength(password)


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise ValidationFailed(f"密码长度应为 {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} 个字符 "
                               "(password too short or too long)", field="password")


def create_agent(backend: Backend, *, login: str, display_name: str, password: str, role: str,
                 apps: list[str], all_apps: bool, actor: Actor) -> dict:
    """A new agent (or supervisor) serving ``apps`` (``all_apps``: supervisors only)."""
    _check_new_account(login, role, display_name, password)
    if all_apps and role != "supervisor":
        raise ValidationFailed("只有主管可以服务全部应用 (only supervisors may serve all apps)",
                               field="all_apps")
    if not all_apps and not apps:
        raise ValidationFailed("请指定该客服服务的应用 (apps required)", field="apps")
    password_hash = _hasher.hash(password)  # slow on purpose: outside the transaction
    with backend.transaction() as session:
        if session.execute(select(Agent.id).where(Agent.login == login)).first():
            raise Conflict(f"登录名已存在 (login taken): {login}", field="login")
        for app_id in apps:
            get_app(session, app_id)
        agent = Agent(id=new_id("AG"), login=login, display_name=display_name, role=role,
                      all_apps=all_apps, password_hash=password_hash, active=True, created_at=backend.now())
        session.add(agent)
        session.flush()
        session.add_all([AgentApp(agent_id=agent.id, app_id=app_id) for app_id in sorted(set(apps))])
        record(session, entity_type="agent", entity_id=agent.id, action="agent.created", actor=actor,
               at=backend.now(), role=role, apps=sorted(set(apps)), all_apps=all_apps)
        return _account_view(agent, sorted(set(apps)))


def set_password(backend: Backend, login: str, password: str, actor: Actor) -> None:
    """A new password; every session of the agent ends."""
    check_password_strength(password)
    password_hash = _hasher.hash(password)
    with backend.transaction() as session:
        agent = _agent_by_login(session, login)
        agent.password_hash = password_hash
        _end_sessions(session, agent.id, backend.now())
        record(session, entity_type="agent", entity_id=agent.id, action="agent.password_set",
               actor=actor, at=backend.now())


def set_active(backend: Backend, login: str, active: bool, actor: Actor) -> None:
    """Disable (every session ends) or re-enable an account."""
    with backend.transaction() as session:
        agent = _agent_by_login(session, login)
        agent.active = active
        if not active:
            _end_sessions(session, agent.id, backend.now())
        record(session, entity_type="agent", entity_id=agent.id,
               action="agent.enabled" if active else "agent.disabled", actor=actor, at=backend.now())


def list_agents(backend: Backend, app_id: str | None = None) -> list[dict]:
    """Every account (``app_id``: those serving that app), with its apps."""
    with backend.sessions() as session:
        agents = session.execute(select(Agent).order_by(Agent.login)).scalars().all()
        apps = _apps_of(session, [a.id for a in agents])
        views = [_account_view(a, apps.get(a.id, [])) for a in agents]
    if app_id is not None:
        views = [v for v in views if v["all_apps"] or app_id in v["apps"]]
    return views


def _account_view(agent: Agent, apps: list[str]) -> dict:
    return {"id": agent.id, "login": agent.login, "display_name": agent.display_name,
            "role": agent.role, "all_apps": agent.all_apps, "apps": list(apps), "active": agent.active,
            "created_at": agent.created_at.isoformat()}


def _apps_of(session: Session, agent_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if agent_ids:
        for agent_id, app_id in session.execute(select(AgentApp.agent_id, AgentApp.app_id).where(
                AgentApp.agent_id.in_(agent_ids)).order_by(AgentApp.app_id)):
            found.setdefault(agent_id, []).append(app_id)
    return found


def _agent_by_login(session: Session, login: str) -> Agent:
    agent = session.execute(select(Agent).where(Agent.login == login)).scalar_one_or_none()
    if agent is None:
        raise NotFound(f"没有该客服账号 (no such agent): {login}")
    return agent


def principal_of(session: Session, agent: Agent, csrf_token: str = "") -> Principal:
    apps = frozenset(_apps_of(session, [agent.id]).get(agent.id, []))
    return Principal(agent.id, agent.login, agent.display_name, agent.role, agent.all_apps, apps, csrf_token)


def served_apps(backend: Backend, principal: Principal) -> list[str]:
    """The app ids the principal works on (every registered app for an all-apps supervisor)."""
    if not principal.all_apps:
        return sorted(principal.apps)
    with backend.sessions() as session:
        return list(session.execute(select(App.id).order_by(App.id)).scalars())


# --- login and sessions -------------------------------------------------------------------------

def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _login_key(backend: Backend, login: str) -> str:
    return security.keyed_hash(backend.settings.secret_key, "agent-login", login.strip().lower())


def login(backend: Backend, login_name: str, password: str,
          lifetime: timedelta = DEFAULT_SESSION_LIFETIME) -> tuple[str, Principal]:
    """A new session for the agent (the cookie value and who it is), or Unauthorized /
    RateLimited. The failure does not say whether the login exists."""
    if not isinstance(login_name, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        raise Unauthorized("登录名或密码错误 (wrong login or password)")
    key, now = _login_key(backend, login_name), backend.now()
    with backend.sessions() as session:
        failures = session.execute(select(func.count()).where(
            AgentLoginAttempt.login_key == key, AgentLoginAttempt.succeeded.is_(False),
            AgentLoginAttempt.attempted_at > now - FAILED_LOGIN_WINDOW)).scalar_one()
        agent = session.execute(select(Agent).where(Agent.login == login_name.strip().lower())).scalar_one_or_none()
    if failures >= MAX_FAILED_LOGINS:
        raise RateLimited("登录失败次数过多，请 15 分钟后再试 (too many failed logins)",
                          retry_after_seconds=int(FAILED_LOGIN_WINDOW.total_seconds()))
    valid = _password_matches(agent.password_hash if agent else _DUMMY_HASH, password)
    valid = valid and agent is not None and agent.active
    opened = None
    with backend.transaction() as session:  # the attempt is recorded whether or not it succeeds
        session.add(AgentLoginAttempt(login_key=key, succeeded=valid, attempted_at=now))
        session.execute(delete(AgentLoginAttempt).where(AgentLoginAttempt.attempted_at < now - timedelta(days=1))
                        .execution_options(synchronize_session=False))
        if valid:
            opened = _open_session(session, agent, now, lifetime)
        elif agent is not None:
            record(session, entity_type="agent", entity_id=agent.id, action="agent.login_failed",
                   actor=Actor("agent", agent.id), at=now)
    if opened is None:
        raise Unauthorized("登录名或密码错误 (wrong login or password)")
    return opened


def _open_session(session: Session, agent: Agent, now, lifetime: timedelta) -> tuple[str, Principal]:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(AgentSession(id_hash=_session_hash(session_id), agent_id=agent.id, csrf_token=csrf,
                             created_at=now, last_seen_at=now, expires_at=now + lifetime))
    record(session, entity_type="agent", entity_id=agent.id, action="agent.login",
           actor=Actor("agent", agent.id), at=now)
    return session_id, principal_of(session, agent, csrf)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def resolve_session(backend: Backend, session_id: str | None) -> Principal:
    """The agent a session cookie belongs to; Unauthorized if none, ended, expired or idle."""
    if not session_id or len(session_id) > 100:
        raise Unauthorized("请先登录 (not logged in)")
    now = backend.now()
    with backend.sessions() as session:
        row = session.get(AgentSession, _session_hash(session_id))
        agent = session.get(Agent, row.agent_id) if row is not None else None
        if (row is None or agent is None or not agent.active or row.ended_at is not None
                or row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now):
            raise Unauthorized("登录已过期，请重新登录 (session expired)")
        principal = principal_of(session, agent, row.csrf_token)
        stale = row.last_seen_at + TOUCH_EVERY <= now
    if stale:
        with backend.transaction() as session:
            session.get(AgentSession, _session_hash(session_id)).last_seen_at = now
    return principal


def logout(backend: Backend, session_id: str) -> None:
    with backend.transaction() as session:
        row = session.get(AgentSession, _session_hash(session_id))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = backend.now()
        record(session, entity_type="agent", entity_id=row.agent_id, action="agent.logout",
               actor=Actor("agent", row.agent_id), at=backend.now())


def _end_sessions(session: Session, agent_id: str, now) -> None:
    for row in session.execute(select(AgentSession).where(
            AgentSession.agent_id == agent_id, AgentSession.ended_at.is_(None))).scalars():
        row.ended_at = now
