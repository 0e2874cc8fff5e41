"""The append-only audit trail. There is deliberately no function to change or remove an event.

Events are collected on the session and written in one multi-row INSERT just before the
transaction commits (a ``before_commit`` hook installed by :func:`bot.backend.db.make_session_factory`),
so they are committed or rolled back together with the change they describe.
"""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.backend.models import AuditEvent
from bot.backend.services.context import Actor

_PENDING = "pending_audit_events"
_INSERT = insert(AuditEvent)


def record(session: Session, *, entity_type: str, entity_id: str, action: str, actor: Actor,
           at, from_status: str | None = None, to_status: str | None = None,
           **details) -> None:
    """Add one event. ``details`` must hold ids, statuses and counts only, never personal data."""
    session.info.setdefault(_PENDING, []).append({
        "occurred_at": at, "entity_type": entity_type, "entity_id": entity_id, "action": action,
        "from_status": from_status, "to_status": to_status, "actor_type": actor.type,
        "actor_id": actor.id, "details": details,
    })


def write_pending(session: Session) -> None:
    """Insert the session's collected events (root transaction only: a savepoint may roll back)."""
    if session.in_nested_transaction():
        return
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.execute(_INSERT, rows)
