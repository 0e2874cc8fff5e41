"""The workspace over HTTP: login and sessions, CSRF, one app's agent seeing nothing of another's,
the conversation view, assist, messages into the conversation, hand-back, the live stream, the
assist API — and no personal data unmasked in what the agent sees or in the logs."""
from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from bot.backend.services import handoff_queue
from tests.agents.harness import ASSIST_TOKEN, Console, new_agent, new_ticket, parse_result
from tests.agents.test_agent_actions import verified_conversation
from tests.backend.helpers import DemoUser

PHONE, CODE = "13912345678", "654321"


@pytest.fixture
def tego_agent(backend, workspace):
    account = new_agent(backend, ["tego"], name="小唐")
    console = Console(workspace)
    assert console.login(account["login"]).status_code == 200
    return account, console


@pytest.fixture
def handed_over(backend, rasa):
    """A tego conversation handed over, with one user message waiting."""
    ticket = new_ticket(backend, "tego")
    rasa.handed_over(ticket["conversation_id"], ("怎么注销账号",), platform="pc")
    handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                      text=f"电脑上怎么注销账号？我手机 {PHONE} 验证码 {CODE}")
    return ticket


def test_without_a_session_the_console_page_loads_but_every_api_call_is_refused(workspace, handed_over):
    assert requests.get(workspace.url + "/", timeout=10).status_code == 200
    for path in ("/api/queue", "/api/me", f"/api/tickets/{handed_over['id']}", "/api/events",
                 f"/api/tickets/{handed_over['id']}/assist"):
        answered = requests.get(workspace.url + path, timeout=10)
        assert answered.status_code == 401, path
        assert answered.json()["error"]["code"] == "unauthorized"
    assert requests.post(workspace.url + f"/api/tickets/{handed_over['id']}/claim", json={}, timeout=10).status_code == 401


def test_the_session_cookie_is_httponly_and_samesite_strict(backend, workspace):
    account = new_agent(backend, ["tego"])
    response = Console(workspace).login(account["login"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert Console(workspace).login(account["login"], "wrong password").status_code == 401


def test_a_change_without_the_csrf_header_is_refused_and_changes_nothing(backend, tego_agent, handed_over):
    _, console = tego_agent
    refused = console.post(f"/api/tickets/{handed_over['id']}/claim", csrf=False)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    queue = console.get("/api/queue").json()["items"]
    assert next(t for t in queue if t["id"] == handed_over["id"])["status"] == "open"


def test_an_agent_of_one_app_sees_and_does_nothing_in_another(backend, workspace, rasa, handed_over):
    outsider = Console(workspace)
    outsider.login(new_agent(backend, ["melochi"])["login"])
    assert handed_over["id"] not in [t["id"] for t in outsider.get("/api/queue").json()["items"]]
    ticket = f"/api/tickets/{handed_over['id']}"
    for answer in (outsider.get(ticket), outsider.get(ticket + "/assist"), outsider.post(ticket + "/claim"),
                   outsider.post(ticket + "/messages", {"text": "你好", "usage": "own"}),
                   outsider.post(ticket + "/actions", {"type": "file_request", "request_type": "data_export"}),
                   outsider.post(ticket + "/handback")):
        assert answer.status_code == 404, answer.text
    assert rasa.appended.get(handed_over["conversation_id"]) is None


def test_the_conversation_view_shows_history_events_and_platform_all_masked(tego_agent, handed_over):
    _, console = tego_agent
    view = console.get(f"/api/tickets/{handed_over['id']}").json()
    assert view["platform"] == "pc" and view["history"][0] == {
        "from": "user", "text": "怎么注销账号", "at": 1.0, "intent": "how_delete_account"}
    said = [e["text"] for e in view["events"] if e["kind"] == "user_message"]
    assert said == ["电脑上怎么注销账号？我手机 139****5678 验证码 ******"]
    assert PHONE not in json.dumps(view, ensure_ascii=False) and CODE not in json.dumps(view, ensure_ascii=False)
    assert view["identity"] is None and view["requests"] == []


def test_claim_assist_reply_and_hand_back_through_rasas_api(backend, rasa, tego_agent, handed_over):
    account, console = tego_agent
    asked = "电脑上怎么注销账号？我手机 13900005678 验证码 000000"  # the masked values in their usual shape
    rasa.parses[asked] = parse_result(asked, "how_delete_account", 0.93,
                                      ranking=[("request_account_deletion", 0.04), ("ask_storage_retention", 0.02)])
    ticket = f"/api/tickets/{handed_over['id']}"
    assert console.post(ticket + "/claim").json()["assigned_agent"]["id"] == account["id"]
    assist = console.get(ticket + "/assist").json()
    assert assist["intent"] == {"name": "how_delete_account", "confidence": 0.93} and assist["platform"] == "pc"
    first = assist["suggestions"][0]
    assert first["intent"] == "how_delete_account" and first["sections"] and first["steps"]
    assert 1 <= len(assist["suggestions"]) <= 3
    assert assist["next_action"]["type"] == "file_request" and not assist["next_action"]["available"]
    sent = console.post(ticket + "/messages", {"text": first["text"], "usage": "as_is",
                                               "intent": "how_delete_account", "suggestion_intent": first["intent"]})
    assert sent.status_code == 201 and sent.json()["delivery"] == {"recorded": True, "sent": True}
    bot_event = rasa.appended[handed_over["conversation_id"]][-1]
    assert bot_event["event"] == "bot" and bot_event["text"] == first["text"]
    assert bot_event["metadata"]["agent"] == {"id": account["id"], "name": "小唐"}
    closed = console.post(ticket + "/handback")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [e["event"] for e in rasa.appended[handed_over["conversation_id"]][-2:]] == ["action", "resume"]
    report = console.get("/api/reports/assist").json()
    assert any(r["intent"] == "how_delete_account" and r["as_is"] >= 1 for r in report["items"])


def test_a_wechat_users_agent_messages_go_through_the_wechat_send_client(backend, workspace, rasa, sent_to_wechat):
    openid = "oTwechatUser0000000001"
    ticket = new_ticket(backend, "liqun", conversation=f"wechat:liqun:{openid}")
    rasa.handed_over(ticket["conversation_id"], platform="miniprogram")
    console = Console(workspace)
    console.login(new_agent(backend, ["liqun"])["login"])
    console.post(f"/api/tickets/{ticket['id']}/claim")
    answer = console.post(f"/api/tickets/{ticket['id']}/messages", {"text": "您好，我是人工客服", "usage": "own"})
    assert answer.json()["delivery"]["sent"] is True
    assert ("liqun", openid, "您好，我是人工客服") in sent_to_wechat.sent


def read_events(response, wanted: int, timeout: float = 5.0) -> list:
    """The first ``wanted`` SSE events of a streaming response."""
    found, data, deadline = [], {}, time.monotonic() + timeout
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("id: "):
            data["id"] = int(line[4:])
        elif line.startswith("event: "):
            data["event"] = line[7:]
        elif line.startswith("data: "):
            data["data"] = json.loads(line[6:])
        elif line == "" and "event" in data:
            found.append(data)
            data = {}
            if len(found) >= wanted:
                break
        if time.monotonic() > deadline:
            break
    return found


def test_the_console_stream_pushes_the_apps_events_live_and_resumes_after_last_event_id(backend, tego_agent):
    _, console = tego_agent
    other_app = new_ticket(backend, "melochi")
    stream = console.http.get(console.base + "/api/events", stream=True, timeout=10)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    ticket = new_ticket(backend, "tego")
    handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                      text=f"我的号码 {PHONE}")
    events = read_events(stream, 2)
    stream.close()
    assert [(e["event"], e["data"]["ticket"]) for e in events] == [("created", ticket["id"]),
                                                                    ("user_message", ticket["id"])]
    assert events[1]["data"]["text"] == "我的号码 139****5678"
    assert all(e["data"]["ticket"] != other_app["id"] for e in events)
    resumed = console.http.get(console.base + "/api/events", stream=True, timeout=10,
                               headers={"Last-Event-ID": str(events[0]["id"])})
    again = read_events(resumed, 1)
    resumed.close()
    assert again[0]["id"] == events[1]["id"]


def test_the_assist_api_needs_its_token_and_answers_bad_requests_clearly(workspace):
    url = workspace.url + "/api/assist/suggestions"
    good = {"app": "tego", "platform": "app", "messages": [{"from": "user", "text": "怎么注销账号"}]}
    assert requests.post(url, json=good, timeout=10).status_code == 401
    assert requests.post(url, json=good, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {ASSIST_TOKEN}"}
    for body, status in (({**good, "app": "nope"}, 422), ({**good, "platform": "tv"}, 422),
                         ({**good, "messages": []}, 422), ({**good, "messages": [{"from": "bot", "text": "您好"}]}, 422),
                         ({**good, "messages": [{"from": "user", "text": ""}]}, 422), ({"app": "tego"}, 422)):
        answered = requests.post(url, json=body, headers=auth, timeout=10)
        assert answered.status_code == status, body
        assert answered.json()["error"]["message"]
    malformed = requests.post(url, data="{not json", headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert malformed.status_code == 400


def test_the_assist_api_answers_the_latest_user_message_with_up_to_three_suggestions(workspace, rasa):
    rasa.parses["那邮件呢"] = parse_result("那邮件呢", "inform", 0.8, entities=[("channel", "email")])
    rasa.parses["营销短信怎么退订"] = parse_result("营销短信怎么退订", "how_unsubscribe", 0.95,
                                             ranking=[("request_unsubscribe", 0.03)], entities=[("channel", "sms")])
    body = {"app": "tego", "platform": "app", "messages": [
        {"from": "user", "text": "营销短信怎么退订"}, {"from": "bot", "text": "……"}, {"from": "user", "text": "那邮件呢"}]}
    answered = requests.post(workspace.url + "/api/assist/suggestions", json=body,
                             headers={"Authorization": f"Bearer {ASSIST_TOKEN}"}, timeout=10).json()
    assert answered["intent"]["name"] == "how_unsubscribe"
    assert 1 <= len(answered["suggestions"]) <= 3
    assert set(answered["suggestions"][0]) >= {"intent", "text", "sections", "steps"}
    assert answered["next_action"]["type"] == "file_request" and answered["next_action"]["channels"] == ["email"]
    assert answered["next_action"]["available"] is False
    described = requests.get(workspace.url + "/openapi.json", timeout=10).json()
    assert "/api/assist/suggestions" in described["paths"]


def test_the_operators_event_stream_needs_the_token_and_an_app(backend, workspace):
    url = workspace.url + "/api/assist/events"
    assert requests.get(url, params={"app": "tego"}, timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {ASSIST_TOKEN}"}
    assert requests.get(url, headers=auth, timeout=10).status_code == 400
    stream = requests.get(url, params={"app": "yhd"}, headers=auth, stream=True, timeout=10)
    ticket = new_ticket(backend, "yhd")
    events = read_events(stream, 1)
    stream.close()
    assert events[0]["event"] == "created" and events[0]["data"]["ticket"] == ticket["id"]


def test_nothing_the_workspace_logs_holds_a_phone_or_a_code(backend, workspace, rasa, caplog):
    caplog.set_level(logging.DEBUG)
    ticket = new_ticket(backend, "tego")
    rasa.handed_over(ticket["conversation_id"], (f"我的手机是 {PHONE}",))
    console = Console(workspace)
    console.login(new_agent(backend, ["tego"])["login"])
    handoff_queue.record_user_message(backend, app_id="tego", conversation_id=ticket["conversation_id"],
                                      text=f"验证码 {CODE}，手机 {PHONE}")
    console.post(f"/api/tickets/{ticket['id']}/claim")
    console.get(f"/api/tickets/{ticket['id']}")
    console.get(f"/api/tickets/{ticket['id']}/assist")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged and PHONE not in logged and CODE not in logged


def test_the_next_best_action_files_only_for_a_verified_conversation(backend, workspace, rasa):
    console = Console(workspace)
    console.login(new_agent(backend, ["tego"])["login"])
    anonymous = new_ticket(backend, "tego")
    user = DemoUser(backend, "tego")
    verified = new_ticket(backend, "tego", conversation=verified_conversation(backend, user))
    action = {"type": "file_request", "request_type": "account_deletion"}
    for ticket in (anonymous, verified):
        rasa.handed_over(ticket["conversation_id"])
        console.post(f"/api/tickets/{ticket['id']}/claim")
    refused = console.post(f"/api/tickets/{anonymous['id']}/actions", action)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "identity_required"
    filed = console.post(f"/api/tickets/{verified['id']}/actions", action)
    assert filed.status_code == 201 and filed.json()["request"]["type"] == "account_deletion"
    view = console.get(f"/api/tickets/{verified['id']}").json()
    assert view["identity"]["verified"] and [r["id"] for r in view["requests"]] == [filed.json()["request"]["id"]]
    assert console.post(f"/api/tickets/{verified['id']}/actions", {"type": "delete_everything"}).status_code == 400
