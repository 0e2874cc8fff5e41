"""What an agent knows about the user of a handed-over conversation, and the next best actions
the agent runs for them — through the same rules as the bot.

**Context**: the identity the conversation proves (a one-time code verified in it within the last
15 minutes, ``services.conversations``; else the user the ticket was filed for, or the WeChat
openid's bound user — *known*, not verified) with the phone masked, and that user's privacy
requests with statuses and due dates (never the signed export link itself).

**Actions** file, cancel or send the export link with the conversation's own credentials
(``Credentials(conversation_id, wechat_openid)``) through ``filing.file_request(...,
require_verified=True)`` and ``queries``: the same identity, idempotency and audit rules as the
bot. The agent's part is audited and logged as a handoff event right after (``actor`` agent).
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend import security
from bot.backend.errors import BackendError, InvalidSubjectToken, NotFound
from bot.backend.models import ConversationIdentity, HandoffTicket, PrivacyRequest, User
from bot.backend.services import filing, handoff_queue, identity, queries
from bot.backend.services.agents import Principal
from bot.backend.services.context import Backend
from bot.backend.services.identity import Credentials

MAX_REQUESTS_SHOWN = 20


class IdentityRequired(BackendError):
    """The conversation has not proven who the user is (or the proof expired)."""

    status = 409
    code = "identity_required"


IDENTITY_REQUIRED = ("用户尚未在本会话中完成验证码验证（或验证已过期）。请转回智能助手，"
                     "由用户完成验证后再办理 (conversation not verified)")


def credentials_of(ticket: HandoffTicket) -> Credentials:
    """What proves the ticket's user: its conversation, and for WeChat the openid it is named by."""
    openid = ticket.conversation_id.split(":", 2)[2] if ticket.channel == "wechat" else None
    return Credentials(conversation_id=ticket.conversation_id, wechat_openid=openid or None)


# --- context ------------------------------------------------------------------------------------

def conversation_context(backend: Backend, principal: Principal, ticket_id: str, *,
                         wechat_apps: Iterable[str] = ()) -> dict:
    """``{"identity": {...} | None, "requests": [...]}`` for the ticket's user."""
    with backend.sessions() as session:
        ticket = handoff_queue.load_ticket(session, principal, ticket_id, wechat_apps=wechat_apps)
        identity, user = _identity(backend, session, ticket)
        requests = _requests_of(backend, session, ticket.app_id, user) if user else []
    return {"identity": identity, "requests": requests}


def _identity(backend: Backend, session: Session, ticket: HandoffTicket) -> tuple[dict | None, User | None]:
    now = backend.now()
    proof = session.get(ConversationIdentity, (ticket.app_id, ticket.conversation_id))
    if proof is not None and proof.expires_at > now:
        user = session.get(User, proof.user_id)
        return _identity_view(user, True, "code", proof.expires_at), user
    user = session.get(User, ticket.user_id) if ticket.user_id else None
    via = "host_app_token"
    openid = credentials_of(ticket).wechat_openid
    if user is None and openid:
        user, via = identity.user_by_binding(session, ticket.app_id, "wechat_openid", openid), "wechat_openid"
    if user is None or user.status != "active":
        return None, None
    return _identity_view(user, False, via, None), user


def _identity_view(user: User, verified: bool, via: str, until: datetime | None) -> dict:
    return {"user_id": user.id, "verified": verified, "via": via,
            "verified_until": until.isoformat() if until else None,
            "phone": security.mask_phone(user.phone) if user.phone else None}


def _requests_of(backend: Backend, session: Session, app_id: str, user: User) -> list[dict]:
    rows = session.execute(select(PrivacyRequest).where(
        PrivacyRequest.user_id == user.id, PrivacyRequest.app_id == app_id)
        .order_by(PrivacyRequest.created_at.desc()).limit(MAX_REQUESTS_SHOWN)).scalars()
    return [agent_request_view(queries.request_view(backend, session, r)) for r in rows]


