"""One-time codes on their way to the phone: an outbox, so filing never waits on the SMS gateway.

The transaction that creates a code writes an ``SmsMessage`` (phone and text encrypted) and
nothing else about sending. Once it has committed, the message is sent (``send_now``: right away,
outside any transaction); if the gateway is slow or down, or the process dies first, the worker
sends it (``deliver_due``). Each attempt leases the row with a conditional UPDATE, so two
processes never send the same message; the text and phone are wiped once sent. A code that has
expired by the time it could be sent is not sent at all.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.backend import security
from bot.backend.models import SmsMessage
from bot.backend.services.context import Backend

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
RETRY_SECONDS = (2, 5, 15, 30, 60)
MAX_ATTEMPTS = len(RETRY_SECONDS) + 1


def queue_code(backend: Backend, session: Session, *, app_id: str, challenge_id: str, phone: str,
               phone_hash: str, message: str, expires_at: datetime) -> str:
    """Put a code's text in the outbox (in the caller's transaction); sent once it commits."""
    secret, now = backend.settings.secret_key, backend.now()
    message_id = "SM" + secrets.token_urlsafe(18)
    session.add(SmsMessage(id=message_id, app_id=app_id, challenge_id=challenge_id, phone_hash=phone_hash,
                           destination_masked=security.mask_phone(phone),
                           phone_encrypted=security.encrypt(secret, phone),
                           body_encrypted=security.encrypt(secret, message), status="pending",
                           attempts=0, next_attempt_at=now, expires_at=expires_at, created_at=now))
    after_commit(session, lambda: send_now(backend, message_id))
    return message_id


def after_commit(session: Session, task) -> None:
    """Run ``task`` once the session's transaction has committed (``Backend.transaction``)."""
    session.info.setdefault("after_commit", []).append(task)


def send_now(backend: Backend, message_id: str) -> bool:
    """Try to send one message now; False if it is left for a retry (never raises)."""
    try:
        claimed = _claim(backend, message_id)
        if claimed is None:
            return False
        error = _send(backend, claimed)
        _record_attempt(backend, message_id, error)
        return error is None
    except Exception:  # the worker retries: sending must never fail the call that filed
        log.exception("SMS %s could not be sent now; the worker will retry", message_id)
        return False


def deliver_due(backend: Backend, limit: int = 100) -> int:
    """The worker's pass: every message that is due (new, retrying, or leased by a dead process)."""
    now = backend.now()
    with backend.sessions() as session:
        due = session.execute(select(SmsMessage.id).where(
            SmsMessage.status == "pending", SmsMessage.next_attempt_at <= now)
            .order_by(SmsMessage.next_attempt_at).limit(limit)).scalars().all()
    return sum(send_now(backend, message_id) for message_id in due)


def _claim(backend: Backend, message_id: str) -> SmsMessage | None:
    now = backend.now()
    with backend.transaction() as session:
        claimed = session.execute(
            update(SmsMessage)
            .where(SmsMessage.id == message_id, SmsMessage.status == "pending",
                   SmsMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)).rowcount
        return session.get(SmsMessage, message_id) if claimed == 1 else None


def _send(backend: Backend, message: SmsMessage) -> str | None:
    """Hand one message to the adapter; the error text, or None once it is accepted."""
    if message.expires_at <= backend.now():
        return "expired"
    secret = backend.settings.secret_key
    phone, body = security.decrypt(secret, message.phone_encrypted or ""), \
        security.decrypt(secret, message.body_encrypted or "")
    if phone is None or body is None:
        return "unreadable"
    try:
        backend.sms_sender.send(backend, app_id=message.app_id, challenge_id=message.challenge_id,
                                phone=phone, phone_hash=message.phone_hash, message=body, at=backend.now())
    except Exception as exc:  # the adapter says why in its own log line
        return type(exc).__name__
    return None


def _record_attempt(backend: Backend, message_id: str, error: str | None) -> None:
    now = backend.now()
    with backend.transaction() as session:
        message = session.get(SmsMessage, message_id)
        message.attempts += 1
        if error is None:
            message.status, message.sent_at, message.last_error = "sent", now, None
        elif error in ("expired", "unreadable") or message.attempts >= MAX_ATTEMPTS:
            message.status, message.last_error = "failed", error
            log.error("SMS %s for challenge %s not sent: %s", message.id, message.challenge_id, error)
        else:
            message.last_error = error
            message.next_attempt_at = now + timedelta(seconds=RETRY_SECONDS[message.attempts - 1])
            log.warning("SMS %s attempt %d failed (%s); retrying", message.id, message.attempts, error)
            return
        message.phone_encrypted = message.body_encrypted = None
