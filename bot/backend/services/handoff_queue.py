"""The handoff queue: tickets waiting for an agent, claimed, reassigned and handed back, and what
the user and the agent say meanwhile.

A ticket is ``open`` (in the queue) → ``claimed`` (one agent has it) → ``closed`` (handed back to
the assistant). An agent sees and acts on the tickets of the apps it serves only; any other
ticket is "not found", exactly like one that does not exist. A supervisor also reassigns. WeChat
conversations are handed to WeChat's own customer-service tools unless the workspace is
configured for that app (``wechat_apps``): only then are they in this queue.

Every change is one transaction with its audit row (actor ``agent``) and its handoff event
(``services.handoff_events``), which the live streams pick up.
"""
from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from bot.backend.models import Agent, AgentApp, AssistFeedback, HandoffEvent, HandoffTicket
from bot.backend.services import handoff_events
from bot.backend.services.agents import Principal
from bot.backend.services.audit import record
from bot.backend.services.context import Backend
from bot.redaction import mask

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
ACTIVE_STATUSES = (OPEN, CLAIMED)
REASON_LABELS = {"user_request": "用户要求人工", "misunderstanding": "多次未能理解用户",
                 "incident": "用户报告隐私事件"}
USAGES = ("as_is", "edited", "own")
MAX_USER_MESSAGE_CHARS = 500
MAX_AGENT_MESSAGE_CHARS = 1000
WAIT_SAMPLE_SIZE = 20
WAIT_SAMPLE_WINDOW = timedelta(days=7)
MIN_WAIT_SAMPLES = 3
TICKET_NOT_FOUND = "没有找到该转人工工单 (no such handoff ticket)"


def in_workspace(ticket: HandoffTicket, wechat_apps: Iterable[str]) -> bool:
    return ticket.channel != "wechat" or ticket.app_id in set(wechat_apps)


def _workspace_filter(wechat_apps: Iterable[str]):
    wechat_apps = list(wechat_apps)
    return or_(HandoffTicket.channel != "wechat", HandoffTicket.app_id.in_(wechat_apps)) \
        if wechat_apps else HandoffTicket.channel != "wechat"


# --- reading ------------------------------------------------------------------------------------

def ticket_view(ticket: HandoffTicket, now, agent_names: dict, position: int | None = None) -> dict:
    return {
        "id": ticket.id, "app": ticket.app_id, "conversation_id": ticket.conversation_id,
        "channel": ticket.channel, "reason": ticket.reason,
        "reason_label": REASON_LABELS.get(ticket.reason, ticket.reason),
        "summary": mask(ticket.summary), "status": ticket.status,
        "created_at": ticket.created_at.isoformat(),
        "waiting_seconds": int(((ticket.claimed_at or now) - ticket.created_at).total_seconds())
        if ticket.status != CLOSED else None,
        "position": position,
        "assigned_agent": {"id": ticket.assigned_agent_id,
                           "display_name": agent_names.get(ticket.assigned_agent_id)}
        if ticket.assigned_agent_id else None,
        "claimed_at": ticket.claimed_at.isoformat() if ticket.claimed_at else None,
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
    }


def _agent_names(session: Session, tickets: Iterable[HandoffTicket]) -> dict:
    ids = {t.assigned_agent_id for t in tickets if t.assigned_agent_id}
    if not ids:
        return {}
    return dict(session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(ids))).all())


def queue(backend: Backend, principal: Principal, apps: list[str], *, wechat_apps: Iterable[str] = (),
          include_closed: bool = False, limit: int = 200) -> list[dict]:
    """The principal's queue: open tickets oldest first (with their place), then claimed ones."""
    statuses = ACTIVE_STATUSES + ((CLOSED,) if include_closed else ())
    apps = [a for a in apps if principal.serves(a)]
    now = backend.now()
    with backend.sessions() as session:
        tickets = session.execute(select(HandoffTicket).where(
            HandoffTicket.app_id.in_(apps), HandoffTicket.status.in_(statuses), _workspace_filter(wechat_apps))
            .order_by(HandoffTicket.created_at).limit(limit)).scalars().all()
        names = _agent_names(session, tickets)
    places: dict[str, int] = {}
    views = []
    for ticket in tickets:
        position = None
        if ticket.status == OPEN:
            places[ticket.app_id] = position = places.get(ticket.app_id, 0) + 1
        views.append(ticket_view(ticket, now, names, position))
    order = {OPEN: 0, CLAIMED: 1, CLOSED: 2}
    return sorted(views, key=lambda v: order[v["status"]])


