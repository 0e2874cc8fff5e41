"""The running backend: settings, database, code delivery and the clock (replaceable in tests)."""
from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.backend import db
from bot.backend.config import Settings
from bot.backend.errors import UnknownApp
from bot.backend.models import App

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit trail records it."""

    type: str  # service | admin | worker | user
    id: str | None = None


@dataclass(frozen=True)
class AppTerms:
    """What filing needs to know about an app (a cached, session-free copy of its row)."""

    id: str
    name: str
    deadline_days: int
    deadline_working_days: bool
    deadline_is_default: bool
    cooling_off_days: int | None
    deadlines_by_type: dict | None = None

    def deadline_for(self, request_type: str) -> tuple[int, bool, bool]:
        """(days, working days?, is it our default?) for a request of this type: the policy's
        deadline for that type if it publishes one, else its general one."""
        own = (self.deadlines_by_type or {}).get(request_type)
        if own:
            return int(own["days"]), bool(own["working_days"]), False
        return self.deadline_days, self.deadline_working_days, self.deadline_is_default


APP_CACHE_SECONDS = 30.0
SERVICE = Actor("service", "bot")
WORKER = Actor("worker", "worker")


@dataclass
class Backend:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    codes_per_phone_per_hour: int = 10
    sms_sender: object = None
    _apps: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> "Backend":
        from bot.backend.services.delivery import make_sender

        engine = db.make_engine(settings.database_url)
        if migrate:
            db.migrate(engine)
        backend = cls(settings=settings, engine=engine, sessions=db.make_session_factory(engine),
                      codes_per_phone_per_hour=settings.codes_per_phone_per_hour)
        backend.sms_sender = make_sender(settings)
        return backend

    def now(self) -> datetime:
        return self.clock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction; then what it queued for after its commit (``session.info``), e.g.
        sending an SMS — work that must not hold the transaction open or run if it rolls back."""
        with db.transaction(self.sessions) as session:
            tasks = session.info.setdefault("after_commit", [])
            yield session
        for task in tasks:
            task()

    def app_terms(self, session: Session, app_id: str) -> AppTerms:
        """The app's terms, cached for ``APP_CACHE_SECONDS`` (``sync-apps`` changes are seen then)."""
        cached = self._apps.get(app_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        app = get_app(session, app_id)
        terms = AppTerms(app.id, app.name, app.deadline_days, app.deadline_working_days,
                         app.deadline_is_default, app.cooling_off_days, app.deadlines_by_type)
        self._apps[app_id] = (terms, time.monotonic() + APP_CACHE_SECONDS)
        return terms

    def check_production_secrets(self) -> None:
        """In production every app needs its host-token secret before we serve anything."""
        if not self.settings.is_production:
            return
        with self.sessions() as session:
            for app_id in session.execute(select(App.id)).scalars():
                self.settings.host_token_secret(app_id)

    def close(self) -> None:
        self.engine.dispose()


def get_app(session: Session, app_id: str) -> App:
    """The app's row; an app onboarded in the knowledge base but never synced is registered now."""
    app = session.get(App, app_id) if isinstance(app_id, str) else None
    if app is None and isinstance(app_id, str):
        app = _register_from_knowledge(session, app_id)
    if app is None:
        raise UnknownApp(f"未知的应用 (unknown app): {app_id!r}", field="app")
    return app


def _register_from_knowledge(session: Session, app_id: str) -> App | None:
    """Onboarding is one command (``python -m bot.knowledge ingest``): the first request for the
    new app registers it with the deadline its policy publishes, as ``sync-apps`` would."""
    from bot.backend.apps import terms_from_knowledge, upsert_app

    try:
        from bot.knowledge import load_app

        terms = terms_from_knowledge(app_id, load_app(app_id))
    except (ImportError, LookupError, ValueError):  # not installed, unknown, or unreadable
        return None
    try:
        with session.begin_nested():
            app = upsert_app(session, terms, datetime.now(timezone.utc))
    except IntegrityError:  # registered by a concurrent request a moment ago
        return session.get(App, app_id)
    log.info("app %s registered from the knowledge base", app_id)
    return app
