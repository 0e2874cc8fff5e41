"""The handoff queue on SQLite and PostgreSQL: who sees which ticket, claims (also racing),
reassignment, hand-back, the user's and the agent's messages, waiting figures and assist feedback."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot.backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from bot.backend.models import AuditEvent
from bot.backend.services import agents, assist_reports, handoff_events, handoff_queue
from tests.agents.harness import PASSWORD, new_agent, new_ticket


def principal(backend, account):
    return agents.login(backend, account["login"], PASSWORD)[1]


@pytest.fixture
def desk(backend):
    """Two agents of tego, one of liqun, a supervisor of tego."""
    tego = [principal(backend, new_agent(backend, ["tego"], name=n)) for n in ("甲", "乙")]
    liqun = principal(backend, new_agent(backend, ["liqun"], name="丙"))
    boss = principal(backend, new_agent(backend, ["tego"], role="supervisor", name="主管"))
    return tego[0], tego[1], liqun, boss


def ids(items):
    return [t["id"] for t in items]


def test_a_ticket_is_in_the_queue_of_its_apps_agents_only_with_its_summary_masked(backend, desk):
    first, _, liqun, _ = desk
    ticket = new_ticket(backend, "tego")
    mine = handoff_queue.queue(backend, first, ["tego", "liqun"])
    assert ticket["id"] in ids(mine)
    shown = next(t for t in mine if t["id"] == ticket["id"])
    assert "13912345678" not in shown["summary"] and "139****5678" in shown["summary"]
    assert shown["status"] == "open" and shown["position"] >= 1 and shown["reason_label"] == "用户要求人工"
    assert ticket["id"] not in ids(handoff_queue.queue(backend, liqun, ["tego", "liqun"]))
    with pytest.raises(NotFound):
        handoff_queue.ticket_events(backend, liqun, ticket["id"])
    with pytest.raises(NotFound):
        handoff_queue.claim(backend, liqun, ticket["id"])


def test_queue_positions_follow_filing_order_per_app(backend, desk):
    first = desk[0]
    tickets = [new_ticket(backend, "tego") for _ in range(3)]
    places = {t["id"]: t["position"] for t in handoff_queue.queue(backend, first, ["tego"])}
    assert places[tickets[0]["id"]] < places[tickets[1]["id"]] < places[tickets[2]["id"]]


def test_one_agent_claims_a_ticket_another_cannot_take_it(backend, desk):
    first, second, _, _ = desk
    ticket = new_ticket(backend, "tego")
    claimed = handoff_queue.claim(backend, first, ticket["id"])
    assert claimed["status"] == "claimed" and claimed["assigned_agent"]["display_name"] == "甲"
    assert handoff_queue.claim(backend, first, ticket["id"])["status"] == "claimed"  # again: no change
    with pytest.raises(Conflict):
        handoff_queue.claim(backend, second, ticket["id"])


def test_two_agents_claiming_at_once_get_one_owner(backend, desk):
    first, second, _, _ = desk
    ticket = new_ticket(backend, "tego")
    barrier, outcomes = threading.Barrier(2), []

    def claim(who):
        barrier.wait()
        try:
            outcomes.append(handoff_queue.claim(backend, who, ticket["id"])["assigned_agent"]["id"])
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=claim, args=(who,)) for who in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("conflict") == 1
    _, events = handoff_queue.ticket_events(backend, first, ticket["id"])
    assert [e["kind"] for e in events].count("claimed") == 1


def test_only_a_supervisor_reassigns_and_only_to_an_agent_of_the_app(backend, desk):
    first, second, liqun, boss = desk
    ticket = new_ticket(backend, "tego")
    handoff_queue.claim(backend, first, ticket["id"])
    with pytest.raises(Forbidden):
        handoff_queue.reassign(backend, first, ticket["id"], second.agent_id)
    with pytest.raises(ValidationFailed):
        handoff_queue.reassign(backend, boss, ticket["id"], liqun.agent_id)
    moved = handoff_queue.reassign(backend, boss, ticket["id"], second.agent_id)
    assert moved["assigned_agent"]["id"] == second.agent_id
    with pytest.raises(Forbidden):
        handoff_queue.record_agent_message(backend, first, ticket["id"], "您好", usage="own")


def test_handing_back_closes_the_ticket_for_its_agent_or_a_supervisor(backend, desk):
    first, second, _, boss = desk
    ticket = new_ticket(backend, "tego")
    with pytest.raises(Conflict):
        handoff_queue.close(backend, first, ticket["id"])  # nobody has claimed it
    handoff_queue.claim(backend, first, ticket["id"])
    with pytest.raises(Forbidden):
        handoff_queue.conversation_to_close(backend, second, ticket["id"])
    assert handoff_queue.conversation_to_close(backend, boss, ticket["id"]) == ticket["conversation_id"]
    closed = handoff_queue.close(backend, first, ticket["id"])
    assert closed["status"] == "closed" and closed["closed_at"]
    assert ticket["id"] not in ids(handoff_queue.queue(backend, first, ["tego"]))
    with pytest.raises(Conflict):
        handoff_queue.record_agent_message(backend, first, ticket["id"], "还在吗", usage="own")


def test_the_users_messages_are_logged_masked_and_answered_with_their_place(backend, desk):
    first = desk[0]
    ticket = new_ticket(backend, "tego")
    waiting = handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                                text="我的手机号是13912345678，验证码 123456")
    assert waiting["status"] == "open" and waiting["position"] >= 1 and waiting["agent_name"] is None
    handoff_queue.claim(backend, first, ticket["id"])
    served = handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                               text="还在吗")
    assert served["status"] == "claimed" and served["agent_name"] == "甲" and served["position"] is None
    _, events = handoff_queue.ticket_events(backend, first, ticket["id"])
    said = [e["text"] for e in events if e["kind"] == "user_message"]
    assert said == ["我的手机号是139****5678，验证码 ******", "还在吗"]
    handoff_queue.close(backend, first, ticket["id"])
    with pytest.raises(NotFound):
        handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                          text="你好")


def test_bad_messages_change_nothing(backend, desk):
    first = desk[0]
    ticket = new_ticket(backend, "tego")
    handoff_queue.claim(backend, first, ticket["id"])
    for text, usage in (("", "own"), ("x" * 1001, "own"), ("好的", "copied")):
        with pytest.raises(ValidationFailed):
            handoff_queue.record_agent_message(backend, first, ticket["id"], text, usage=usage)
    with pytest.raises(ValidationFailed):
        handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                          text="x" * 501)
    _, events = handoff_queue.ticket_events(backend, first, ticket["id"])
    assert [e["kind"] for e in events] == ["created", "claimed"]


def test_the_recent_median_wait_is_told_once_there_are_enough_claims(backend):
    app = "miniapp"
    agent = principal(backend, new_agent(backend, [app]))
    for minutes in (2, 4, 6):
        ticket = new_ticket(backend, app)
        backend.clock.advance(minutes=minutes)
        handoff_queue.claim(backend, agent, ticket["id"])
    waiting = new_ticket(backend, app)
    status = handoff_queue.record_user_message(backend, app_id=app, conversation_id=waiting["conversation_id"],
                                               text="有人吗")
    assert status["recent_median_wait_seconds"] is not None
    assert 3 * 60 <= status["recent_median_wait_seconds"] <= 5 * 60


def test_agent_messages_record_how_the_suggestion_was_used_and_are_reported_per_intent(backend):
    app = "yhd"
    agent = principal(backend, new_agent(backend, [app]))
    ticket = new_ticket(backend, app)
    handoff_queue.claim(backend, agent, ticket["id"])
    for usage in ("as_is", "as_is", "edited", "own"):
        handoff_queue.record_agent_message(backend, agent, ticket["id"], "您可以在 我的›设置 中注销。", usage=usage,
                                           intent="how_delete_account", suggestion_intent="how_delete_account")
    handoff_queue.record_agent_message(backend, agent, ticket["id"], "链接已发送", usage=None, action="send_export_link")
    report = assist_reports.acceptance_by_intent(backend, agent, [app])
    row = next(i for i in report["items"] if i["intent"] == "how_delete_account")
    assert (row["replies"], row["as_is"], row["edited"], row["own"]) == (4, 2, 1, 1)
    assert row["acceptance_rate"] == 0.75 and row["as_is_rate"] == 0.5
    outsider = principal(backend, new_agent(backend, ["melochi"]))
    assert assist_reports.acceptance_by_intent(backend, outsider, [app])["items"] == []


def test_every_agent_action_is_audited_as_that_agent(backend, desk):
    first, second, _, boss = desk
    ticket = new_ticket(backend, "tego")
    handoff_queue.claim(backend, first, ticket["id"])
    handoff_queue.record_agent_message(backend, first, ticket["id"], "您好", usage="own")
    handoff_queue.reassign(backend, boss, ticket["id"], second.agent_id)
    handoff_queue.close(backend, second, ticket["id"])
    with backend.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.actor_type, AuditEvent.actor_id).where(
            AuditEvent.entity_id == ticket["id"]).order_by(AuditEvent.id)).all()
    assert [(r.action, r.actor_id) for r in rows] == [
        ("handoff.created", "bot"), ("handoff.claimed", first.agent_id),
        ("handoff.agent_message", first.agent_id), ("handoff.reassigned", boss.agent_id),
        ("handoff.closed", second.agent_id)]
    assert all(r.actor_type == "agent" for r in rows[1:])


def test_wechat_handoffs_reach_the_queue_only_for_apps_configured_for_the_workspace(backend):
    agent = principal(backend, new_agent(backend, ["liqun", "tego"]))
    liqun = new_ticket(backend, "liqun", conversation="wechat:liqun:oT" + "a" * 20)
    tego = new_ticket(backend, "tego", conversation="wechat:tego:oT" + "b" * 20)
    queued = ids(handoff_queue.queue(backend, agent, ["liqun", "tego"], wechat_apps=("liqun",)))
    assert liqun["id"] in queued and tego["id"] not in queued
    with pytest.raises(NotFound):
        handoff_queue.claim(backend, agent, tego["id"], wechat_apps=("liqun",))


def test_the_event_log_streams_in_order_and_a_chat_page_starts_at_its_latest_ticket(backend, desk):
    first = desk[0]
    before = handoff_events.latest_id(backend)
    conversation = "c-stream" + str(before)
    old = new_ticket(backend, "tego", conversation=conversation)
    handoff_queue.claim(backend, first, old["id"])
    handoff_queue.close(backend, first, old["id"])
    new = new_ticket(backend, "tego", conversation=conversation)
    events = handoff_events.events_after(backend, before, conversation_id=conversation)
    assert [e["kind"] for e in events] == ["created", "claimed", "closed", "created"]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    start = handoff_events.latest_ticket_start(backend, "tego", conversation)
    assert [e["ticket"] for e in handoff_events.events_after(backend, start, conversation_id=conversation)] == [new["id"]]
