"""The worker: moves requests along and keeps the promises the API made.

Each pass (every ``BACKEND_WORKER_INTERVAL`` seconds):
1. closes requests whose identity was not verified within a day (rejected, with the reason);
2. starts pending requests that need no operator review (``BACKEND_MANUAL_REVIEW`` lists the
   types that do; a deletion of data the backend does not hold always does);
3. executes in-progress requests whose cooling-off period is over (exports, deletions, erasure),
   except those the app's operators carry out and complete themselves;
4. delivers due webhooks, retrying with backoff, and SMS codes not sent right after their commit;
5. housekeeping: expired export files and those a crash left half-published, old dev-outbox
   messages and finished challenges, and transaction records past their 3-year retention.

Several workers may run at once: requests are claimed with row locks (``SKIP LOCKED`` on
PostgreSQL; SQLite serialises writers) and webhooks with a lease.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

from sqlalchemy import delete, or_, select, true

from bot.backend.models import (
    DevOutboxMessage, ExportArtefact, Invoice, Order, PrivacyRequest, SmsMessage, VerificationChallenge,
)
from bot.backend.services import exports, lifecycle, sms, webhooks
from bot.backend.services.audit import record
from bot.backend.services.context import WORKER, Backend
from bot.backend.services.execution import purge_export_files

log = logging.getLogger(__name__)

UNVERIFIED_TTL = timedelta(days=1)
OUTBOX_TTL = timedelta(days=1)
CHALLENGE_TTL = timedelta(days=1)
BATCH = 50
# an export still in .partial/ this long after it was last written was left by a crash
PARTIAL_EXPORT_TTL = timedelta(hours=1)


def _candidates(backend: Backend, *conditions) -> list[str]:
    with backend.sessions() as session:
        return list(session.execute(select(PrivacyRequest.id).where(*conditions)
                                    .order_by(PrivacyRequest.created_at).limit(BATCH)).scalars())


def _each_locked(backend: Backend, ids: list[str], status: str, action) -> int:
    """Run ``action`` on each request still in ``status``, under a row lock, one transaction each."""
    done = 0
    for request_id in ids:
        try:
            with backend.transaction() as session:
                request = session.execute(select(PrivacyRequest).where(
                    PrivacyRequest.id == request_id, PrivacyRequest.status == status)
                    .with_for_update(skip_locked=True)).scalar_one_or_none()
                if request is None:
                    continue
                action(session, request)
                done += 1
        except Exception:
            log.exception("worker could not process request %s; will retry next pass", request_id)
    return done


def close_unverified(backend: Backend) -> int:
    ids = _candidates(backend, PrivacyRequest.status == "identity_unverified",
                      PrivacyRequest.created_at < backend.now() - UNVERIFIED_TTL)
    return _each_locked(backend, ids, "identity_unverified", lambda session, request: lifecycle.reject(
        backend, session, request, WORKER, "身份验证未在 24 小时内完成，申请已关闭。如需办理请重新提交。"))


def start_automatic(backend: Backend) -> int:
    manual = backend.settings.manual_review_types
    ids = _candidates(backend, PrivacyRequest.status == "pending", PrivacyRequest.needs_operator.is_(False),
                      PrivacyRequest.type.not_in(manual) if manual else true())
    return _each_locked(backend, ids, "pending", lambda session, request: lifecycle.approve(
        backend, session, request, WORKER))


def execute_due(backend: Backend) -> int:
    now = backend.now()
    ids = _candidates(backend, PrivacyRequest.status == "in_progress", PrivacyRequest.needs_operator.is_(False),
                      or_(PrivacyRequest.execute_after.is_(None), PrivacyRequest.execute_after <= now))
    return _each_locked(backend, ids, "in_progress", lambda session, request: lifecycle.execute(
        backend, session, request, WORKER))


def housekeeping(backend: Backend) -> int:
    now = backend.now()
    with backend.transaction() as session:
        expired = session.execute(select(ExportArtefact.request_id).where(
            ExportArtefact.purged_at.is_(None), ExportArtefact.expires_at <= now)).scalars().all()
        removed = purge_export_files(backend, session, list(expired), now) if expired else 0
        removed += exports.recover_partial_files(backend, session, older_than=PARTIAL_EXPORT_TTL)
        for statement in (
            delete(DevOutboxMessage).where(DevOutboxMessage.created_at < now - OUTBOX_TTL),
            delete(SmsMessage).where(SmsMessage.created_at < now - OUTBOX_TTL, SmsMessage.status != "pending"),
            delete(VerificationChallenge).where(VerificationChallenge.created_at < now - CHALLENGE_TTL),
            delete(Order).where(Order.user_id.is_(None), Order.retain_until <= now),
            delete(Invoice).where(Invoice.user_id.is_(None), Invoice.retain_until <= now),
        ):
            count = session.execute(statement.execution_options(synchronize_session=False)).rowcount
            if count:
                record(session, entity_type="housekeeping", entity_id=statement.table.name,
                       action="housekeeping.purged", actor=WORKER, at=now, rows=count)
            removed += count
    return removed


def run_once(backend: Backend) -> dict:
    """One pass over every task; returns what each did (for logs and tests)."""
    return {
        "closed_unverified": close_unverified(backend),
        "started": start_automatic(backend),
        "executed": execute_due(backend),
        "webhooks": webhooks.deliver_due(backend),
        "sms": sms.deliver_due(backend),
        "housekeeping": housekeeping(backend),
    }


def run_forever(backend: Backend, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    log.info("worker started (every %.1fs)", backend.settings.worker_interval_seconds)
    while not stop.is_set():
        try:
            did = run_once(backend)
            if any(did.values()):
                log.info("worker pass: %s", did)
        except Exception:
            log.exception("worker pass failed; retrying")
        stop.wait(backend.settings.worker_interval_seconds)
    log.info("worker stopped")
