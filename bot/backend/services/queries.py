"""Reading requests (the owner's only; anyone else's is "not found"), cancelling them, and the
operator's side: filtered lists, approve / reject / complete, the overdue report."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.backend.deadlines import local_date, working_days_between
from bot.backend.errors import NotFound, ValidationFailed
from bot.backend.ids import parse_request_id
from bot.backend.models import (
    OPEN_STATUSES, STATUSES, AuditEvent, ExportArtefact, PrivacyRequest, VerificationChallenge,
)
from bot.backend.services import exports, identity, lifecycle
from bot.backend.services.context import Actor, Backend, get_app
from bot.backend.services.identity import Credentials

REQUEST_NOT_FOUND = "没有找到该申请 (no such request)"


def request_view(backend: Backend, session: Session, request: PrivacyRequest,
                 challenge: VerificationChallenge | None = None) -> dict:
    now = backend.now()
    view = {
        "id": request.id, "app": request.app_id, "type": request.type, "status": request.status,
        "status_label": lifecycle.STATUS_LABELS[request.status],
        "categories": list(request.categories or []), "channels": list(request.channels or []),
        "created_at": request.created_at.isoformat(),
        "verified_at": request.verified_at.isoformat() if request.verified_at else None,
        "due_date": request.due_date.isoformat() if request.due_date else None,
        "deadline": {"days": request.deadline_days, "working_days": request.deadline_working_days,
                     "is_default": request.deadline_is_default},
        "cooling_off_ends_at": request.execute_after.isoformat() if request.execute_after else None,
        "closed_at": request.closed_at.isoformat() if request.closed_at else None,
        "rejection_reason": request.rejection_reason,
        "note": request.status_note,
        "cancellable": _cancellable(request, now),
        "overdue": _overdue(request, now),
    }
    if challenge is not None:
        view["verification"] = identity.challenge_view(challenge, now)
    if request.type == "data_export" and request.status == "completed":
        artefact = session.execute(select(ExportArtefact).where(
            ExportArtefact.request_id == request.id)
            .order_by(ExportArtefact.created_at.desc()).limit(1)).scalar_one_or_none()
        view["export"] = exports.download_link(backend, artefact) if artefact else None
    return view


def _cancellable(request: PrivacyRequest, now) -> bool:
    if request.status in ("identity_unverified", "pending"):
        return True
    return (request.status == "in_progress" and request.type == "account_deletion"
            and request.execute_after is not None and request.execute_after > now)


def _overdue(request: PrivacyRequest, now) -> bool:
    return (request.status in ("pending", "in_progress") and request.due_date is not None
            and request.due_date < local_date(now))


def _parse_id(raw: str) -> str:
    request_id = parse_request_id(raw)
    if request_id is None:
        raise ValidationFailed("申请编号格式不正确，应形如 PR-7K3M9Q2XHD (malformed request id)",
                               field="request_id")
    return request_id


def _owned(backend: Backend, session: Session, app_id: str, raw_id: str,
           creds: Credentials) -> tuple[PrivacyRequest, identity.Subject]:
    request_id = _parse_id(raw_id)
    get_app(session, app_id)
    subject = identity.resolve_subject(backend, session, app_id, creds)
    request = session.get(PrivacyRequest, request_id)
    if request is None or request.user_id != subject.user.id or request.app_id != app_id:
        raise NotFound(REQUEST_NOT_FOUND)
    return request, subject


def get_for_subject(backend: Backend, app_id: str, raw_id: str, creds: Credentials) -> dict:
    with backend.sessions() as session:
        request, _ = _owned(backend, session, app_id, raw_id, creds)
        return request_view(backend, session, request)


def list_for_subject(backend: Backend, app_id: str, creds: Credentials, limit: int = 50) -> list[dict]:
    with backend.sessions() as session:
        get_app(session, app_id)
        subject = identity.resolve_subject(backend, session, app_id, creds)
        requests = session.execute(select(PrivacyRequest).where(
            PrivacyRequest.user_id == subject.user.id, PrivacyRequest.app_id == app_id)
            .order_by(PrivacyRequest.created_at.desc()).limit(limit)).scalars()
        return [request_view(backend, session, r) for r in requests]


def cancel_for_subject(backend: Backend, app_id: str, raw_id: str, creds: Credentials,
                       reason: str | None) -> dict:
    with backend.transaction() as session:
        request, subject = _owned(backend, session, app_id, raw_id, creds)
        lifecycle.cancel(backend, session, request, subject.actor, reason)
        return request_view(backend, session, request)


# --- operators ---------------------------------------------------------------------------------

def _admin_load(session: Session, raw_id: str) -> PrivacyRequest:
    request = session.get(PrivacyRequest, _parse_id(raw_id), with_for_update=True)
    if request is None:
        raise NotFound(REQUEST_NOT_FOUND)
    return request


def admin_list(backend: Backend, *, status: str | None = None, app_id: str | None = None,
               type_: str | None = None, overdue: bool = False, limit: int = 100,
               offset: int = 0) -> dict:
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"未知的状态 (unknown status): {status}", field="status",
                               allowed=list(STATUSES))
    query = select(PrivacyRequest)
    if status:
        query = query.where(PrivacyRequest.status == status)
    if app_id:
        query = query.where(PrivacyRequest.app_id == app_id)
    if type_:
        query = query.where(PrivacyRequest.type == type_)
    if overdue:
        query = query.where(PrivacyRequest.status.in_(("pending", "in_progress")),
                            PrivacyRequest.due_date < local_date(backend.now()))
    with backend.sessions() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(PrivacyRequest.created_at.desc())
                               .limit(limit).offset(offset)).scalars()
        return {"total": total, "items": [request_view(backend, session, r) for r in rows]}


def admin_detail(backend: Backend, raw_id: str) -> dict:
    with backend.sessions() as session:
        request = session.get(PrivacyRequest, _parse_id(raw_id))
        if request is None:
            raise NotFound(REQUEST_NOT_FOUND)
        view = request_view(backend, session, request)
        view["user_id"] = request.user_id
        view["audit"] = audit_trail(session, request.id)
        return view


def audit_trail(session: Session, entity_id: str) -> list[dict]:
    events = session.execute(select(AuditEvent).where(AuditEvent.entity_id == entity_id)
                             .order_by(AuditEvent.id)).scalars()
    return [{"at": e.occurred_at.isoformat(), "action": e.action, "from": e.from_status,
             "to": e.to_status, "actor": e.actor_type, "actor_id": e.actor_id, "details": e.details}
            for e in events]


def admin_transition(backend: Backend, raw_id: str, action: str, actor: Actor,
                     reason: str | None = None) -> dict:
    with backend.transaction() as session:
        request = _admin_load(session, raw_id)
        if action == "approve":
            lifecycle.approve(backend, session, request, actor)
        elif action == "reject":
            lifecycle.reject(backend, session, request, actor, reason)
        elif action == "complete":
            lifecycle.execute(backend, session, request, actor)
        else:
            raise ValueError(action)
        return request_view(backend, session, request)


def overdue_report(backend: Backend) -> dict:
    now = backend.now()
    today = local_date(now)
    with backend.sessions() as session:
        rows = session.execute(select(PrivacyRequest).where(
            PrivacyRequest.status.in_(OPEN_STATUSES[1:]), PrivacyRequest.due_date < today)
            .order_by(PrivacyRequest.due_date)).scalars().all()
        items = [{"id": r.id, "app": r.app_id, "type": r.type, "status": r.status,
                  "due_date": r.due_date.isoformat(),
                  "working_days_overdue": working_days_between(r.due_date, today),
                  "calendar_days_overdue": (today - r.due_date).days} for r in rows]
    by_app: dict[str, int] = {}
    for item in items:
        by_app[item["app"]] = by_app.get(item["app"], 0) + 1
    return {"as_of": today.isoformat(), "total": len(items), "by_app": by_app, "items": items}
