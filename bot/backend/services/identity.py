"""Who the user is: host-app tokens, WeChat openids, verified conversations, one-time codes.

A one-time code is 6 digits, stored only as an HMAC, valid 5 minutes, with 5 attempts; the fifth
wrong attempt locks the challenge for good, and a resend keeps the count. Limits are per *phone*,
across challenges and apps: at most ``codes_per_phone_per_hour`` codes an hour, and at most
``MAX_WRONG_CODES_PER_HOUR`` / ``MAX_WRONG_CODES_PER_DAY`` wrong guesses — after that no new
challenge starts and open ones are locked. Whether a phone belongs to a user is only said after
its code was verified.

A verified code proves the user for the conversation that asked (``ConversationIdentity``, see
``bot.backend.services.conversations``) or, for API callers without a conversation, through a
short-lived identity token.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from bot.backend import security
from bot.identifiers import normalise_phone
from bot.backend.errors import (
    ChallengeLocked, ChallengeUsed, CodeExpired, InvalidCode, InvalidSubjectToken, NotFound,
    RateLimited, ValidationFailed,
)
from bot.backend.models import App, IdentityBinding, User, VerificationChallenge
from bot.backend.services import sms
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, AppTerms, Backend
from bot.backend.services.conversations import verified_user_id
from bot.backend.services.delivery import code_message

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_SENDS = 4  # the first send and 3 resends
RESEND_INTERVAL = timedelta(seconds=60)
MAX_WRONG_CODES_PER_HOUR = 5
MAX_WRONG_CODES_PER_DAY = 10


@dataclass(frozen=True)
class Subject:
    """The user a call is made for, and whether a one-time code proved it within 15 minutes."""

    user: User
    otp_verified: bool
    method: str  # user_token | identity_token | wechat_openid | conversation

    @property
    def actor(self) -> Actor:
        return Actor("user", self.user.id)


@dataclass(frozen=True)
class Credentials:
    """What the caller (the service-token holder) says about the user behind a call.

    ``conversation_id`` is the conversation the call is made for: the channel authenticated it,
    and a code verified in it proves its user (``ConversationIdentity``) for a while.
    """

    user_token: str | None = None
    identity_token: str | None = None
    wechat_openid: str | None = None
    conversation_id: str | None = None

    def __bool__(self) -> bool:
        return bool(self.user_token or self.identity_token or self.wechat_openid or self.conversation_id)


def _active_user(session: Session, user_id: str | None, app_id: str) -> User | None:
    user = session.get(User, user_id) if user_id else None
    if user is None or user.app_id != app_id or user.status != "active":
        return None
    return user


def user_by_binding(session: Session, app_id: str, kind: str, value: str) -> User | None:
    binding = session.execute(select(IdentityBinding).where(
        IdentityBinding.app_id == app_id, IdentityBinding.kind == kind,
        IdentityBinding.value == value)).scalar_one_or_none()
    return _active_user(session, binding.user_id, app_id) if binding else None


def resolve_subject(backend: Backend, session: Session, app_id: str, creds: Credentials) -> Subject:
    """The user behind the credentials; raises InvalidSubjectToken if they prove nobody.

    A host-app token or a bound openid names the user; a code verified in this conversation for
    that same user makes the subject ``otp_verified``. Without either, the conversation's verified
    identity alone names the user (an anonymous user who gave their phone and its code).
    """
    if creds.identity_token:
        return _identity_token_subject(backend, session, app_id, creds.identity_token)
    proven_user_id = (verified_user_id(backend, session, app_id, creds.conversation_id)
                      if creds.conversation_id else None)
    named = _named_user(backend, session, app_id, creds)
    if named is not None:
        user, method = named
        return Subject(user, otp_verified=proven_user_id == user.id, method=method)
    if proven_user_id is not None:
        user = _active_user(session, proven_user_id, app_id)
        if user is not None:
            return Subject(user, otp_verified=True, method="conversation")
    if creds.wechat_openid:
        raise InvalidSubjectToken("该微信用户未绑定账号 (openid not bound to an account)")
    if creds.conversation_id:
        raise InvalidSubjectToken("本会话尚未验证身份或验证已过期 (conversation not verified)")
    raise InvalidSubjectToken("需要用户令牌、身份令牌或微信 openid (no subject credentials)")


def optional_subject(backend: Backend, session: Session, app_id: str,
                     creds: Credentials) -> Subject | None:
    """The user if the credentials prove one, else None (tickets may be anonymous)."""
    try:
        return resolve_subject(backend, session, app_id, creds) if creds else None
    except InvalidSubjectToken:
        return None


def _identity_token_subject(backend: Backend, session: Session, app_id: str, token: str) -> Subject:
    try:
        identity = security.verify_identity_token(token, app_id, backend.settings.secret_key)
    except security.TokenError as exc:
        raise InvalidSubjectToken(str(exc)) from exc
    user = _active_user(session, identity.user_id, app_id)
    if user is None:
        raise InvalidSubjectToken("身份令牌对应的用户不存在 (no such user)")
    return Subject(user, otp_verified=True, method="identity_token")


def _named_user(backend: Backend, session: Session, app_id: str,
                creds: Credentials) -> tuple[User, str] | None:
    """The user a host-app token or a bound openid names (a bad token raises)."""
    if creds.user_token:
        try:
            host_user = security.verify_host_token(creds.user_token, app_id,
                                                   backend.settings.host_token_secret(app_id))
        except security.TokenError as exc:
            raise InvalidSubjectToken(str(exc)) from exc
        user = user_by_binding(session, app_id, "app_user_id", host_user.app_user_id)
        if user is None:
            raise InvalidSubjectToken("用户令牌对应的用户不存在 (no such user)")
        return user, "user_token"
    if creds.wechat_openid:
        user = user_by_binding(session, app_id, "wechat_openid", creds.wechat_openid)
        return (user, "wechat_openid") if user is not None else None
    return None


def phone_hash(backend: Backend, app_id: str, phone: str) -> str:
    """The phone within one app (what the app's records are looked up by)."""
    return security.keyed_hash(backend.settings.secret_key, "phone", app_id, phone)


def phone_key(backend: Backend, phone: str) -> str:
    """The phone across apps (what sending and guessing limits count by)."""
    return security.keyed_hash(backend.settings.secret_key, "phone-any-app", phone)


def require_phone(raw: object) -> str:
    phone = normalise_phone(raw) if isinstance(raw, str) else None
    if phone is None:
        raise ValidationFailed("手机号格式不正确，应为 11 位中国大陆手机号 (invalid phone number)",
                               field="phone")
    return phone


# Prebuilt statements for the filing path (no per-call construction or cache-key generation).
_SINCE = bindparam("since", type_=VerificationChallenge.last_sent_at.type)
_CODES_SENT = select(func.coalesce(func.sum(VerificationChallenge.sends), 0)).where(
    VerificationChallenge.phone_key == bindparam("phone_key"), VerificationChallenge.last_sent_at >= _SINCE)
# wrong guesses: every attempt except the one that verified
_WRONG_GUESSES = select(func.coalesce(func.sum(
    VerificationChallenge.attempts - case((VerificationChallenge.status == "verified", 1), else_=0)), 0)).where(
    VerificationChallenge.phone_key == bindparam("phone_key"),
    VerificationChallenge.created_at >= bindparam("since", type_=VerificationChallenge.created_at.type))
_SENT_AND_OWNER = select(
    _CODES_SENT.scalar_subquery().label("sent"),
    select(User.id).where(User.app_id == bindparam("app_id"), User.phone == bindparam("phone"),
                          User.status == "active").scalar_subquery().label("owner"))
_INSERT_CHALLENGE = insert(VerificationChallenge)


def _rate_error() -> RateLimited:
    return RateLimited("该手机号获取验证码过于频繁，请一小时后再试 (too many codes for this phone)")


def _guess_error() -> RateLimited:
    return RateLimited("该手机号验证码错误次数过多，请稍后再试 (too many wrong codes for this phone)")


def _check_phone_rate(backend: Backend, session: Session, key: str) -> None:
    since = backend.now() - timedelta(hours=1)
    if session.execute(_CODES_SENT, {"phone_key": key, "since": since}).scalar_one() \
            >= backend.codes_per_phone_per_hour:
        raise _rate_error()


def guesses_exhausted(backend: Backend, session: Session, key: str | None) -> bool:
    """Whether the phone has used up its wrong guesses for the hour or the day."""
    if key is None:
        return False
    now = backend.now()
    for window, limit in ((timedelta(hours=1), MAX_WRONG_CODES_PER_HOUR),
                          (timedelta(days=1), MAX_WRONG_CODES_PER_DAY)):
        if session.execute(_WRONG_GUESSES, {"phone_key": key, "since": now - window}).scalar_one() >= limit:
            return True
    return False


def _new_code(backend: Backend, challenge_id: str) -> tuple[str, str]:
    """A fresh code and its keyed hash (only the hash is stored)."""
    code = security.new_code()
    return code, security.keyed_hash(backend.settings.secret_key, "code", challenge_id, code)


def _deliver(backend: Backend, session: Session, app: App | AppTerms, challenge_id: str,
             phone: str, hashed: str, code: str) -> None:
    """Queue the code's SMS in this transaction; it is sent once the transaction commits."""
    sms.queue_code(backend, session, app_id=app.id, challenge_id=challenge_id, phone=phone,
                   phone_hash=hashed, message=code_message(app.name, code),
                   expires_at=backend.now() + CODE_TTL)


def start_challenge(backend: Backend, session: Session, app: App | AppTerms, phone: str, *,
                    user: User | None, request_id: str | None, actor: Actor) -> VerificationChallenge:
    """Send a code to ``phone``. ``user`` is who owns the phone in this app, if anyone (kept secret).

    Written with Core statements (it is on the filing path); returns a transient object for views."""
    hashed, key = phone_hash(backend, app.id, phone), phone_key(backend, phone)
    now = backend.now()
    sent, owner = session.execute(_SENT_AND_OWNER, {
        "phone_key": key, "since": now - timedelta(hours=1), "app_id": app.id,
        "phone": phone}).one()
    if sent >= backend.codes_per_phone_per_hour:
        raise _rate_error()
    if guesses_exhausted(backend, session, key):
        raise _guess_error()
    challenge_id = "VC" + secrets.token_urlsafe(18)
    code, code_hash = _new_code(backend, challenge_id)
    values = dict(
        id=challenge_id, app_id=app.id, request_id=request_id, user_id=user.id if user else owner,
        phone_hash=hashed, phone_key=key, phone_encrypted=security.encrypt(backend.settings.secret_key, phone),
        destination_masked=security.mask_phone(phone), status="active", attempts=0,
        max_attempts=MAX_ATTEMPTS, sends=1, created_at=now, last_sent_at=now, expires_at=now + CODE_TTL,
        code_hash=code_hash)
    session.execute(_INSERT_CHALLENGE, values)
    record(session, entity_type="challenge", entity_id=challenge_id, action="challenge.sent",
           actor=actor, at=now, to_status="active", request_id=request_id)
    _deliver(backend, session, app, challenge_id, phone, hashed, code)
    return VerificationChallenge(**values)


def challenge_view(challenge: VerificationChallenge, now) -> dict:
    return {
        "challenge_id": challenge.id,
        "destination": challenge.destination_masked,
        "expires_at": challenge.expires_at.isoformat(),
        "attempts_left": max(challenge.max_attempts - challenge.attempts, 0),
        "resends_left": max(MAX_SENDS - challenge.sends, 0),
        "resend_available_at": (challenge.last_sent_at + RESEND_INTERVAL).isoformat(),
        "status": "expired" if challenge.status == "active" and challenge.expires_at <= now
        else challenge.status,
    }


def load_challenge(session: Session, challenge_id: object, lock: bool = True) -> VerificationChallenge:
    if not isinstance(challenge_id, str) or not challenge_id.startswith("VC") or len(challenge_id) > 32:
        raise NotFound("验证请求不存在 (no such verification)")
    query = select(VerificationChallenge).where(VerificationChallenge.id == challenge_id)
    challenge = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if challenge is None:
        raise NotFound("验证请求不存在 (no such verification)")
    return challenge


def resend(backend: Backend, challenge_id: str, actor: Actor) -> dict:
    with backend.transaction() as session:
        challenge = load_challenge(session, challenge_id)
        if challenge.status == "locked":
            raise ChallengeLocked("验证码错误次数过多，本次验证已锁定 (challenge locked)")
        if challenge.status == "verified":
            raise ChallengeUsed("该验证已完成 (challenge already verified)")
        now = backend.now()
        if challenge.sends >= MAX_SENDS:
            raise RateLimited("重发次数已用完 (no resends left)", resends_left=0)
        wait = challenge.last_sent_at + RESEND_INTERVAL - now
        if wait.total_seconds() > 0:
            raise RateLimited("请稍后再获取验证码 (resend too soon)",
                              retry_after_seconds=int(wait.total_seconds()) + 1)
        if challenge.phone_key:
            _check_phone_rate(backend, session, challenge.phone_key)
            if guesses_exhausted(backend, session, challenge.phone_key):
                raise _guess_error()
        phone = security.decrypt(backend.settings.secret_key, challenge.phone_encrypted or "")
        if phone is None:
            raise ChallengeUsed("该验证已结束 (challenge closed)")
        app = session.get(App, challenge.app_id)
        challenge.sends += 1  # attempts carry over: a resend is not a fresh set of guesses
        challenge.last_sent_at = now
        challenge.expires_at = now + CODE_TTL
        code, challenge.code_hash = _new_code(backend, challenge.id)
        record(session, entity_type="challenge", entity_id=challenge.id, action="challenge.resent",
               actor=actor, at=now, from_status="active", to_status="active", sends=challenge.sends)
        session.flush()
        _deliver(backend, session, app, challenge.id, phone, challenge.phone_hash, code)
        return challenge_view(challenge, now)


def verify_code(backend: Backend, session: Session, challenge: VerificationChallenge, code: object,
                actor: Actor) -> BaseException | None:
    """Check ``code`` and update the challenge. Returns the error to raise *after* commit, so a
    wrong attempt is counted even though the call fails."""
    if not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        return ValidationFailed("验证码应为 6 位数字 (code must be 6 digits)", field="code")
    now = backend.now()
    if challenge.status == "locked":
        return ChallengeLocked("验证码错误次数过多，本次验证已锁定 (challenge locked)")
    if challenge.status == "verified":
        return ChallengeUsed("该验证码已使用 (code already used)")
    if challenge.expires_at <= now:
        return CodeExpired("验证码已过期，请重新获取 (code expired)",
                           resends_left=max(MAX_SENDS - challenge.sends, 0))
    if guesses_exhausted(backend, session, challenge.phone_key):
        return _lock(session, challenge, actor, now)
    challenge.attempts += 1
    expected = challenge.code_hash
    given = security.keyed_hash(backend.settings.secret_key, "code", challenge.id, code)
    if security.constant_time_equal(expected, given):
        challenge.status, challenge.verified_at = "verified", now
        challenge.phone_encrypted = None
        record(session, entity_type="challenge", entity_id=challenge.id, action="challenge.verified",
               actor=actor, at=now, from_status="active", to_status="verified")
        return None
    left = challenge.max_attempts - challenge.attempts
    if left <= 0:
        return _lock(session, challenge, actor, now)
    record(session, entity_type="challenge", entity_id=challenge.id, action="challenge.failed_attempt",
           actor=actor, at=now, attempts=challenge.attempts)
    return InvalidCode(left)


def _lock(session: Session, challenge: VerificationChallenge, actor: Actor, now) -> ChallengeLocked:
    challenge.status, challenge.phone_encrypted = "locked", None
    record(session, entity_type="challenge", entity_id=challenge.id, action="challenge.locked",
           actor=actor, at=now, from_status="active", to_status="locked", attempts=challenge.attempts)
    return ChallengeLocked("验证码错误次数过多，本次验证已锁定 (challenge locked)")


def issue_identity(backend: Backend, user: User) -> dict:
    token, exp = security.issue_identity_token(user.app_id, user.id, backend.settings.secret_key)
    return {"identity_token": token, "expires_in": security.IDENTITY_TOKEN_TTL_SECONDS,
            "destination": security.mask_phone(user.phone) if user.phone else None}
