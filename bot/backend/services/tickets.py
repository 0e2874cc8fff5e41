"""Handoff tickets (a human agent takes over, with a conversation summary) and incident reports."""
from __future__ import annotations

from sqlalchemy import select

from bot.backend.errors import ValidationFailed
from bot.backend.ids import new_id
from bot.backend.models import HandoffTicket, IncidentReport
from bot.backend.services import handoff_events, identity
from bot.backend.services.audit import record
from bot.backend.services.context import SERVICE, Backend, get_app
from bot.backend.services.identity import Credentials

HANDOFF_REASONS = ("user_request", "misunderstanding", "incident")
INCIDENT_KINDS = ("data_leak", "account_takeover", "scam_contact", "other")


def _subject_user_id(backend: Backend, session, app_id: str, creds: Credentials) -> str | None:
    """The user the ticket is about, when the credentials prove one (anonymous tickets are fine)."""
    subject = identity.optional_subject(backend, session, app_id, creds)
    return subject.user.id if subject else None


def create_handoff(backend: Backend, *, app_id: str, conversation_id: str, reason: str,
                   summary: str, creds: Credentials) -> dict:
    if reason not in HANDOFF_REASONS:
        raise ValidationFailed(f"未知的转人工原因 (unknown reason): {reason}", field="reason",
                               allowed=list(HANDOFF_REASONS))
    with backend.transaction() as session:
        get_app(session, app_id)
        ticket = HandoffTicket(id=new_id("HT"), app_id=app_id, conversation_id=conversation_id,
                               reason=reason, summary=summary, status="open", created_at=backend.now(),
                               channel=handoff_events.channel_of(conversation_id),
                               user_id=_subject_user_id(backend, session, app_id, creds))
        session.add(ticket)
        session.flush()
        handoff_events.append(session, ticket, "created", at=backend.now(), reason=reason)  # the live queue
        record(session, entity_type="handoff", entity_id=ticket.id, action="handoff.created",
               actor=SERVICE, at=backend.now(), to_status="open", reason=reason)
        return handoff_view(ticket)


def create_incident(backend: Backend, *, app_id: str, conversation_id: str, kind: str,
                    description: str, creds: Credentials) -> dict:
    if kind not in INCIDENT_KINDS:
        raise ValidationFailed(f"未知的事件类型 (unknown incident kind): {kind}", field="kind",
                               allowed=list(INCIDENT_KINDS))
    with backend.transaction() as session:
        get_app(session, app_id)
        report = IncidentReport(id=new_id("IR"), app_id=app_id, conversation_id=conversation_id,
                                kind=kind, description=description, status="open",
                                created_at=backend.now(),
                                user_id=_subject_user_id(backend, session, app_id, creds))
        session.add(report)
        record(session, entity_type="incident", entity_id=report.id, action="incident.created",
               actor=SERVICE, at=backend.now(), to_status="open", kind=kind)
        return incident_view(report)


def handoff_view(t: HandoffTicket) -> dict:
    return {"id": t.id, "app": t.app_id, "conversation_id": t.conversation_id, "reason": t.reason,
            "summary": t.summary, "user_id": t.user_id, "status": t.status,
            "created_at": t.created_at.isoformat()}


def incident_view(r: IncidentReport) -> dict:
    return {"id": r.id, "app": r.app_id, "conversation_id": r.conversation_id, "kind": r.kind,
            "description": r.description, "user_id": r.user_id, "status": r.status,
            "created_at": r.created_at.isoformat()}


def list_handoffs(backend: Backend, app_id: str | None, limit: int = 100) -> list[dict]:
    with backend.sessions() as session:
        query = select(HandoffTicket).order_by(HandoffTicket.created_at.desc()).limit(limit)
        if app_id:
            query = query.where(HandoffTicket.app_id == app_id)
        return [handoff_view(t) for t in session.execute(query).scalars()]


def list_incidents(backend: Backend, app_id: str | None, limit: int = 100) -> list[dict]:
    with backend.sessions() as session:
        query = select(IncidentReport).order_by(IncidentReport.created_at.desc()).limit(limit)
        if app_id:
            query = query.where(IncidentReport.app_id == app_id)
        return [incident_view(r) for r in session.execute(query).scalars()]
