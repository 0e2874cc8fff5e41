"""Attacks on identity that an outside probe found, replayed against the real backend.

Guessing codes (across resends, new challenges and apps), verified identity bound to the
conversation that proved it, a logged-in user's code actually verifying their request, and a
different phone never riding on an earlier verification.
"""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from bot.backend.client import (
    ChallengeLocked, InvalidCode, InvalidSubject, RateLimited, Subject,
)
from bot.backend.models import DevOutboxMessage, IdentityBinding, PrivacyRequest
from tests.backend.helpers import DemoUser, make_app, read_code, wrong_code


def conversation() -> str:
    return "c" + secrets.token_hex(8)


def guess_wrong(client, challenge_id: str, code: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCode):
            client.check_code(challenge_id, wrong_code(code))


def test_a_resend_keeps_the_wrong_guesses_already_made(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    challenge = client.start_verification(app, phone=user.phone)
    guess_wrong(client, challenge.challenge_id, read_code(backend, challenge.challenge_id), 4)
    backend.clock.advance(seconds=61)
    resent = client.resend_code(challenge.challenge_id)
    assert resent.attempts_left == 1
    with pytest.raises(ChallengeLocked):
        client.check_code(challenge.challenge_id, wrong_code(read_code(backend, challenge.challenge_id)))


def test_after_a_lockout_no_new_challenge_starts_for_that_phone_in_any_app(backend, client):
    first_app, second_app = make_app(backend), make_app(backend)
    user = DemoUser(backend, first_app)
    challenge = client.start_verification(first_app, phone=user.phone)
    code = read_code(backend, challenge.challenge_id)
    guess_wrong(client, challenge.challenge_id, code, 4)
    with pytest.raises(ChallengeLocked):
        client.check_code(challenge.challenge_id, wrong_code(code))
    for app in (first_app, second_app):
        with pytest.raises(RateLimited):
            client.start_verification(app, phone=user.phone)


def test_wrong_guesses_are_counted_per_phone_across_concurrent_challenges(backend, client):
    first_app, second_app = make_app(backend), make_app(backend)
    user = DemoUser(backend, first_app)
    first = client.start_verification(first_app, phone=user.phone)
    second = client.start_verification(second_app, phone=user.phone)
    guess_wrong(client, first.challenge_id, read_code(backend, first.challenge_id), 3)
    second_code = read_code(backend, second.challenge_id)
    guess_wrong(client, second.challenge_id, second_code, 2)
    with pytest.raises(ChallengeLocked):  # 5 wrong guesses for this phone this hour
        client.check_code(second.challenge_id, wrong_code(second_code))


def test_codes_sent_to_one_phone_are_capped_across_apps(backend, client):
    apps = [make_app(backend) for _ in range(3)]
    phone = "139" + f"{secrets.randbelow(10**8):08d}"
    backend.codes_per_phone_per_hour = 4
    try:
        for n in range(4):
            client.start_verification(apps[n % 3], phone=phone)
        for app in apps:
            with pytest.raises(RateLimited):
                client.start_verification(app, phone=phone)
    finally:
        backend.codes_per_phone_per_hour = 1000


def test_a_code_verified_in_a_conversation_proves_that_conversation_only(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    mine, other = Subject(conversation_id=conversation()), Subject(conversation_id=conversation())
    challenge = client.start_verification(app, phone=user.phone, subject=mine)
    verified = client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id),
                                 subject=mine)
    assert verified.identity_token is None  # nothing for the caller to keep: the proof stays here
    filed = client.file_request(app, "data_export", subject=mine, require_verified=True)
    assert filed.request.status == "pending"
    assert [r.id for r in client.list_requests(app, mine)] == [filed.request.id]
    with pytest.raises(InvalidSubject):
        client.list_requests(app, other)


def test_a_verified_conversation_expires_after_fifteen_minutes(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    mine = Subject(conversation_id=conversation())
    challenge = client.start_verification(app, phone=user.phone, subject=mine)
    client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id), subject=mine)
    backend.clock.advance(minutes=15, seconds=1)
    with pytest.raises(InvalidSubject):
        client.list_requests(app, mine)


