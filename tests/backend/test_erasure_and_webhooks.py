"""Account erasure leaves no personal data in any table; downstream webhooks are never lost."""
from __future__ import annotations

import json

from sqlalchemy import MetaData, select

from bot.backend import worker
from bot.backend.models import Invoice, Order, WebhookDelivery
from bot.backend.security import verify_webhook_signature
from bot.backend.services.webhooks import MAX_ATTEMPTS
from tests.backend.helpers import DemoUser, make_app, read_code


def all_rows_text(backend) -> str:
    """Every value of every row of every table, as one string."""
    metadata = MetaData()
    metadata.reflect(backend.engine)
    chunks = []
    with backend.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                chunks.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(chunks)


def erase(backend, client, admin, user, app):
    filed = client.file_request(app, "account_deletion", subject=user.subject)
    challenge_id = filed.request.verification.challenge_id
    client.check_code(challenge_id, read_code(backend, challenge_id))
    client.file_request(app, "unsubscribe", subject=user.subject, channels=["sms"])
    export = client.file_request(app, "data_export", subject=user.subject)
    client.check_code(export.request.verification.challenge_id,
                      read_code(backend, export.request.verification.challenge_id))
    client.create_handoff(app, "conv-" + user.app_user_id, "user_request",
                          f"用户{user.phone}要求注销账号", subject=user.subject)
    worker.run_once(backend)  # export built
    admin.post(f"/admin/v1/requests/{filed.request.id}/approve")
    worker.run_once(backend)
    return filed.request.id


def test_after_account_deletion_no_personal_data_of_the_user_remains_in_any_table(
        backend, client, admin, webhook_receiver):
    app = make_app(backend)
    user, bystander = DemoUser(backend, app), DemoUser(backend, app)
    personal = user.personal_values(backend)
    assert len(personal) >= 8
    before = all_rows_text(backend)
    assert all(value in before for value in personal)  # the scan can see them
    request_id = erase(backend, client, admin, user, app)
    assert admin.get(f"/admin/v1/requests/{request_id}")["status"] == "completed"
    worker.run_once(backend)  # webhooks delivered, subjects scrubbed
    after = all_rows_text(backend)
    leftovers = sorted(value for value in personal if value in after)
    assert leftovers == []
    assert not list(backend.settings.export_dir.glob("*")) or all(
        user.phone.encode() not in p.read_bytes() for p in backend.settings.export_dir.glob("*.zip"))
    assert all(value in after for value in bystander.personal_values(backend))
    with backend.sessions() as session:  # transaction records kept, de-identified, for 3 years
        kept = session.execute(select(Order).where(Order.app_id == app, Order.user_id.is_(None))).scalars().all()
        assert len(kept) == 3 and all(o.retain_until and o.recipient_name is None for o in kept)
        invoice = session.execute(select(Invoice).where(Invoice.app_id == app,
                                                        Invoice.user_id.is_(None))).scalar_one()
        assert invoice.title is None and invoice.amount_cents > 0
    completed = [e for e in webhook_receiver.events_for(request_id)
                 if e["json"]["event"] == "privacy_request.completed"]
    assert completed and completed[0]["json"]["subject"]["app_user_id"] == user.app_user_id


def test_a_downstream_webhook_that_is_down_is_retried_and_the_request_is_not_lost(
        backend, client, webhook_receiver):
    app = make_app(backend)
    user = DemoUser(backend, app)
    webhook_receiver.up = False
    try:
        filed = client.file_request(app, "unsubscribe", subject=user.subject, channels=["email"])
        for attempt in range(3):
            backend.clock.advance(minutes=2 if attempt else 0)
            worker.run_once(backend)
        with backend.sessions() as session:
            delivery = session.execute(select(WebhookDelivery).where(
                WebhookDelivery.request_id == filed.request.id)).scalar_one()
            assert delivery.status == "pending" and delivery.attempts == 3
            assert delivery.last_error == "HTTP 503" and delivery.next_attempt_at > backend.now()
        assert client.get_request(app, filed.request.id, user.subject).status == "completed"
    finally:
        webhook_receiver.up = True
    backend.clock.advance(minutes=10)
    worker.run_once(backend)
    events = webhook_receiver.events_for(filed.request.id)
    assert len(events) == 1
    event = events[0]
    assert event["json"]["event"] == "privacy_request.completed"
    assert event["json"]["channels"] == ["email"]
    assert verify_webhook_signature(backend.settings.webhook_secret,
                                    event["headers"]["X-Privacy-Signature"], event["body"])
    assert not verify_webhook_signature("another-secret", event["headers"]["X-Privacy-Signature"],
                                        event["body"])
    with backend.sessions() as session:
        delivery = session.execute(select(WebhookDelivery).where(
            WebhookDelivery.request_id == filed.request.id)).scalar_one()
        assert delivery.status == "delivered" and delivery.payload["subject"] is None


def test_a_webhook_that_never_recovers_is_kept_as_failed_and_can_be_retried(
        backend, client, admin, webhook_receiver):
    app = make_app(backend)
    user = DemoUser(backend, app)
    webhook_receiver.up = False
    try:
        filed = client.file_request(app, "unsubscribe", subject=user.subject, channels=["phone_call"])
        for _ in range(MAX_ATTEMPTS):
            worker.run_once(backend)
            backend.clock.advance(hours=13)
    finally:
        webhook_receiver.up = True
    failed = [d for d in admin.get("/admin/v1/webhooks", status="failed")["items"]
              if d["request_id"] == filed.request.id]
    assert len(failed) == 1 and failed[0]["attempts"] == MAX_ATTEMPTS
    admin.post(f"/admin/v1/webhooks/{failed[0]['id']}/retry")
    worker.run_once(backend)
    assert len(webhook_receiver.events_for(filed.request.id)) == 1