def agent_request_view(view: dict) -> dict:
    """A request as an agent sees it: the signed download link is the user's, not the agent's."""
    shown = {key: value for key, value in view.items() if key not in ("export", "verification")}
    shown["export_ready"] = bool(view.get("export"))
    return shown


# --- actions ------------------------------------------------------------------------------------

def _claimed(backend: Backend, principal: Principal, ticket_id: str, wechat_apps) -> HandoffTicket:
    with backend.sessions() as session:
        return handoff_queue.assigned_ticket(session, principal, ticket_id, wechat_apps)


def file_for_ticket(backend: Backend, principal: Principal, ticket_id: str, *, type_: str,
                    categories: list | None = None, channels: list | None = None,
                    wechat_apps: Iterable[str] = ()) -> dict:
    """File a request for the conversation's verified user (nothing is filed for anybody else)."""
    ticket = _claimed(backend, principal, ticket_id, wechat_apps)
    scope = ",".join(sorted(set(categories or []) | set(channels or []))) or "*"
    # the same click twice (or two agents) finds the same request
    key = f"agent:{ticket.id}:{type_}:{hashlib.sha256(scope.encode()).hexdigest()[:16]}"
    try:
        view, created = filing.file_request(backend, app_id=ticket.app_id, type_=type_, categories=categories,
                                            channels=channels, phone=None, idempotency_key=key,
                                            creds=credentials_of(ticket), require_verified=True,
                                            requested_by=principal.actor)
    except InvalidSubjectToken:
        raise IdentityRequired(IDENTITY_REQUIRED) from None
    event = handoff_queue.record_action(backend, principal, ticket.id, "filed_request", wechat_apps=wechat_apps,
                                        request_id=view["id"], type=type_, created=created,
                                        status=view["status"])
    return {"request": agent_request_view(view), "created": created, "event": event}


def cancel_for_ticket(backend: Backend, principal: Principal, ticket_id: str, request_id: str, *,
                      wechat_apps: Iterable[str] = ()) -> dict:
    """Withdraw one of the verified user's requests, as the user could."""
    ticket = _claimed(backend, principal, ticket_id, wechat_apps)
    _require_verified(backend, ticket)
    view = queries.cancel_for_subject(backend, ticket.app_id, request_id, credentials_of(ticket),
                                      "客服代用户撤回")
    event = handoff_queue.record_action(backend, principal, ticket.id, "cancelled_request",
                                        wechat_apps=wechat_apps, request_id=view["id"], status=view["status"])
    return {"request": agent_request_view(view), "event": event}


def send_export_link(backend: Backend, principal: Principal, ticket_id: str, *,
                     wechat_apps: Iterable[str] = ()) -> dict:
    """Send the verified user the download link of their newest completed export, as a message."""
    ticket = _claimed(backend, principal, ticket_id, wechat_apps)
    _require_verified(backend, ticket)
    views = queries.list_for_subject(backend, ticket.app_id, credentials_of(ticket))
    ready = [v for v in views if v["type"] == "data_export" and v.get("export")]
    if not ready:
        raise NotFound("该用户没有可下载的个人信息副本 (no export ready)")
    link = ready[0]["export"]
    expires = link["link_expires_at"][:16].replace("T", " ")
    text = (f"您申请的个人信息副本（申请编号 {ready[0]['id']}）已生成，请通过以下链接下载"
            f"（{expires} UTC 前有效，请勿转发给他人）：\n{link['download_url']}")
    event = handoff_queue.record_agent_message(backend, principal, ticket.id, text, usage=None,
                                               action="send_export_link", wechat_apps=wechat_apps)
    return {"request_id": ready[0]["id"], "event": event}


def _require_verified(backend: Backend, ticket: HandoffTicket) -> None:
    """Acting on requests needs the same proof the bot needs: a code verified in this conversation
    (or, on WeChat, the openid bound to the account)."""
    with backend.sessions() as session:
        subject = identity.optional_subject(backend, session, ticket.app_id, credentials_of(ticket))
    if subject is None or not (subject.otp_verified or subject.method == "wechat_openid"):
        raise IdentityRequired(IDENTITY_REQUIRED)
