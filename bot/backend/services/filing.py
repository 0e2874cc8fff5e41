"""Filing requests and confirming identity with a one-time code.

Idempotency has two layers, both enforced by unique constraints so that concurrent identical calls
cannot both insert: the client's ``Idempotency-Key`` (same key and body → the same request; same
key, different body → 409), and the *open key* (subject + type + scope, NULL once closed), so the
same open request is never filed twice even under different keys. The insert is
``INSERT … ON CONFLICT DO NOTHING``: the loser of a race inserts nothing, then reads the winner's
request (the database makes it wait for the winner's commit).
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import and_, bindparam, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backend import security
from bot.backend.config import (
    AUTOMATIC_DELETION_CATEGORIES, CHANNELS, DELETABLE_CATEGORIES, EXPORT_CATEGORIES,
)
from bot.backend.errors import (
    ChallengeLocked, IdempotencyKeyReused, InvalidSubjectToken, PhoneNotRegistered, ValidationFailed,
)
from bot.backend.ids import new_request_id
from bot.backend.models import App, PrivacyRequest, User, VerificationChallenge
from bot.backend.services import conversations, identity, lifecycle
from bot.backend.services.audit import record
from bot.backend.services.context import SERVICE, Actor, AppTerms, Backend
from bot.backend.services.identity import Credentials, MAX_SENDS
from bot.backend.services.queries import request_view


def normalize_scope(type_: str, categories: list | None, channels: list | None) -> tuple[list, list]:
    categories, channels = sorted(set(categories or [])), sorted(set(channels or []))
    if type_ == "info_deletion":
        if not categories:
            raise ValidationFailed("删除个人信息需要指明信息类别 (categories required)", field="categories",
                                   allowed=list(DELETABLE_CATEGORIES))
        _check_members(categories, DELETABLE_CATEGORIES, "categories")
    elif type_ == "data_export":
        _check_members(categories, EXPORT_CATEGORIES, "categories")
    elif categories:
        raise ValidationFailed(f"{type_} 不接受 categories (categories not allowed)", field="categories")
    if type_ == "unsubscribe":
        if not channels:
            raise ValidationFailed("退订需要指明渠道 (channels required)", field="channels",
                                   allowed=list(CHANNELS))
        _check_members(channels, CHANNELS, "channels")
    elif channels:
        raise ValidationFailed(f"{type_} 不接受 channels (channels not allowed)", field="channels")
    return categories, channels


def _check_members(values: list, allowed: tuple, field: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationFailed(f"未知的{field}: {', '.join(map(str, unknown))}", field=field,
                               allowed=list(allowed))


def _by_open_key(session: Session, open_key: str) -> PrivacyRequest | None:
    return session.execute(select(PrivacyRequest).where(
        PrivacyRequest.open_key == open_key)).scalar_one_or_none()


def _open_key(who: str, type_: str, categories: list, channels: list) -> str:
    scope = ",".join(categories or channels) or "*"
    return f"{who}|{type_}|{scope}"


def _latest_challenge(session: Session, request_id: str) -> VerificationChallenge | None:
    return session.execute(select(VerificationChallenge).where(
        VerificationChallenge.request_id == request_id)
        .order_by(VerificationChallenge.created_at.desc()).limit(1)).scalar_one_or_none()


def _reuse(backend: Backend, session: Session, existing: PrivacyRequest, app: AppTerms,
           phone: str | None) -> dict:
    """An already-filed request: hand it back, with a usable challenge if it awaits a code."""
    challenge = None
    if existing.status == "identity_unverified":
        challenge = _latest_challenge(session, existing.id)
        spent = challenge is None or (challenge.expires_at <= backend.now()
                                      and challenge.sends >= MAX_SENDS)
        owner = session.get(User, existing.user_id) if existing.user_id else None
        phone = owner.phone if owner else phone
        if spent and phone:
            challenge = identity.start_challenge(backend, session, app, phone, user=owner,
                                                 request_id=existing.id, actor=SERVICE)
    return request_view(backend, session, existing, challenge=challenge)


def file_request(backend: Backend, *, app_id: str, type_: str, categories: list | None,
                 channels: list | None, phone: str | None, idempotency_key: str,
                 creds: Credentials, require_verified: bool = False,
                 requested_by: Actor | None = None) -> tuple[dict, bool]:
    """File a request; returns its view and whether it was newly created.

    ``requested_by``: who filed it for the user (an agent), recorded in the same audit event.

    ``require_verified``: the caller has had the user enter a code already, so a subject that is
    not proven by one (an identity that expired meanwhile) is refused and nothing is filed,
    instead of filing a request that waits for another code."""
    categories, channels = normalize_scope(type_, categories, channels)
    for _ in range(3):
        try:
            return _file_once(backend, app_id, type_, categories, channels, phone, idempotency_key, creds,
                              require_verified, requested_by)
        except _ConflictVanished:
            continue  # the request we collided with closed meanwhile: file again
    raise RuntimeError("filing kept colliding with requests that closed meanwhile")


class _ConflictVanished(Exception):
    pass


_FILED_COLUMNS = [c for c in PrivacyRequest.__table__.columns if c.name in (
    "id", "app_id", "user_id", "type", "status", "categories", "channels", "idempotency_key",
    "fingerprint", "open_key", "created_at", "updated_at", "deadline_days", "deadline_working_days",
    "deadline_is_default", "needs_operator")]
# INSERT … ON CONFLICT DO NOTHING: a duplicate (same idempotency key, or same open request, also
# one being inserted concurrently) inserts nothing instead of failing the transaction. The same
# SQL works on PostgreSQL and SQLite; written as text because SQLAlchemy 1.4 cannot cache the
# dialect-specific on_conflict constructs (it would recompile them on every filing).
_INSERT_IF_NEW = text(
    f"INSERT INTO privacy_requests ({', '.join(c.name for c in _FILED_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c.name for c in _FILED_COLUMNS)}) ON CONFLICT DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in _FILED_COLUMNS))


def _file_once(backend: Backend, app_id: str, type_: str, categories: list, channels: list,
               phone: str | None, idempotency_key: str, creds: Credentials,
               require_verified: bool, requested_by: Actor | None) -> tuple[dict, bool]:
    with backend.transaction() as session:
        app = backend.app_terms(session, app_id)
        subject = identity.resolve_subject(backend, session, app.id, creds) if creds else None
        if require_verified and not (subject and (subject.otp_verified or type_ == "unsubscribe")):
            raise InvalidSubjectToken("身份验证已过期，请重新验证 (no verified identity for this request)")
        if subject is None:
            if phone is None:
                raise ValidationFailed("需要用户身份：X-User-Token、X-Identity-Token、X-Wechat-Openid "
                                       "或手机号 phone (no subject)", field="phone")
            phone = identity.require_phone(phone)
        elif subject.user.phone is None and not subject.otp_verified and type_ != "unsubscribe":
            raise ValidationFailed("该账号未绑定手机号，无法发送验证码 (no bound phone)")
        who = subject.user.id if subject else "anon:" + identity.phone_hash(backend, app.id, phone)
        fingerprint = hashlib.sha256(json.dumps(
            [app.id, type_, categories, channels, who]).encode()).hexdigest()
        open_key = _open_key(who, type_, categories, channels)
        now = backend.now()
        days, working_days, is_default = app.deadline_for(type_)
        values = dict(
            id=new_request_id(), app_id=app.id, user_id=subject.user.id if subject else None,
            type=type_, status="identity_unverified", categories=categories, channels=channels,
            idempotency_key=idempotency_key, fingerprint=fingerprint, open_key=open_key,
            created_at=now, updated_at=now, deadline_days=days, deadline_working_days=working_days,
            deadline_is_default=is_default,
            needs_operator=any(c not in AUTOMATIC_DELETION_CATEGORIES for c in categories)
            if type_ == "info_deletion" else False)
        inserted = session.execute(_INSERT_IF_NEW, values).rowcount
        if not inserted:
            existing = _find_existing(session, app.id, idempotency_key, fingerprint, open_key)
            if existing is None:
                raise _ConflictVanished()
            return _reuse(backend, session, existing, app, phone), False
        actor = subject.actor if subject else SERVICE
        record(session, entity_type="request", entity_id=values["id"], action="request.filed",
               actor=requested_by or actor, at=now, to_status="identity_unverified",
               type=type_, via=subject.method if subject else "phone",
               **({"for_user": subject.user.id} if requested_by and subject else {}))
        if subject and (subject.otp_verified or type_ == "unsubscribe"):
            request = session.get(PrivacyRequest, values["id"])
            lifecycle.mark_verified(backend, session, request, subject.user, actor)
            return request_view(backend, session, request), True
        challenge = identity.start_challenge(
            backend, session, app, subject.user.phone if subject else phone,
            user=subject.user if subject else None, request_id=values["id"], actor=actor)
        # The view is built from the inserted values: no need to load the row back.
        return request_view(backend, session, PrivacyRequest(**values), challenge=challenge), True


_SAME_KEY = and_(PrivacyRequest.app_id == bindparam("app_id"),
                 PrivacyRequest.idempotency_key == bindparam("key"))
# Built once: the filing path is hot, and a prebuilt statement skips construction and cache keys.
_FIND_EXISTING = select(PrivacyRequest.id, PrivacyRequest.fingerprint, _SAME_KEY.label("by_key")).where(
    or_(_SAME_KEY, PrivacyRequest.open_key == bindparam("open_key")))


def _find_existing(session: Session, app_id: str, key: str, fingerprint: str,
                   open_key: str) -> PrivacyRequest | None:
    """The request filed under this idempotency key, else the open request with this open key."""
    found = session.execute(_FIND_EXISTING, {"app_id": app_id, "key": key, "open_key": open_key}).all()
    if not found:  # the common case, answered without loading an entity
        return None
    by_key = [row for row in found if row.by_key]
    if by_key and by_key[0].fingerprint != fingerprint:
        raise IdempotencyKeyReused("该幂等键已用于另一份不同的申请 (Idempotency-Key reused "
                                   "with a different request)", request_id=by_key[0].id)
    return session.get(PrivacyRequest, (by_key or found)[0].id)


def start_verification(backend: Backend, *, app_id: str, phone: str | None,
                       creds: Credentials) -> dict:
    """Send a code to the named user's bound phone, or to ``phone`` (a user who gives one).

    A phone that the conversation has already proven is not sent another code: the answer says
    ``already_verified``. Any other phone gets a new challenge, even in a verified conversation —
    a different phone is a different person until its code says otherwise."""
    with backend.transaction() as session:
        app = backend.app_terms(session, app_id)
        if phone is not None:
            user, phone = None, identity.require_phone(phone)
            proven = conversations.verified_phone_matches(backend, session, app.id,
                                                          creds.conversation_id, phone)
            if proven is not None:
                return {"already_verified": True, "destination": security.mask_phone(phone)}
        elif creds:
            user = identity.resolve_subject(backend, session, app.id, creds).user
            if not user.phone:
                raise ValidationFailed("该账号未绑定手机号，无法发送验证码 (no bound phone)")
            phone = user.phone
        else:
            raise ValidationFailed("需要手机号 phone 或用户身份 (phone or subject required)", field="phone")
        challenge = identity.start_challenge(backend, session, app, phone, user=user,
                                             request_id=None, actor=SERVICE)
        return identity.challenge_view(challenge, backend.now())


def check_code(backend: Backend, challenge_id: str, code: object,
               creds: Credentials = Credentials()) -> dict:
    """Verify a code. On success the linked request moves on, and the user is proven: for the
    conversation in ``creds`` (and its WeChat openid, bound to the user) if one is named,
    otherwise by a short-lived identity token in the answer."""
    with backend.transaction() as session:
        challenge = identity.load_challenge(session, challenge_id)
        error = identity.verify_code(backend, session, challenge, code, SERVICE)
        request = session.get(PrivacyRequest, challenge.request_id) if challenge.request_id else None
        waiting = request is not None and request.status == "identity_unverified"
        result = None
        if isinstance(error, ChallengeLocked) and waiting:
            lifecycle.reject(backend, session, request, SERVICE,
                             "验证码错误次数过多，身份验证失败，申请已关闭。如需继续请重新提交。")
        elif error is None:
            user = session.get(User, challenge.user_id) if challenge.user_id else None
            if user is None or user.status != "active":
                app = session.get(App, challenge.app_id)
                error = PhoneNotRegistered(
                    f"验证成功，但该手机号未注册{app.name}账号，无法办理 (phone not registered with this app)")
                if waiting:
                    lifecycle.reject(backend, session, request, SERVICE,
                                     f"该手机号未注册{app.name}账号。")
            else:
                result = {"verified": True, **_prove(backend, session, challenge, user, creds)}
                if request is not None:
                    if waiting:
                        request = _verify_request(backend, session, request, user)
                    result["request"] = request_view(backend, session, request)
    if error is not None:
        raise error
    return result


def _prove(backend: Backend, session: Session, challenge: VerificationChallenge, user: User,
           creds: Credentials) -> dict:
    if not creds.conversation_id:
        return identity.issue_identity(backend, user)
    conversations.bind_conversation(backend, session, app_id=user.app_id,
                                    conversation_id=creds.conversation_id, user=user,
                                    challenge_id=challenge.id, actor=SERVICE)
    if creds.wechat_openid:
        conversations.bind_wechat_openid(backend, session, app_id=user.app_id,
                                         openid=creds.wechat_openid, user=user, actor=SERVICE)
    return {"expires_in": int(conversations.VERIFIED_CONVERSATION_TTL.total_seconds()),
            "destination": security.mask_phone(user.phone) if user.phone else None}


def _verify_request(backend: Backend, session: Session, request: PrivacyRequest,
                    user: User) -> PrivacyRequest:
    """Bind an anonymous request to its now-known user, unless that user already has it open."""
    actor = identity.Subject(user, True, "otp").actor
    if request.user_id is None:
        open_key = _open_key(user.id, request.type, request.categories, request.channels)
        duplicate = _by_open_key(session, open_key)
        if duplicate is None:
            try:
                with session.begin_nested():
                    request.open_key = open_key
            except IntegrityError:
                duplicate = _by_open_key(session, open_key)
        if duplicate is not None:
            request.user_id = user.id
            lifecycle.transition(backend, session, request, "cancelled", actor,
                                 reason=f"与已提交的申请 {duplicate.id} 重复", duplicate_of=duplicate.id)
            return duplicate
    lifecycle.mark_verified(backend, session, request, user, actor)
    return request