def load_ticket(session: Session, principal: Principal, ticket_id: object, *, wechat_apps: Iterable[str] = (),
                lock: bool = False) -> HandoffTicket:
    """The ticket if the principal may see it; otherwise NotFound, as for one that does not exist."""
    if not isinstance(ticket_id, str) or not ticket_id.startswith("HT-") or len(ticket_id) > 16:
        raise NotFound(TICKET_NOT_FOUND)
    query = select(HandoffTicket).where(HandoffTicket.id == ticket_id)
    ticket = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if ticket is None or not principal.serves(ticket.app_id) or not in_workspace(ticket, wechat_apps):
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def ticket_events(backend: Backend, principal: Principal, ticket_id: str, *,
                  wechat_apps: Iterable[str] = ()) -> tuple[dict, list[dict]]:
    """The ticket and every event of it, oldest first."""
    with backend.sessions() as session:
        ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps)
        rows = session.execute(select(HandoffEvent, Agent.display_name)
                               .outerjoin(Agent, Agent.id == HandoffEvent.agent_id)
                               .where(HandoffEvent.ticket_id == ticket.id).order_by(HandoffEvent.id)).all()
        view = ticket_view(ticket, backend.now(), _agent_names(session, [ticket]),
                           _position(session, ticket, wechat_apps))
    return view, [handoff_events.event_view(event, {event.agent_id: name}) for event, name in rows]


def _position(session: Session, ticket: HandoffTicket, wechat_apps: Iterable[str] = ()) -> int | None:
    if ticket.status != OPEN:
        return None
    ahead = session.execute(select(func.count()).where(
        HandoffTicket.app_id == ticket.app_id, HandoffTicket.status == OPEN,
        HandoffTicket.created_at < ticket.created_at, _workspace_filter(wechat_apps))).scalar_one()
    return ahead + 1


def _recent_median_wait(session: Session, app_id: str, now) -> int | None:
    """How long the app's recent tickets waited for an agent (median), if there are enough."""
    rows = session.execute(select(HandoffTicket.created_at, HandoffTicket.claimed_at).where(
        HandoffTicket.app_id == app_id, HandoffTicket.claimed_at.is_not(None),
        HandoffTicket.claimed_at > now - WAIT_SAMPLE_WINDOW)
        .order_by(HandoffTicket.claimed_at.desc()).limit(WAIT_SAMPLE_SIZE)).all()
    if len(rows) < MIN_WAIT_SAMPLES:
        return None
    return int(statistics.median((claimed - created).total_seconds() for created, claimed in rows))


# --- the user's side (called by the bot's channel with the service token) -------------------------

