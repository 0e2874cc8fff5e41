"""The handoff event log: everything that happens in a handed-over conversation, in order.

Kinds: ``created`` (the ticket was filed), ``user_message`` (masked), ``agent_message``,
``claimed``, ``reassigned``, ``action`` (a next best action an agent ran), ``closed`` (handed
back to the assistant). The live streams — the agent console and the chat page — read this log
by id, and a reconnecting stream resumes after the last id it saw (SSE ``Last-Event-ID``).

That only works if no id is committed after a higher one has been read. SQLite runs one writer at
a time (``BEGIN IMMEDIATE``); on PostgreSQL two transactions could commit their sequence numbers
out of order, so every writer first takes a transaction-scoped advisory lock: appends take turns,
which an agent desk's few events a second never notice.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, select, text as sql, update
from sqlalchemy.orm import Session

from bot.backend.models import Agent, HandoffEvent, HandoffTicket
from bot.backend.services.context import Backend

KINDS = ("created", "user_message", "agent_message", "claimed", "reassigned", "action", "closed")
# what the user's chat page is shown: the agent's words and the agent coming and going
USER_VISIBLE_KINDS = ("agent_message", "claimed", "closed")
MAX_EVENTS_PER_READ = 500
ERASED_TEXT = "[已删除]"
_APPEND_LOCK = 7_431_202_612  # advisory-lock key: appends to handoff_events take turns
_TAKE_TURNS = sql("SELECT pg_advisory_xact_lock(:key)")


def channel_of(conversation_id: str) -> str:
    """Where the user is: WeChat conversations are named ``wechat:<app>:<openid>``."""
    return "wechat" if conversation_id.startswith("wechat:") else "app_chat"


def append(session: Session, ticket: HandoffTicket, kind: str, *, at, agent_id: str | None = None,
           text: str | None = None, **details) -> HandoffEvent:
    """Add one event to the log (flushed: its id is known). ``text`` must already be masked if it
    is the user's; ``details`` hold ids and labels, never personal data."""
    if kind not in KINDS:
        raise ValueError(f"unknown handoff event kind {kind!r}")
    if session.bind.dialect.name == "postgresql":
        session.execute(_TAKE_TURNS, {"key": _APPEND_LOCK})
    event = HandoffEvent(ticket_id=ticket.id, app_id=ticket.app_id, conversation_id=ticket.conversation_id,
                         kind=kind, agent_id=agent_id, text=text, details=details, created_at=at)
    session.add(event)
    session.flush()
    return event


def event_view(event: HandoffEvent, agent_names: dict | None = None) -> dict:
    return {"id": event.id, "ticket": event.ticket_id, "app": event.app_id,
            "conversation_id": event.conversation_id, "kind": event.kind, "text": event.text,
            "agent_id": event.agent_id,
            "agent_name": (agent_names or {}).get(event.agent_id) if event.agent_id else None,
            "details": dict(event.details or {}), "at": event.created_at.isoformat()}


def latest_id(backend: Backend) -> int:
    with backend.sessions() as session:
        return session.execute(select(func.coalesce(func.max(HandoffEvent.id), 0))).scalar_one()


def events_after(backend: Backend, after_id: int, *, conversation_id: str | None = None,
                 app_ids: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
                 limit: int = MAX_EVENTS_PER_READ) -> list[dict]:
    """Events with id > ``after_id``, oldest first, optionally of one conversation / some apps."""
    query = (select(HandoffEvent, Agent.display_name).outerjoin(Agent, Agent.id == HandoffEvent.agent_id)
             .where(HandoffEvent.id > after_id).order_by(HandoffEvent.id).limit(limit))
    if conversation_id is not None:
        query = query.where(HandoffEvent.conversation_id == conversation_id)
    if app_ids is not None:
        query = query.where(HandoffEvent.app_id.in_(list(app_ids)))
    if kinds is not None:
        query = query.where(HandoffEvent.kind.in_(list(kinds)))
    with backend.sessions() as session:
        return [event_view(event, {event.agent_id: name}) for event, name in session.execute(query)]


def latest_ticket_start(backend: Backend, app_id: str, conversation_id: str) -> int:
    """The id just before the conversation's newest ticket's first event (0 if none): where a
    chat page that has seen nothing yet starts its stream."""
    with backend.sessions() as session:
        ticket_id = session.execute(
            select(HandoffTicket.id).where(HandoffTicket.app_id == app_id,
                                           HandoffTicket.conversation_id == conversation_id)
            .order_by(HandoffTicket.created_at.desc()).limit(1)).scalar_one_or_none()
        if ticket_id is None:
            return 0
        first = session.execute(select(func.min(HandoffEvent.id)).where(
            HandoffEvent.ticket_id == ticket_id)).scalar_one()
        return (first - 1) if first else 0


def forget_tickets(session: Session, ticket_ids: list[str]) -> int:
    """Erasure: the texts of these tickets' events go with the person (the log keeps its shape)."""
    if not ticket_ids:
        return 0
    return session.execute(update(HandoffEvent).where(HandoffEvent.ticket_id.in_(ticket_ids))
                           .values(text=ERASED_TEXT, conversation_id="erased")
                           .execution_options(synchronize_session=False)).rowcount
