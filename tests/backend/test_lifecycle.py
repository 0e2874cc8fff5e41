"""The lifecycle of each request type, end to end through the client and the worker."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests
from sqlalchemy import select

from bot.backend import worker
from bot.backend.client import Conflict, Subject
from bot.backend.deadlines import add_working_days, local_date
from bot.backend.models import AuditEvent, BrowsingHistory, ChannelPreference, Order, SearchHistory
from tests.backend.helpers import DemoUser, make_app, read_code


def audit_actions(backend, request_id):
    with backend.sessions() as session:
        return [(e.action, e.from_status, e.to_status, e.actor_type) for e in session.execute(
            select(AuditEvent).where(AuditEvent.entity_id == request_id).order_by(AuditEvent.id)).scalars()]


def verify(backend, client, filed):
    challenge_id = filed.request.verification.challenge_id
    return client.check_code(challenge_id, read_code(backend, challenge_id))


def test_unsubscribe_by_authenticated_user_applies_at_once_without_a_code(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "unsubscribe", subject=user.subject, channels=["sms", "email"])
    assert filed.created and filed.request.status == "completed"
    assert filed.request.verification is None
    with backend.sessions() as session:
        prefs = {p.channel: p.subscribed for p in session.execute(
            select(ChannelPreference).where(ChannelPreference.user_id == user.id)).scalars()}
    assert prefs["sms"] is False and prefs["email"] is False and prefs["push"] is True
    assert [a[0] for a in audit_actions(backend, filed.request.id)] == ["request.filed", "request.completed"]


def test_anonymous_unsubscribe_needs_the_code_then_applies(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "unsubscribe", phone=user.phone, channels=["push"])
    assert filed.request.status == "identity_unverified"
    assert filed.request.verification.destination == user.phone[:3] + "****" + user.phone[-4:]
    verified = verify(backend, client, filed)
    assert verified.request.status == "completed"
    with backend.sessions() as session:
        assert session.get(ChannelPreference, (user.id, "push")).subscribed is False


def test_info_deletion_goes_unverified_pending_in_progress_completed(backend, client):
    app = make_app(backend, deadline_days=10)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "info_deletion", subject=user.subject,
                                categories=["search_history", "browsing_history", "order"])
    assert filed.request.status == "identity_unverified" and filed.request.due_date is None
    verified = verify(backend, client, filed)
    assert verified.request.status == "pending"
    assert verified.request.due_date == add_working_days(local_date(backend.now()), 10).isoformat()
    worker.run_once(backend)
    done = client.get_request(app, filed.request.id, user.subject)
    assert done.status == "completed"
    with backend.sessions() as session:
        assert not session.execute(select(SearchHistory).where(SearchHistory.user_id == user.id)).all()
        assert not session.execute(select(BrowsingHistory).where(BrowsingHistory.user_id == user.id)).all()
        kept = session.execute(select(Order).where(Order.recipient_phone == user.phone)).all()
        assert kept == []  # orders were de-identified, not kept with the phone
    assert [a[:3] for a in audit_actions(backend, filed.request.id)] == [
        ("request.filed", None, "identity_unverified"),
        ("request.pending", "identity_unverified", "pending"),
        ("request.in_progress", "pending", "in_progress"),
        ("request.completed", "in_progress", "completed"),
    ]


def test_data_export_builds_a_zip_with_json_csv_and_chinese_readme(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "data_export", subject=user.subject)
    verify(backend, client, filed)
    worker.run_once(backend)
    done = client.get_request(app, filed.request.id, user.subject)
    assert done.status == "completed"
    response = requests.get(done.export["download_url"], timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    for category in ("profile", "address", "order", "invoice", "browsing_history",
                     "search_history", "review", "channel_preferences"):
        assert {f"{category}.json", f"{category}.csv"} <= names
    readme = archive.read("README.txt").decode()
    assert "个人信息副本" in readme and filed.request.id in readme
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["phone"] == user.phone and profile[0]["id_number"] == user.id_number
    addresses_csv = archive.read("address.csv").decode("utf-8-sig")
    assert addresses_csv.splitlines()[0].startswith("recipient,phone,province")
    assert len(json.loads(archive.read("order.json"))) == 3


def test_export_link_expires_and_a_forged_link_is_refused(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    verify(backend, client, filed := client.file_request(app, "data_export", subject=user.subject))
    worker.run_once(backend)
    link = client.get_request(app, filed.request.id, user.subject).export["download_url"]
    forged = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert requests.get(forged, timeout=10).status_code == 403
    backend.clock.advance(seconds=backend.settings.export_link_ttl_seconds + 5)
    expired = requests.get(link, timeout=10)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "link_expired"
    fresh = client.get_request(app, filed.request.id, user.subject).export["download_url"]
    assert requests.get(fresh, timeout=10).status_code == 200


def test_account_deletion_waits_for_cooling_off_and_approval_and_can_be_cancelled_meanwhile(
        backend, client, admin):
    app = make_app(backend, cooling_off_days=7)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "account_deletion", subject=user.subject)
    verified = verify(backend, client, filed)
    pending = verified.request
    assert pending.status == "pending" and pending.cooling_off_ends_at is not None
    # The deadline counts from the end of cooling-off.
    ends = local_date(backend.now()) + __import__("datetime").timedelta(days=7)
    assert pending.due_date == add_working_days(ends, 15).isoformat()
    worker.run_once(backend)
    assert client.get_request(app, pending.id, user.subject).status == "pending"  # manual review
    admin.post(f"/admin/v1/requests/{pending.id}/approve")
    worker.run_once(backend)
    in_progress = client.get_request(app, pending.id, user.subject)
    assert in_progress.status == "in_progress" and in_progress.cancellable
    cancelled = client.cancel_request(app, pending.id, user.subject, reason="我改主意了")
    assert cancelled.status == "cancelled"
    assert ("request.cancelled", "in_progress", "cancelled", "user") in audit_actions(backend, pending.id)


def test_account_deletion_executes_after_cooling_off_and_cannot_be_cancelled_then(backend, client, admin):
    app = make_app(backend, cooling_off_days=3)
    user = DemoUser(backend, app)
    request_id = verify(backend, client, client.file_request(
        app, "account_deletion", subject=user.subject)).request.id
    admin.post(f"/admin/v1/requests/{request_id}/approve")
    admin_complete = admin.http.post(f"{admin.base}/admin/v1/requests/{request_id}/complete", json={})
    assert admin_complete.status_code == 409  # still in cooling-off
    backend.clock.advance(days=3, minutes=1)
    worker.run_once(backend)
    detail = admin.get(f"/admin/v1/requests/{request_id}")
    assert detail["status"] == "completed"
    with pytest.raises(Exception):
        client.get_request(app, request_id, user.subject)  # the user no longer exists


def test_admin_rejects_with_a_reason_the_user_sees(backend, client, admin):
    app = make_app(backend)
    user = DemoUser(backend, app)
    request_id = verify(backend, client, client.file_request(
        app, "account_deletion", subject=user.subject)).request.id
    admin.post(f"/admin/v1/requests/{request_id}/reject", {"reason": "账户存在未完结的订单，请完成后再申请"})
    seen = client.get_request(app, request_id, user.subject)
    assert seen.status == "rejected" and seen.rejection_reason == "账户存在未完结的订单，请完成后再申请"
    with pytest.raises(Conflict):
        client.cancel_request(app, request_id, user.subject)


def test_a_request_can_be_found_by_id_in_lower_case_and_listed(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "data_export", subject=user.subject)
    assert filed.request.id.startswith("PR-") and len(filed.request.id) == 13
    assert client.get_request(app, filed.request.id.lower(), user.subject).id == filed.request.id
    assert [r.id for r in client.list_requests(app, user.subject)] == [filed.request.id]


def test_admin_filters_by_app_status_and_overdue(backend, client, admin):
    app = make_app(backend, deadline_days=2)
    user = DemoUser(backend, app)
    request_id = verify(backend, client, client.file_request(
        app, "account_deletion", subject=user.subject)).request.id
    assert admin.get("/admin/v1/requests", app=app, status="pending")["total"] == 1
    assert admin.get("/admin/v1/requests", app=app, status="completed")["total"] == 0
    assert admin.get("/admin/v1/requests", app=app, overdue="true")["total"] == 0
    backend.clock.advance(days=20)
    listed = admin.get("/admin/v1/requests", app=app, overdue="true")
    assert [r["id"] for r in listed["items"]] == [request_id] and listed["items"][0]["overdue"]
    report = admin.get("/admin/v1/reports/overdue")
    assert report["by_app"][app] == 1
    item = next(i for i in report["items"] if i["id"] == request_id)
    assert item["working_days_overdue"] > 0


def test_identity_token_lets_an_anonymous_user_see_only_their_own_requests(backend, client):
    app = make_app(backend)
    owner, other = DemoUser(backend, app), DemoUser(backend, app)
    filed = client.file_request(app, "data_export", phone=owner.phone)
    verified = verify(backend, client, filed)
    subject = Subject(identity_token=verified.identity_token)
    assert [r.id for r in client.list_requests(app, subject)] == [filed.request.id]
    assert client.list_requests(app, other.subject) == []


def test_exports_are_purged_after_retention_and_downloads_are_audited(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    verify(backend, client, filed := client.file_request(app, "data_export", subject=user.subject))
    worker.run_once(backend)
    link = client.get_request(app, filed.request.id, user.subject).export["download_url"]
    assert requests.get(link, timeout=10).status_code == 200
    with backend.sessions() as session:
        downloaded = session.execute(select(AuditEvent).where(
            AuditEvent.action == "export.downloaded",
            AuditEvent.details["request_id"].as_string() == filed.request.id)).scalars().all()
    assert len(downloaded) == 1 and downloaded[0].actor_type == "user"
    files_before = set(backend.settings.export_dir.glob("*.zip"))
    backend.clock.advance(days=backend.settings.export_retention_days, minutes=1)
    worker.run_once(backend)
    assert client.get_request(app, filed.request.id, user.subject).export is None
    assert len(set(backend.settings.export_dir.glob("*.zip"))) < len(files_before)


def test_a_request_left_unverified_for_a_day_is_closed_with_a_reason(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "account_deletion", subject=user.subject)
    backend.clock.advance(hours=23)
    worker.run_once(backend)
    assert client.get_request(app, filed.request.id, user.subject).status == "identity_unverified"
    backend.clock.advance(hours=2)
    worker.run_once(backend)
    closed = client.get_request(app, filed.request.id, user.subject)
    assert closed.status == "rejected" and "24 小时" in closed.rejection_reason
    again = client.file_request(app, "account_deletion", subject=user.subject)
    assert again.created and again.request.id != filed.request.id


def test_handoffs_and_incidents_are_filed_by_the_bot_and_listed_for_admins(backend, client, admin):
    app = make_app(backend)
    user = DemoUser(backend, app)
    ticket = client.create_handoff(app, "conv-42", "misunderstanding",
                                   "用户连续三次询问注销后订单是否保留，机器人未能理解。", subject=user.subject)
    report = client.report_incident(app, "conv-43", "scam_contact", "用户接到冒充客服的诈骗电话，对方知道订单信息。")
    assert ticket["id"].startswith("HT-") and ticket["user_id"] == user.id
    assert report["id"].startswith("IR-") and report["user_id"] is None
    assert [t["id"] for t in admin.get("/admin/v1/handoffs", app=app)["items"]] == [ticket["id"]]
    listed = admin.get("/admin/v1/incidents", app=app)["items"]
    assert [r["id"] for r in listed] == [report["id"]] and "诈骗" in listed[0]["description"]
