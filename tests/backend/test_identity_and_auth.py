"""One-time codes, identity tokens and authorization."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.backend.client import (
    BackendClient, ChallengeLocked, CodeExpired, InvalidCode, InvalidSubject, NotFound,
    PhoneNotRegistered, RateLimited, Subject, Unauthorized,
)
from bot.backend.models import PrivacyRequest, VerificationChallenge
from bot.backend.security import issue_host_token
from tests.backend.helpers import DemoUser, make_app, read_code, wrong_code


def test_brute_forcing_a_code_locks_the_challenge_and_rejects_its_request(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "account_deletion", subject=user.subject)
    challenge_id = filed.request.verification.challenge_id
    code = read_code(backend, challenge_id)
    attempts_left = []
    for _ in range(4):
        with pytest.raises(InvalidCode) as error:
            client.check_code(challenge_id, wrong_code(code))
        attempts_left.append(error.value.attempts_left)
    assert attempts_left == [4, 3, 2, 1]
    with pytest.raises(ChallengeLocked):
        client.check_code(challenge_id, wrong_code(code))
    with pytest.raises(ChallengeLocked):  # even the right code is refused now
        client.check_code(challenge_id, code)
    with pytest.raises(ChallengeLocked):
        client.resend_code(challenge_id)
    request = client.get_request(app, filed.request.id, user.subject)
    assert request.status == "rejected" and "验证码错误次数过多" in request.rejection_reason


def test_codes_are_stored_only_as_keyed_hashes(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    challenge = client.start_verification(app, subject=user.subject)
    code = read_code(backend, challenge.challenge_id)
    with backend.sessions() as session:
        row = session.get(VerificationChallenge, challenge.challenge_id)
        stored = [str(getattr(row, c.name)) for c in VerificationChallenge.__table__.columns]
    assert not any(code in value for value in stored)
    assert not any(user.phone in value for value in stored)


def test_a_code_expires_after_five_minutes_and_a_resend_gives_a_new_one(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    challenge = client.start_verification(app, subject=user.subject)
    old_code = read_code(backend, challenge.challenge_id)
    backend.clock.advance(minutes=5, seconds=1)
    with pytest.raises(CodeExpired):
        client.check_code(challenge.challenge_id, old_code)
    resent = client.resend_code(challenge.challenge_id)
    assert resent.resends_left == 2
    new_code = read_code(backend, challenge.challenge_id)
    verified = client.check_code(challenge.challenge_id, new_code)
    assert verified.identity_token and verified.request is None


def test_resends_are_limited_in_number_and_spacing(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    challenge = client.start_verification(app, subject=user.subject)
    with pytest.raises(RateLimited) as too_soon:
        client.resend_code(challenge.challenge_id)
    assert too_soon.value.details["retry_after_seconds"] > 0
    for _ in range(3):
        backend.clock.advance(seconds=61)
        client.resend_code(challenge.challenge_id)
    backend.clock.advance(seconds=61)
    with pytest.raises(RateLimited):
        client.resend_code(challenge.challenge_id)


def test_an_unregistered_phone_is_told_only_after_its_code_is_verified(backend, client):
    app = make_app(backend)
    registered = DemoUser(backend, app)
    unregistered_phone = "13900000000" if registered.phone != "13900000000" else "13900000001"
    known = client.file_request(app, "data_export", phone=registered.phone)
    unknown = client.file_request(app, "data_export", phone=unregistered_phone)
    # The two answers look alike: nothing reveals which phone has an account.
    assert known.request.status == unknown.request.status == "identity_unverified"
    assert set(known.request.raw) == set(unknown.request.raw)
    challenge_id = unknown.request.verification.challenge_id
    with pytest.raises(InvalidCode):
        client.check_code(challenge_id, wrong_code(read_code(backend, challenge_id)))
    with pytest.raises(PhoneNotRegistered) as error:
        client.check_code(challenge_id, read_code(backend, challenge_id))
    assert "未注册" in error.value.message
    with backend.sessions() as session:
        closed = session.get(PrivacyRequest, unknown.request.id)
        assert closed.status == "rejected" and closed.open_key is None


def test_another_users_request_answers_not_found(backend, client):
    app = make_app(backend)
    owner, stranger = DemoUser(backend, app), DemoUser(backend, app)
    filed = client.file_request(app, "data_export", subject=owner.subject)
    with pytest.raises(NotFound):
        client.get_request(app, filed.request.id, stranger.subject)
    with pytest.raises(NotFound):
        client.cancel_request(app, filed.request.id, stranger.subject)
    with pytest.raises(NotFound):
        client.get_request(app, "PR-0000000000", owner.subject)
    other_app = make_app(backend)
    with pytest.raises(InvalidSubject):  # a token of one app is no good in another
        client.get_request(other_app, filed.request.id, owner.subject)


def test_calls_without_or_with_a_wrong_service_token_get_401(backend, server):
    app = make_app(backend)
    user = DemoUser(backend, app)
    no_token = requests.get(f"{server.url}/v1/requests", params={"app": app},
                            headers={"X-User-Token": user.token}, timeout=10)
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "unauthorized"
    with pytest.raises(Unauthorized):
        BackendClient(server.url, "wrong-token", retries=0).list_requests(app, user.subject)
    admin_with_service_token = requests.get(f"{server.url}/admin/v1/requests", timeout=10, headers={
        "Authorization": f"Bearer {backend.settings.service_token}"})
    assert admin_with_service_token.status_code == 401


def test_forged_expired_and_foreign_user_tokens_are_refused(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    secret = backend.settings.host_token_secret(app)
    forged = issue_host_token(app, user.app_user_id, "not-the-secret-but-long-enough-for-hs256")
    expired = issue_host_token(app, user.app_user_id, secret, ttl_seconds=-10)
    unknown = issue_host_token(app, "nobody", secret)
    for token in (forged, expired, unknown, "garbage"):
        with pytest.raises(InvalidSubject):
            client.list_requests(app, Subject(user_token=token))
    with pytest.raises(InvalidSubject):
        client.list_requests(app, Subject(identity_token=user.token))  # a host token is no identity token


def test_wechat_openid_identifies_a_bound_user(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    filed = client.file_request(app, "unsubscribe", subject=Subject(wechat_openid=user.openid),
                                channels=["in_app"])
    assert filed.request.status == "completed"
    assert [r.id for r in client.list_requests(app, user.subject)] == [filed.request.id]


def test_identity_token_files_deletion_straight_to_pending(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    challenge = client.start_verification(app, subject=user.subject)
    token = client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id))
    filed = client.file_request(app, "info_deletion", subject=Subject(identity_token=token.identity_token),
                                categories=["review"])
    assert filed.request.status == "pending" and filed.request.verification is None
    with backend.sessions() as session:
        assert session.execute(select(VerificationChallenge).where(
            VerificationChallenge.request_id == filed.request.id)).first() is None