def test_a_logged_in_users_code_verifies_the_deletion_they_then_file(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    me = Subject(user_token=user.token, conversation_id=conversation())
    challenge = client.start_verification(app, subject=me)
    client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id), subject=me)
    filed = client.file_request(app, "account_deletion", subject=me, require_verified=True)
    assert filed.request.status == "pending" and filed.request.verification is None
    with backend.sessions() as session:  # no second code was sent that nobody would ask for
        sent = session.execute(select(func.count()).select_from(DevOutboxMessage).where(
            DevOutboxMessage.app_id == app)).scalar_one()
    assert sent == 1


def test_filing_that_requires_a_verified_code_files_nothing_without_one(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    me = Subject(user_token=user.token, conversation_id=conversation())
    with pytest.raises(InvalidSubject):
        client.file_request(app, "account_deletion", subject=me, require_verified=True)
    with backend.sessions() as session:
        filed = session.execute(select(func.count()).select_from(PrivacyRequest).where(
            PrivacyRequest.app_id == app)).scalar_one()
        sent = session.execute(select(func.count()).select_from(DevOutboxMessage).where(
            DevOutboxMessage.app_id == app)).scalar_one()
    assert (filed, sent) == (0, 0)


def test_a_code_proving_one_user_does_not_verify_another_users_token(backend, client):
    app = make_app(backend)
    victim, attacker = DemoUser(backend, app), DemoUser(backend, app)
    shared = conversation()
    proven = Subject(conversation_id=shared)
    challenge = client.start_verification(app, phone=attacker.phone, subject=proven)
    client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id), subject=proven)
    as_victim = Subject(user_token=victim.token, conversation_id=shared)
    with pytest.raises(InvalidSubject):
        client.file_request(app, "account_deletion", subject=as_victim, require_verified=True)


def test_a_different_phone_in_a_verified_conversation_gets_its_own_code(backend, client):
    app = make_app(backend)
    first, second = DemoUser(backend, app), DemoUser(backend, app)
    mine = Subject(conversation_id=conversation())
    challenge = client.start_verification(app, phone=first.phone, subject=mine)
    client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id), subject=mine)
    again = client.start_verification(app, phone=first.phone, subject=mine)
    assert again.already_verified and again.challenge_id is None
    other = client.start_verification(app, phone=second.phone, subject=mine)
    assert not other.already_verified and other.challenge_id
    client.check_code(other.challenge_id, read_code(backend, other.challenge_id), subject=mine)
    assert client.list_requests(app, mine) == []  # now the second user, who has filed nothing
    filed = client.file_request(app, "data_export", subject=mine, require_verified=True)
    with backend.sessions() as session:
        assert session.get(PrivacyRequest, filed.request.id).user_id == second.id


def test_a_wechat_user_who_proves_a_phone_is_bound_to_that_account(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    openid = "oW" + secrets.token_hex(12)
    wechat = Subject(wechat_openid=openid, conversation_id=f"wechat:{app}:{openid}")
    with pytest.raises(InvalidSubject):
        client.list_requests(app, Subject(wechat_openid=openid))
    challenge = client.start_verification(app, phone=user.phone, subject=wechat)
    client.check_code(challenge.challenge_id, read_code(backend, challenge.challenge_id), subject=wechat)
    with backend.sessions() as session:
        binding = session.execute(select(IdentityBinding).where(
            IdentityBinding.kind == "wechat_openid", IdentityBinding.value == openid)).scalar_one()
    assert binding.user_id == user.id
    # a later conversation of the same WeChat user is known (not verified: deletion needs a code)
    assert client.list_requests(app, Subject(wechat_openid=openid)) == []
    with pytest.raises(InvalidSubject):
        client.file_request(app, "account_deletion", subject=Subject(wechat_openid=openid),
                            require_verified=True)