def record_user_message(backend: Backend, *, app_id: str, conversation_id: str, text: str) -> dict:
    """A message the user sent while handed over: logged masked, answered with where they stand."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_USER_MESSAGE_CHARS:
        raise ValidationFailed(f"消息应为 1–{MAX_USER_MESSAGE_CHARS} 个字符 (invalid message)", field="text")
    now = backend.now()
    with backend.transaction() as session:
        ticket = session.execute(select(HandoffTicket).where(
            HandoffTicket.app_id == app_id, HandoffTicket.conversation_id == conversation_id,
            HandoffTicket.status.in_(ACTIVE_STATUSES)).order_by(HandoffTicket.created_at.desc())
            .limit(1)).scalar_one_or_none()
        if ticket is None:
            raise NotFound("该会话没有等待中或进行中的人工服务 (no active handoff for this conversation)")
        handoff_events.append(session, ticket, "user_message", at=now, text=mask(text.strip()))
        return waiting_status(session, ticket, now)


def waiting_status(session: Session, ticket: HandoffTicket, now) -> dict:
    agent = session.get(Agent, ticket.assigned_agent_id) if ticket.assigned_agent_id else None
    return {"ticket": ticket.id, "status": ticket.status, "position": _position(session, ticket),
            "waited_seconds": int((now - ticket.created_at).total_seconds()),
            "recent_median_wait_seconds": _recent_median_wait(session, ticket.app_id, now)
            if ticket.status == OPEN else None,
            "agent_name": agent.display_name if agent else None}


# --- the agent's side ---------------------------------------------------------------------------

def claim(backend: Backend, principal: Principal, ticket_id: str, *, wechat_apps: Iterable[str] = ()) -> dict:
    now = backend.now()
    with backend.transaction() as session:
        ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps, lock=True)
        if ticket.status == CLAIMED and ticket.assigned_agent_id == principal.agent_id:
            return ticket_view(ticket, now, _agent_names(session, [ticket]))
        if ticket.status != OPEN:
            raise Conflict("该工单已被接入或已结束 (ticket already claimed or closed)", status=ticket.status)
        ticket.status, ticket.assigned_agent_id, ticket.claimed_at = CLAIMED, principal.agent_id, now
        handoff_events.append(session, ticket, "claimed", at=now, agent_id=principal.agent_id)
        record(session, entity_type="handoff", entity_id=ticket.id, action="handoff.claimed",
               actor=principal.actor, at=now, from_status=OPEN, to_status=CLAIMED)
        return ticket_view(ticket, now, {principal.agent_id: principal.display_name})


def reassign(backend: Backend, principal: Principal, ticket_id: str, to_agent_id: str, *,
             wechat_apps: Iterable[str] = ()) -> dict:
    """A supervisor gives the ticket to another agent who serves its app."""
    now = backend.now()
    with backend.transaction() as session:
        ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps, lock=True)
        if not principal.is_supervisor:
            raise Forbidden("只有主管可以改派工单 (only supervisors reassign)")
        if ticket.status == CLOSED:
            raise Conflict("该工单已结束 (ticket closed)", status=ticket.status)
        target = session.get(Agent, to_agent_id) if isinstance(to_agent_id, str) else None
        if target is None or not target.active or not _serves(session, target, ticket.app_id):
            raise ValidationFailed("目标客服不存在、已停用或不服务该应用 (agent cannot take this ticket)",
                                   field="agent_id")
        before, previous = ticket.status, ticket.assigned_agent_id
        ticket.status, ticket.assigned_agent_id = CLAIMED, target.id
        ticket.claimed_at = ticket.claimed_at or now
        handoff_events.append(session, ticket, "reassigned", at=now, agent_id=target.id,
                              by=principal.agent_id, previous_agent=previous)
        record(session, entity_type="handoff", entity_id=ticket.id, action="handoff.reassigned",
               actor=principal.actor, at=now, from_status=before, to_status=CLAIMED,
               to_agent=target.id, previous_agent=previous)
        return ticket_view(ticket, now, {target.id: target.display_name})


def _serves(session: Session, agent: Agent, app_id: str) -> bool:
    return agent.all_apps or session.get(AgentApp, (agent.id, app_id)) is not None


def assigned_ticket(session: Session, principal: Principal, ticket_id: str,
                    wechat_apps: Iterable[str] = ()) -> HandoffTicket:
    """The ticket, claimed by this agent (a supervisor may act on any ticket it can see)."""
    ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps, lock=True)
    if ticket.status != CLAIMED:
        raise Conflict("请先接入该工单 (claim the ticket first)", status=ticket.status)
    if ticket.assigned_agent_id != principal.agent_id and not principal.is_supervisor:
        raise Forbidden("该工单由其他客服处理 (ticket is another agent's)")
    return ticket


def _check_may_close(principal: Principal, ticket: HandoffTicket) -> None:
    if ticket.status == OPEN and not principal.is_supervisor:
        raise Conflict("请先接入该工单 (claim the ticket first)", status=ticket.status)
    if ticket.status == CLAIMED and ticket.assigned_agent_id != principal.agent_id and not principal.is_supervisor:
        raise Forbidden("该工单由其他客服处理 (ticket is another agent's)")


def conversation_to_close(backend: Backend, principal: Principal, ticket_id: str, *,
                          wechat_apps: Iterable[str] = ()) -> str:
    """The conversation of a ticket the principal may hand back (checked before the assistant is
    resumed, so that nobody resumes a conversation they could not close)."""
    with backend.sessions() as session:
        ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps)
        _check_may_close(principal, ticket)
        return ticket.conversation_id


def close(backend: Backend, principal: Principal, ticket_id: str, *, wechat_apps: Iterable[str] = ()) -> dict:
    """Hand the conversation back to the assistant (the caller resumes the Rasa conversation)."""
    now = backend.now()
    with backend.transaction() as session:
        ticket = load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps, lock=True)
        if ticket.status == CLOSED:
            return ticket_view(ticket, now, _agent_names(session, [ticket]))
        _check_may_close(principal, ticket)
        before = ticket.status
        ticket.status, ticket.closed_at = CLOSED, now
        handoff_events.append(session, ticket, "closed", at=now, agent_id=principal.agent_id)
        record(session, entity_type="handoff", entity_id=ticket.id, action="handoff.closed",
               actor=principal.actor, at=now, from_status=before, to_status=CLOSED)
        return ticket_view(ticket, now, _agent_names(session, [ticket]))


def record_agent_message(backend: Backend, principal: Principal, ticket_id: str, text: str, *,
                         usage: str | None, intent: str | None = None, suggestion_intent: str | None = None,
                         action: str | None = None, wechat_apps: Iterable[str] = ()) -> dict:
    """The agent's message to the user, with how it was written (``usage``: the assist feedback;
    None for a message a next best action composed, which is no reply to judge assist by)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_AGENT_MESSAGE_CHARS:
        raise ValidationFailed(f"消息应为 1–{MAX_AGENT_MESSAGE_CHARS} 个字符 (invalid message)", field="text")
    if usage is not None and usage not in USAGES:
        raise ValidationFailed(f"未知的建议使用方式 (unknown usage): {usage}", field="usage", allowed=list(USAGES))
    for name, value in (("intent", intent), ("suggestion_intent", suggestion_intent)):
        if value is not None and (not isinstance(value, str) or len(value) > 60):
            raise ValidationFailed(f"{name} 不合法 (invalid {name})", field=name)
    if usage == "own":
        suggestion_intent = None
    details = {key: value for key, value in (("usage", usage), ("action", action)) if value}
    now = backend.now()
    with backend.transaction() as session:
        ticket = assigned_ticket(session, principal, ticket_id, wechat_apps)
        event = handoff_events.append(session, ticket, "agent_message", at=now, agent_id=principal.agent_id,
                                      text=text.strip(), **details)
        if usage is not None:
            session.add(AssistFeedback(event_id=event.id, ticket_id=ticket.id, app_id=ticket.app_id,
                                       agent_id=principal.agent_id, intent=intent,
                                       suggestion_intent=suggestion_intent, usage=usage, created_at=now))
        record(session, entity_type="handoff", entity_id=ticket.id, action="handoff.agent_message",
               actor=principal.actor, at=now, event_id=event.id, intent=intent, usage=usage, composed_by=action)
        return {**handoff_events.event_view(event, {principal.agent_id: principal.display_name}),
                "channel": ticket.channel}


def record_action(backend: Backend, principal: Principal, ticket_id: str, action: str, *,
                  wechat_apps: Iterable[str] = (), **details) -> dict:
    """A next best action the agent ran for the user (filed, cancelled…): logged and audited."""
    now = backend.now()
    with backend.transaction() as session:
        ticket = assigned_ticket(session, principal, ticket_id, wechat_apps)
        event = handoff_events.append(session, ticket, "action", at=now, agent_id=principal.agent_id,
                                      action=action, **details)
        record(session, entity_type="handoff", entity_id=ticket.id, action=f"agent.{action}",
               actor=principal.actor, at=now, event_id=event.id, **details)
        return handoff_events.event_view(event, {principal.agent_id: principal.display_name})
