"""Signed webhooks to downstream systems, with an outbox so no notification is lost.

A delivery row is written in the same transaction as the status change it reports; the worker
POSTs it, retrying with backoff while the receiver is down. After the last attempt it is marked
``failed`` (listed in the admin API, retried on demand) — never dropped. The payload's subject
(the host app's user id, which downstream systems need to act) is scrubbed once delivered.

Headers: ``X-Privacy-Event``, ``X-Privacy-Delivery`` (stable id: receivers dedupe on it) and
``X-Privacy-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import timedelta

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.backend.errors import InvalidTransition, NotFound
from bot.backend.models import IdentityBinding, PrivacyRequest, WebhookDelivery
from bot.backend.security import webhook_signature
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, Backend

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE = timedelta(seconds=60)
TIMEOUT = (3.0, 10.0)


def enqueue_status_event(backend: Backend, session: Session, request: PrivacyRequest,
                         app_user_id: str | None = None) -> None:
    """Queue ``privacy_request.<status>`` for every configured receiver.

    ``app_user_id`` is passed when the binding is about to be erased in the same transaction."""
    if not backend.settings.webhook_urls:
        return
    if app_user_id is None and request.user_id:
        app_user_id = session.execute(select(IdentityBinding.value).where(
            IdentityBinding.user_id == request.user_id,
            IdentityBinding.kind == "app_user_id")).scalars().first()
    now = backend.now()
    payload = {
        "event": f"privacy_request.{request.status}", "request_id": request.id,
        "app": request.app_id, "type": request.type, "status": request.status,
        "categories": list(request.categories or []), "channels": list(request.channels or []),
        "subject": {"app_user_id": app_user_id}, "occurred_at": now.isoformat(),
    }
    for url in backend.settings.webhook_urls:
        session.add(WebhookDelivery(id="WH" + secrets.token_urlsafe(12), event=payload["event"],
                                    request_id=request.id, url=url, payload=payload,
                                    status="pending", attempts=0, next_attempt_at=now, created_at=now))


def _post(backend: Backend, delivery: WebhookDelivery) -> str | None:
    """POST one delivery; the error text on failure, None on a 2xx."""
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Privacy-Event": delivery.event,
        "X-Privacy-Delivery": delivery.id,
        "X-Privacy-Signature": webhook_signature(backend.settings.webhook_secret, int(time.time()), body),
    }
    try:
        response = requests.post(delivery.url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return f"connection error: {type(exc).__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _claim(backend: Backend, delivery_id: str) -> WebhookDelivery | None:
    """Lease a due delivery so that two workers never send it at the same time."""
    now = backend.now()
    with backend.transaction() as session:
        claimed = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)).rowcount
        return session.get(WebhookDelivery, delivery_id) if claimed == 1 else None


def deliver_due(backend: Backend, limit: int = 50) -> int:
    """Send every delivery that is due; returns how many were attempted."""
    now = backend.now()
    with backend.sessions() as session:
        due = session.execute(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at).limit(limit)).scalars().all()
    attempted = 0
    for delivery_id in due:
        delivery = _claim(backend, delivery_id)
        if delivery is None:
            continue
        attempted += 1
        error = _post(backend, delivery)
        _record_attempt(backend, delivery_id, error)
    return attempted


def _record_attempt(backend: Backend, delivery_id: str, error: str | None) -> None:
    now = backend.now()
    with backend.transaction() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
            delivery.payload = {**delivery.payload, "subject": None}
            log.info("webhook %s delivered (%s)", delivery.id, delivery.event)
            return
        delivery.last_error = error[:300]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            log.error("webhook %s failed for good after %d attempts: %s",
                      delivery.id, delivery.attempts, error)
        else:
            delay = BACKOFF_SECONDS[min(delivery.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            log.warning("webhook %s attempt %d failed (%s); retry in %ss",
                        delivery.id, delivery.attempts, error, delay)


def retry_failed(backend: Backend, delivery_id: str, actor: Actor) -> dict:
    with backend.transaction() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise NotFound("没有这个 webhook 投递 (no such delivery)")
        if delivery.status != "failed":
            raise InvalidTransition("只有失败的投递可以重试 (only failed deliveries can be retried)")
        delivery.status, delivery.next_attempt_at = "pending", backend.now()
        record(session, entity_type="webhook", entity_id=delivery.id, action="webhook.retry",
               actor=actor, at=backend.now(), from_status="failed", to_status="pending")
        return delivery_view(delivery)


def delivery_view(delivery: WebhookDelivery) -> dict:
    return {"id": delivery.id, "event": delivery.event, "request_id": delivery.request_id,
            "url": delivery.url, "status": delivery.status, "attempts": delivery.attempts,
            "next_attempt_at": delivery.next_attempt_at.isoformat(), "last_error": delivery.last_error,
            "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None}


def list_deliveries(backend: Backend, status: str | None, limit: int = 100) -> list[dict]:
    with backend.sessions() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc()).limit(limit)
        if status:
            query = query.where(WebhookDelivery.status == status)
        return [delivery_view(d) for d in session.execute(query).scalars()]
