"""Request statuses and the transitions between them.

    identity_unverified ──code ok──▶ pending ──approve / auto──▶ in_progress ──execute──▶ completed
            │                          │                            │
            └──────────────┴── rejected (with a reason) / cancelled ┘

Unsubscribe for an authenticated user is completed at once. Cancelling is allowed before work
starts, and for account deletion throughout the cooling-off period. Every transition writes an
audit event and queues a webhook (except into ``identity_unverified``).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.contract import RequestStatus
from bot.backend.deadlines import due_date, local_date
from bot.backend.errors import InvalidTransition, ValidationFailed
from bot.backend.models import CLOSED_STATUSES, App, IdentityBinding, PrivacyRequest, User
from bot.backend.services import execution, exports, webhooks
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, Backend

ALLOWED = {
    "identity_unverified": {"pending", "completed", "rejected", "cancelled"},
    "pending": {"in_progress", "completed", "rejected", "cancelled"},
    "in_progress": {"completed", "rejected", "cancelled"},
}
STATUS_LABELS = RequestStatus.labels()
MAX_REASON_LENGTH = 500


def transition(backend: Backend, session: Session, request: PrivacyRequest, to_status: str,
               actor: Actor, *, reason: str | None = None, app_user_id: str | None = None,
               **details) -> None:
    from_status = request.status
    if to_status not in ALLOWED.get(from_status, set()):
        raise InvalidTransition(
            f"申请当前状态为「{STATUS_LABELS[from_status]}」，不能变为「{STATUS_LABELS[to_status]}」"
            f" (cannot go from {from_status} to {to_status})", status=from_status)
    now = backend.now()
    request.status, request.updated_at = to_status, now
    if to_status == "rejected":
        request.rejection_reason = reason
    elif reason:
        request.status_note = reason
    if to_status in CLOSED_STATUSES:
        request.closed_at, request.open_key = now, None
    record(session, entity_type="request", entity_id=request.id, action=f"request.{to_status}",
           actor=actor, at=now, from_status=from_status, to_status=to_status, **details)
    session.flush()
    webhooks.enqueue_status_event(backend, session, request, app_user_id=app_user_id)


def mark_verified(backend: Backend, session: Session, request: PrivacyRequest, user: User,
                  actor: Actor) -> None:
    """Identity confirmed: start the deadline clock (after any cooling-off) and move on."""
    app = session.get(App, request.app_id)
    now = backend.now()
    request.user_id, request.verified_at = user.id, now
    start = local_date(now)
    if request.type == "account_deletion" and app.cooling_off_days:
        request.execute_after = now + timedelta(days=app.cooling_off_days)
        start = local_date(request.execute_after)
    request.due_date = due_date(start, request.deadline_days, request.deadline_working_days)
    if request.type == "unsubscribe":
        execution.apply_unsubscribe(session, user, list(request.channels), now)
        transition(backend, session, request, "completed", actor, channels=list(request.channels))
    else:
        transition(backend, session, request, "pending", actor)


def cancel(backend: Backend, session: Session, request: PrivacyRequest, actor: Actor,
           reason: str | None) -> None:
    now = backend.now()
    in_cooling_off = (request.type == "account_deletion" and request.execute_after is not None
                      and request.execute_after > now)
    if request.status == "in_progress" and not in_cooling_off:
        raise InvalidTransition("申请已在处理中，无法撤销 (already being processed)",
                                status=request.status)
    if request.status in CLOSED_STATUSES:
        raise InvalidTransition(f"申请状态为「{STATUS_LABELS[request.status]}」，无法撤销 (already closed)",
                                status=request.status)
    transition(backend, session, request, "cancelled", actor, reason=_clean_reason(reason, False))


def reject(backend: Backend, session: Session, request: PrivacyRequest, actor: Actor,
           reason: object) -> None:
    transition(backend, session, request, "rejected", actor, reason=_clean_reason(reason, True))


def approve(backend: Backend, session: Session, request: PrivacyRequest, actor: Actor) -> None:
    if request.status != "pending":
        raise InvalidTransition(f"只有「待处理」的申请可以批准，当前为「{STATUS_LABELS[request.status]}」"
                                f" (only pending requests can be approved)", status=request.status)
    transition(backend, session, request, "in_progress", actor)


def _clean_reason(reason: object, required: bool) -> str | None:
    if reason is None and not required:
        return None
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("请填写原因 (a reason is required)", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(f"原因不能超过 {MAX_REASON_LENGTH} 字 (reason too long)", field="reason")
    return reason.strip()


def execute(backend: Backend, session: Session, request: PrivacyRequest, actor: Actor) -> None:
    """Do what the request asks to the user's data, then complete it."""
    now = backend.now()
    if request.status not in ("pending", "in_progress"):
        raise InvalidTransition(f"申请状态为「{STATUS_LABELS[request.status]}」，不能执行"
                                f" (cannot execute a {request.status} request)", status=request.status)
    if request.execute_after is not None and request.execute_after > now:
        raise InvalidTransition("注销冷静期尚未结束，期间用户可撤销 (cooling-off period not over)",
                                execute_after=request.execute_after.isoformat())
    user = session.get(User, request.user_id)
    app = session.get(App, request.app_id)
    if request.type == "info_deletion":
        counts = execution.delete_categories(session, user, list(request.categories), now)
        by_operator = [c for c in request.categories if c not in counts]
        transition(backend, session, request, "completed", actor, deleted=counts,
                   **({"carried_out_by_operator": by_operator} if by_operator else {}))
    elif request.type == "account_deletion":
        app_user_id = session.execute(select(IdentityBinding.value).where(
            IdentityBinding.user_id == user.id, IdentityBinding.kind == "app_user_id")).scalars().first()
        counts = execution.erase_account(backend, session, user, now)
        transition(backend, session, request, "completed", actor, app_user_id=app_user_id,
                   erased=counts)
    elif request.type == "data_export":
        artefact = exports.build_export(backend, session, request, user, app.name)
        transition(backend, session, request, "completed", actor, artefact=artefact.id)
    else:
        execution.apply_unsubscribe(session, user, list(request.channels), now)
        transition(backend, session, request, "completed", actor, channels=list(request.channels))
