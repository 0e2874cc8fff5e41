"""Malformed input gets a 4xx with a clear JSON message and changes nothing."""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from bot.backend.api.app import MAX_BODY_BYTES
from bot.backend.models import AuditEvent, DevOutboxMessage, PrivacyRequest, VerificationChallenge
from tests.backend.helpers import DemoUser, make_app

COUNTED = (PrivacyRequest, AuditEvent, VerificationChallenge, DevOutboxMessage)


def snapshot(backend):
    with backend.sessions() as session:
        return {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one()
                for m in COUNTED}


@pytest.fixture
def post(backend, server):
    def send(path, body, headers=None, raw=None):
        all_headers = {"Authorization": f"Bearer {backend.settings.service_token}",
                       "Idempotency-Key": "validation-test-key", **(headers or {})}
        if raw is None:
            raw = json.dumps(body).encode()
        return requests.post(server.url + path, data=raw, timeout=10,
                             headers={"Content-Type": "application/json", **all_headers})
    return send


def cases(app, user):
    token = {"X-User-Token": user.token}
    return [
        ("malformed JSON", "/v1/requests", None, token, b'{"app": "x", "type": ', 400, "JSON"),
        ("not an object", "/v1/requests", [1, 2], token, None, 422, "body"),
        ("wrong type", "/v1/requests", {"app": app, "type": 5}, token, None, 422, "type"),
        ("unknown app", "/v1/requests", {"app": "nope", "type": "data_export"}, token, None, 422, "未知的应用"),
        ("unknown type", "/v1/requests", {"app": app, "type": "delete_everything"}, token, None, 422, "type"),
        ("unknown category", "/v1/requests", {"app": app, "type": "info_deletion",
                                              "categories": ["dna"]}, token, None, 422, "categories"),
        ("profile is not deletable by category", "/v1/requests",
         {"app": app, "type": "info_deletion", "categories": ["profile"]}, token, None, 422, "categories"),
        ("missing categories", "/v1/requests", {"app": app, "type": "info_deletion"}, token, None, 422,
         "categories"),
        ("unknown channel", "/v1/requests", {"app": app, "type": "unsubscribe", "channels": ["fax"]},
         token, None, 422, "channels"),
        ("extra field", "/v1/requests", {"app": app, "type": "data_export", "admin": True}, token, None,
         422, "admin"),
        ("no subject", "/v1/requests", {"app": app, "type": "data_export"}, {}, None, 422, "phone"),
        ("bad phone", "/v1/requests", {"app": app, "type": "data_export", "phone": "12345678901"}, {},
         None, 422, "手机号"),
        ("missing idempotency key", "/v1/requests", {"app": app, "type": "data_export"},
         {**token, "Idempotency-Key": ""}, None, 422, "Idempotency-Key"),
        ("oversized body", "/v1/requests", None, token,
         json.dumps({"app": app, "type": "data_export", "pad": "x" * MAX_BODY_BYTES}).encode(), 413, "过大"),
        ("code of letters", "/v1/verifications/VCnothing/check", {"code": "abcdef"}, {}, None, 422, "code"),
        ("a lone surrogate", "/v1/handoffs", None, {},
         b'{"app": "' + app.encode() + b'", "conversation_id": "c1", "reason": "user_request", '
         b'"summary": "\\ud800"}', 400, "JSON"),
        ("JSON nested 30,000 deep", "/v1/requests", None, token, b"[" * 30000 + b"]" * 30000, 400, "JSON"),
        ("a malformed conversation id", "/v1/requests", {"app": app, "type": "data_export"},
         {**token, "X-Conversation-Id": "c" * 101}, None, 422, "X-Conversation-Id"),
        ("unknown handoff reason", "/v1/handoffs", {"app": app, "conversation_id": "c1",
                                                   "reason": "bored", "summary": "x"}, {}, None, 422, "reason"),
        ("empty summary", "/v1/handoffs", {"app": app, "conversation_id": "c1",
                                          "reason": "user_request", "summary": ""}, {}, None, 422, "summary"),
    ]


def test_each_malformed_filing_gets_a_clear_4xx_and_changes_nothing(backend, post):
    app = make_app(backend)
    user = DemoUser(backend, app)
    before = snapshot(backend)
    for name, path, body, headers, raw, status, mention in cases(app, user):
        response = post(path, body, headers, raw)
        assert response.status_code == status, (name, response.text)
        error = response.json()["error"]
        assert error["code"] and mention in json.dumps(error, ensure_ascii=False), (name, error)
    assert snapshot(backend) == before


def test_malformed_ids_and_query_values_get_4xx(backend, server, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    headers = {"Authorization": f"Bearer {backend.settings.service_token}", "X-User-Token": user.token}
    bad_id = requests.get(f"{server.url}/v1/requests/PR-!!", params={"app": app}, headers=headers, timeout=10)
    assert bad_id.status_code == 422 and "申请编号" in bad_id.json()["error"]["message"]
    no_app = requests.get(f"{server.url}/v1/requests", headers=headers, timeout=10)
    assert no_app.status_code == 422 and no_app.json()["error"]["details"]["field"] == "app"
    admin = {"Authorization": f"Bearer {backend.settings.admin_token}"}
    bad_status = requests.get(f"{server.url}/admin/v1/requests", params={"status": "lost"}, headers=admin,
                              timeout=10)
    assert bad_status.status_code == 422
    reject_without_reason = requests.post(f"{server.url}/admin/v1/requests/PR-0000000000/reject",
                                          json={}, headers=admin, timeout=10)
    assert reject_without_reason.status_code == 422
    unknown_route = requests.get(f"{server.url}/v1/nothing", headers=headers, timeout=10)
    assert unknown_route.status_code == 404 and unknown_route.json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_every_route(backend, server):
    document = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    from bot.backend.api.app import create_app

    app = create_app(backend)
    routes = {(r.method.lower(), r.resource.canonical) for r in app.router.routes()
              if r.method != "HEAD"}
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented
