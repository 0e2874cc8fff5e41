"""Filing is idempotent, also when identical calls race (unique constraints, not check-then-insert)."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from bot.backend.client import BackendClient, Conflict
from bot.backend.models import PrivacyRequest, VerificationChallenge
from tests.backend.helpers import DemoUser, make_app

CONCURRENT = 12


def race(client_factory, calls):
    """Start every call at the same moment from its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        client = client_factory()
        barrier.wait()
        try:
            results[index] = call(client)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def count_requests(backend, app):
    with backend.sessions() as session:
        return session.execute(select(func.count()).select_from(PrivacyRequest).where(
            PrivacyRequest.app_id == app)).scalar_one()


@pytest.fixture
def new_client(backend, server):
    return lambda: BackendClient(server.url, backend.settings.service_token, retries=0)


def test_concurrent_identical_filings_with_one_key_create_one_request(backend, new_client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    key = uuid.uuid4().hex
    results = race(new_client, [lambda c: c.file_request(
        app, "account_deletion", subject=user.subject, idempotency_key=key)] * CONCURRENT)
    assert len({r.request.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert count_requests(backend, app) == 1
    with backend.sessions() as session:  # and one code was sent, not twelve
        assert session.execute(select(func.count()).select_from(VerificationChallenge).where(
            VerificationChallenge.app_id == app)).scalar_one() == 1


def test_concurrent_identical_filings_with_different_keys_file_one_open_request(backend, new_client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    results = race(new_client, [lambda c: c.file_request(
        app, "unsubscribe", phone=user.phone, channels=["sms", "email"])] * CONCURRENT)
    assert len({r.request.id for r in results}) == 1
    assert count_requests(backend, app) == 1


def test_concurrent_filings_of_different_requests_are_all_kept(backend, new_client):
    app = make_app(backend)
    users = [DemoUser(backend, app) for _ in range(6)]
    calls = [lambda c, u=u: c.file_request(app, "data_export", subject=u.subject) for u in users]
    calls += [lambda c, u=u: c.file_request(app, "unsubscribe", subject=u.subject, channels=["sms"])
              for u in users]
    results = race(new_client, calls)
    assert len({r.request.id for r in results}) == 12 and all(r.created for r in results)
    assert count_requests(backend, app) == 12


def test_a_retry_with_the_same_key_returns_the_same_request(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    first = client.file_request(app, "data_export", subject=user.subject, idempotency_key="conv-1-export")
    again = client.file_request(app, "data_export", subject=user.subject, idempotency_key="conv-1-export")
    assert again.request.id == first.request.id and first.created and not again.created
    assert again.request.verification.challenge_id == first.request.verification.challenge_id


def test_the_same_key_for_a_different_request_is_a_conflict(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    client.file_request(app, "data_export", subject=user.subject, idempotency_key="conv-2-request")
    with pytest.raises(Conflict) as error:
        client.file_request(app, "account_deletion", subject=user.subject, idempotency_key="conv-2-request")
    assert error.value.code == "idempotency_key_reused"
    assert count_requests(backend, app) == 1


def test_a_closed_request_does_not_block_filing_again(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    first = client.file_request(app, "unsubscribe", subject=user.subject, channels=["push"])
    second = client.file_request(app, "unsubscribe", subject=user.subject, channels=["push"])
    assert first.request.status == "completed" and second.created
    assert second.request.id != first.request.id
