"""Apps (tenants) from the knowledge base: reply deadline and cooling-off period.

``bot.knowledge`` publishes, per app, ``kb.name``, ``kb.response_deadline`` (None, or ``.days`` and
``.working_days``), ``kb.cooling_off`` (None, or ``.days``) and, where the policy gives a
request type its own deadline, ``kb.deadline_for(request_type)``. When an app publishes no deadline,
PIPL practice of 15 working days applies and the app row records that it is a default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy.orm import Session

from bot.backend.deadlines import PIPL_DEFAULT_WORKING_DAYS
from bot.contract import RequestType
from bot.backend.models import App

LAUNCH_APPS = ("melochi", "yhd", "miniapp", "tego", "liqun")


@dataclass(frozen=True)
class AppTerms:
    app_id: str
    name: str
    deadline_days: int
    deadline_working_days: bool
    deadline_is_default: bool
    cooling_off_days: int | None
    deadlines_by_type: dict | None = None


def _deadlines_by_type(kb: Any, general: Any) -> dict | None:
    """The request types whose deadline the policy states apart from its general one."""
    deadline_for = getattr(kb, "deadline_for", None)
    if deadline_for is None:
        return None
    own = {}
    for request_type in RequestType.values():
        deadline = deadline_for(request_type)
        if deadline is not None and deadline != general and int(deadline.days) > 0:
            own[request_type] = {"days": int(deadline.days), "working_days": bool(deadline.working_days)}
    return own or None


def terms_from_knowledge(app_id: str, kb: Any) -> AppTerms:
    """Adapt a KnowledgeBase-like object to the terms the backend needs."""
    deadline = getattr(kb, "response_deadline", None)
    cooling_off = getattr(kb, "cooling_off", None)
    if deadline is None:
        days, working, default = PIPL_DEFAULT_WORKING_DAYS, True, True
    else:
        days, working, default = int(deadline.days), bool(deadline.working_days), False
    if days <= 0:
        raise ValueError(f"{app_id}: response deadline must be positive, got {days}")
    return AppTerms(app_id=app_id, name=str(kb.name), deadline_days=days,
                    deadline_working_days=working, deadline_is_default=default,
                    cooling_off_days=int(cooling_off.days) if cooling_off is not None else None,
                    deadlines_by_type=_deadlines_by_type(kb, deadline))


def upsert_app(session: Session, terms: AppTerms, now) -> App:
    app = session.get(App, terms.app_id)
    if app is None:
        app = App(id=terms.app_id)
        session.add(app)
    app.name = terms.name
    app.deadline_days = terms.deadline_days
    app.deadline_working_days = terms.deadline_working_days
    app.deadline_is_default = terms.deadline_is_default
    app.cooling_off_days = terms.cooling_off_days
    app.deadlines_by_type = terms.deadlines_by_type
    app.updated_at = now
    return app


def load_knowledge_terms() -> Iterable[AppTerms]:
    """Terms of every app the knowledge base knows (raises ImportError if it is not installed)."""
    from bot.knowledge import list_apps, load_app

    for entry in list_apps():
        app_id = entry if isinstance(entry, str) else getattr(entry, "id", None) or entry.app_id
        yield terms_from_knowledge(app_id, load_app(app_id))


def default_terms(app_id: str) -> AppTerms:
    """Placeholder terms for a launch app before the knowledge base is available."""
    return AppTerms(app_id=app_id, name=app_id, deadline_days=PIPL_DEFAULT_WORKING_DAYS,
                    deadline_working_days=True, deadline_is_default=True, cooling_off_days=None)
