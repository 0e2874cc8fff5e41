"""No phone number, verification code or ID-card number in any log line, through a full lifecycle."""
from __future__ import annotations

import logging

import requests

from bot.backend import worker
from bot.backend.client import InvalidCode
from tests.backend.helpers import DemoUser, make_app, read_code, wrong_code


def test_logs_of_a_full_lifecycle_contain_no_phone_code_or_id_number(backend, client, admin, caplog):
    caplog.set_level(logging.DEBUG)  # even SQL echo with parameters must come out masked
    app = make_app(backend)
    user = DemoUser(backend, app)
    secrets_seen = {user.phone, user.id_number}
    filed = client.file_request(app, "data_export", phone=user.phone)
    challenge_id = filed.request.verification.challenge_id
    code = read_code(backend, challenge_id)
    secrets_seen |= {code, wrong_code(code)}
    try:
        client.check_code(challenge_id, wrong_code(code))
    except InvalidCode:
        pass
    admin.get("/admin/v1/outbox", app=app, phone=user.phone)
    logging.getLogger("bot.backend.test").info("user gave phone %s and code %s, ID %s",
                                               user.phone, code, user.id_number)
    client.check_code(challenge_id, code)
    worker.run_once(backend)
    link = client.get_request(app, filed.request.id, user.subject).export["download_url"]
    assert requests.get(link, timeout=10).status_code == 200
    client.create_handoff(app, "conv-log", "user_request", f"手机号{user.phone}，身份证{user.id_number}")
    deletion = client.file_request(app, "account_deletion", subject=user.subject)
    deletion_code = read_code(backend, deletion.request.verification.challenge_id)
    secrets_seen.add(deletion_code)
    client.check_code(deletion.request.verification.challenge_id, deletion_code)
    admin.post(f"/admin/v1/requests/{deletion.request.id}/approve")
    worker.run_once(backend)
    worker.run_once(backend)

    assert len(caplog.records) > 20
    lines = [caplog.text] + [r.getMessage() for r in caplog.records]
    leaks = {s for s in secrets_seen for line in lines if s in line}
    assert leaks == set()
    assert any("139****" in r.getMessage() for r in caplog.records)  # masked, not dropped
