"""Next best actions through the backend's rules: identity from the conversation only, idempotent
filing, cancelling, the export link — and the context an agent sees (masked, no signed links)."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from bot.backend import worker
from bot.backend.errors import Forbidden, NotFound
from bot.backend.models import AuditEvent, HandoffEvent, PrivacyRequest, User
from bot.backend.services import agent_actions, execution, filing, handoff_events, handoff_queue
from bot.backend.services.agent_actions import IdentityRequired
from bot.backend.services.identity import Credentials
from tests.agents.harness import new_agent, new_ticket
from tests.agents.test_handoff_queue import principal
from tests.backend.helpers import DemoUser, read_code

APP = "tego"


def verified_conversation(backend, user: DemoUser) -> str:
    """A conversation in which the user proved their phone with a one-time code."""
    conversation = "c-" + secrets.token_urlsafe(12)
    creds = Credentials(user_token=user.token, conversation_id=conversation)
    challenge = filing.start_verification(backend, app_id=user.app_id, phone=None, creds=creds)
    filing.check_code(backend, challenge["challenge_id"], read_code(backend, challenge["challenge_id"]), creds)
    return conversation


@pytest.fixture
def claimed(backend):
    """(agent, ticket, user) — a verified user's conversation handed to an agent who claimed it."""
    agent = principal(backend, new_agent(backend, [APP]))
    user = DemoUser(backend, APP)
    ticket = new_ticket(backend, APP, conversation=verified_conversation(backend, user))
    handoff_queue.claim(backend, agent, ticket["id"])
    return agent, ticket, user


def test_an_anonymous_conversation_shows_no_identity_and_no_requests(backend):
    agent = principal(backend, new_agent(backend, [APP]))
    ticket = new_ticket(backend, APP)
    assert agent_actions.conversation_context(backend, agent, ticket["id"]) == {"identity": None, "requests": []}


def test_a_verified_conversation_shows_the_user_masked_with_their_requests(backend, claimed):
    agent, ticket, user = claimed
    agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="data_export")
    context = agent_actions.conversation_context(backend, agent, ticket["id"])
    identity = context["identity"]
    assert identity["verified"] and identity["via"] == "code" and identity["phone"] == user.phone[:3] + "****" + user.phone[-4:]
    assert [r["type"] for r in context["requests"]] == ["data_export"]
    assert context["requests"][0]["due_date"] and "export" not in context["requests"][0]


def test_filing_for_a_verified_user_goes_through_the_backend_rules_and_is_audited(backend, claimed):
    agent, ticket, user = claimed
    first = agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="account_deletion")
    again = agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="account_deletion")
    assert first["created"] and not again["created"] and first["request"]["id"] == again["request"]["id"]
    assert first["request"]["status"] in ("pending", "in_progress")
    with backend.sessions() as session:
        filed = session.get(PrivacyRequest, first["request"]["id"])
        audit = session.execute(select(AuditEvent.action, AuditEvent.actor_type, AuditEvent.actor_id).where(
            AuditEvent.entity_id.in_([filed.id, ticket["id"]])).order_by(AuditEvent.id)).all()
    assert filed.user_id == user.id
    # filed for the user by the agent: the filing's own audit event says who acted, in its transaction
    assert ("request.filed", "agent", agent.agent_id) in audit
    assert ("agent.filed_request", "agent", agent.agent_id) in audit
    with backend.sessions() as session:
        details = session.execute(select(AuditEvent.details).where(
            AuditEvent.entity_id == filed.id, AuditEvent.action == "request.filed")).scalar_one()
    assert details["for_user"] == user.id


def test_nothing_is_filed_for_a_conversation_that_proved_nobody(backend):
    agent = principal(backend, new_agent(backend, [APP]))
    user = DemoUser(backend, APP)
    ticket = new_ticket(backend, APP)
    handoff_queue.claim(backend, agent, ticket["id"])
    with pytest.raises(IdentityRequired):
        agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="account_deletion")
    with pytest.raises(IdentityRequired):
        agent_actions.send_export_link(backend, agent, ticket["id"])
    with backend.sessions() as session:
        assert session.execute(select(PrivacyRequest).where(PrivacyRequest.user_id == user.id)).first() is None


def test_an_expired_proof_is_no_proof(backend, claimed):
    agent, ticket, _ = claimed
    backend.clock.advance(minutes=16)
    with pytest.raises(IdentityRequired):
        agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="data_export")
    assert agent_actions.conversation_context(backend, agent, ticket["id"])["identity"]["verified"] is False


def test_only_the_agent_who_has_the_ticket_acts_on_it(backend, claimed):
    _, ticket, _ = claimed
    colleague = principal(backend, new_agent(backend, [APP]))
    outsider = principal(backend, new_agent(backend, ["melochi"]))
    with pytest.raises(Forbidden):
        agent_actions.file_for_ticket(backend, colleague, ticket["id"], type_="data_export")
    with pytest.raises(NotFound):
        agent_actions.file_for_ticket(backend, outsider, ticket["id"], type_="data_export")
    with pytest.raises(NotFound):
        agent_actions.conversation_context(backend, outsider, ticket["id"])


def test_an_agent_cancels_a_verified_users_request(backend, claimed):
    agent, ticket, _ = claimed
    filed = agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="data_export")
    cancelled = agent_actions.cancel_for_ticket(backend, agent, ticket["id"], filed["request"]["id"])
    assert cancelled["request"]["status"] == "cancelled"
    assert cancelled["event"]["details"]["action"] == "cancelled_request"


def test_the_export_link_is_sent_to_the_user_as_the_agents_message(backend, claimed):
    agent, ticket, _ = claimed
    filed = agent_actions.file_for_ticket(backend, agent, ticket["id"], type_="data_export")
    worker.run_once(backend)
    worker.run_once(backend)
    sent = agent_actions.send_export_link(backend, agent, ticket["id"])
    assert sent["request_id"] == filed["request"]["id"]
    event = sent["event"]
    assert event["kind"] == "agent_message" and "/v1/exports/" in event["text"] and "sig=" in event["text"]
    assert event["details"] == {"action": "send_export_link"}
    report = agent_actions.conversation_context(backend, agent, ticket["id"])["requests"][0]
    assert report["export_ready"] and "export" not in report


def test_erasing_the_account_erases_what_the_user_told_the_agent(backend, claimed):
    agent, ticket, user = claimed
    handoff_queue.record_user_message(backend, app_id=APP, conversation_id=ticket["conversation_id"],
                                      text="我叫测试人，住在幸福路 8 号")
    with backend.transaction() as session:
        execution.erase_account(backend, session, session.get(User, user.id), backend.now())
    with backend.sessions() as session:
        rows = session.execute(select(HandoffEvent.text, HandoffEvent.conversation_id).where(
            HandoffEvent.ticket_id == ticket["id"])).all()
    assert rows and all(r.conversation_id == "erased" for r in rows)
    assert all(r.text in (None, handoff_events.ERASED_TEXT) for r in rows)
