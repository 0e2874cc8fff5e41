"""Verified conversations: which user a one-time code proved, for which conversation, until when.

The identity a code proves lives here, on the server, keyed by (app, conversation id) — never in
the conversation's own state, where a message could set it or a stored tracker would keep a
credential. Only the service-token holder (the action server) names a conversation, and it only
names conversations its channel authenticated. A WeChat openid that proved a phone is bound to
that user as well, so later conversations from the same WeChat user know who it is.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.backend.models import ConversationIdentity, IdentityBinding, User
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, Backend

VERIFIED_CONVERSATION_TTL = timedelta(minutes=15)


def verified_user_id(backend: Backend, session: Session, app_id: str,
                     conversation_id: str | None) -> str | None:
    """The user a code proved in this conversation within the last 15 minutes, if any."""
    if not conversation_id:
        return None
    row = session.get(ConversationIdentity, (app_id, conversation_id))
    if row is None or row.expires_at <= backend.now():
        return None
    return row.user_id


def verified_phone_matches(backend: Backend, session: Session, app_id: str,
                           conversation_id: str | None, phone: str) -> User | None:
    """The conversation's verified user if ``phone`` is that user's phone (no new code needed)."""
    user_id = verified_user_id(backend, session, app_id, conversation_id)
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.phone == phone and user.status == "active" else None


def bind_conversation(backend: Backend, session: Session, *, app_id: str, conversation_id: str,
                      user: User, challenge_id: str, actor: Actor) -> None:
    """The code of ``challenge_id`` proved ``user`` in this conversation (replacing any earlier
    identity: a new phone proven is the conversation's user from now on)."""
    now = backend.now()
    row = session.get(ConversationIdentity, (app_id, conversation_id))
    if row is None:
        row = ConversationIdentity(app_id=app_id, conversation_id=conversation_id)
        session.add(row)
    row.user_id, row.challenge_id = user.id, challenge_id
    row.verified_at, row.expires_at = now, now + VERIFIED_CONVERSATION_TTL
    record(session, entity_type="conversation", entity_id=challenge_id, action="conversation.verified",
           actor=actor, at=now, user_id=user.id)


def bind_wechat_openid(backend: Backend, session: Session, *, app_id: str, openid: str, user: User,
                       actor: Actor) -> None:
    """The WeChat user ``openid`` proved ``user``'s phone: from now on the openid is that user."""
    binding = session.execute(select(IdentityBinding).where(
        IdentityBinding.app_id == app_id, IdentityBinding.kind == "wechat_openid",
        IdentityBinding.value == openid)).scalar_one_or_none()
    if binding is not None and binding.user_id == user.id:
        return
    if binding is None:
        binding = IdentityBinding(app_id=app_id, kind="wechat_openid", value=openid,
                                  created_at=backend.now())
        session.add(binding)
    binding.user_id = user.id
    record(session, entity_type="binding", entity_id=user.id, action="binding.wechat_openid",
           actor=actor, at=backend.now())


def forget_user(session: Session, user_id: str) -> int:
    """Erasure: the user's verified conversations go with the person."""
    return session.execute(delete(ConversationIdentity).where(ConversationIdentity.user_id == user_id)
                           .execution_options(synchronize_session=False)).rowcount
