"""Conversations over HTTP against the running Rasa server, action server and backend (SQLite)."""
import json
import re

import requests

from tests.e2e.helpers import demo_users, latest_code, log_files

REQUEST_ID = re.compile(r"PR-[0-9A-HJKMNP-TV-Z]{10}")


def user_of(stack, app, index=0):
    return [u for u in demo_users(stack) if u[0] == app][index]


def test_policy_question_is_answered_from_the_apps_policy_with_its_section(chat):
    reply = chat("melochi").send("你们的客服邮箱是多少")
    assert "1391718307@qq.com" in reply and "依据" in reply


def test_settings_path_follows_the_platform_and_a_follow_up_switches_it(chat):
    conversation = chat("melochi", platform="app")
    on_phone = conversation.send("怎么注销账号")
    assert "1. 我的" in on_phone and "账户与安全" in on_phone
    on_pc = conversation.send("那在电脑上呢？")
    assert "电脑网页（PC端）" in on_pc and "账户安全" in on_pc


def test_that_email_then_follows_up_on_an_sms_unsubscribe_answer(chat):
    conversation = chat("liqun")
    assert "TD" in conversation.send("营销短信怎么退订")
    assert "邮件订阅" in conversation.send("那邮件呢？")


def test_anonymous_account_deletion_verified_through_the_dev_outbox(stack, chat):
    app, _, _, phone, _ = user_of(stack, "tego", 1)
    conversation = chat(app)
    assert "确认" in conversation.send("我要注销账号")
    assert "手机号" in conversation.send("确认")
    assert "验证码已发送" in conversation.send(phone)
    filed = conversation.send(f"验证码是{latest_code(stack, app, phone)}")
    request_id = REQUEST_ID.search(filed).group()
    assert "已为您提交" in filed and "前" in filed  # the due date
    assert request_id in conversation.send("我的申请进度怎么样了")
    assert "已为您撤回" in conversation.send(f"我不想注销了，帮我撤回 {request_id}")


def test_a_wrong_code_is_refused_and_the_right_one_still_files(stack, chat):
    app, _, _, phone, _ = user_of(stack, "liqun", 0)
    conversation = chat(app)
    conversation.send("帮我导出我的个人信息")
    conversation.send("好的")
    conversation.send(phone)
    code = latest_code(stack, app, phone)
    wrong = "000000" if code != "000000" else "111111"
    assert "不正确" in conversation.send(wrong)
    assert REQUEST_ID.search(conversation.send(code))


def test_authenticated_unsubscribe_takes_effect_at_once_without_a_code(stack, chat):
    app, _, _, phone, token = user_of(stack, "melochi", 2)
    conversation = chat(app, token=token)
    conversation.send("别再给我发营销短信了")
    done = conversation.send("确认")
    assert "即刻生效" in done and REQUEST_ID.search(done)


def test_authenticated_export_still_confirms_a_code_sent_to_the_bound_phone(stack, chat):
    app, _, _, phone, token = user_of(stack, "miniapp", 0)
    conversation = chat(app, token=token)
    conversation.send("把我的数据导出给我")
    sent = conversation.send("确认")
    assert phone[-4:] in sent and "验证码" in sent
    request_id = REQUEST_ID.search(conversation.send(latest_code(stack, app, phone))).group()
    filed = json.loads(stack.backend_command("requests", "show", request_id))
    assert filed["status"] in ("pending", "in_progress", "completed")  # verified, not awaiting a code
    assert [e["action"] for e in filed["audit"]].count("request.pending") == 1


def test_changing_ones_mind_mid_flow_files_nothing(stack, chat):
    app, _, _, _, token = user_of(stack, "yhd", 0)
    conversation = chat(app, token=token)
    conversation.send("注销我的账号")
    assert "没有提交任何申请" in conversation.send("算了")
    assert "没有查到" in conversation.send("查一下我的申请")


def test_human_handoff_creates_a_ticket_and_pauses_the_bot(chat):
    conversation = chat("melochi")
    assert "人工客服" in conversation.send("转人工")
    assert "客服" in conversation.send("喂？有人吗")  # paused for the agent, but never silence


def test_bad_requests_are_refused_and_reach_nobody(stack):
    webhook = f"{stack.url('rasa')}/webhooks/app_chat/webhook"
    unknown = requests.post(webhook, json={"sender": "x1", "message": "你好", "metadata": {"app": "nope"}})
    assert unknown.status_code == 404 and "未知的应用" in unknown.json()["message"]
    assert "melochi" not in unknown.text  # the other tenants are not listed
    assert requests.post(webhook, json={"sender": "x1", "message": " ", "metadata": {"app": "yhd"}}).status_code == 400
    too_long = requests.post(webhook, json={"sender": "x1", "message": "好" * 2000, "metadata": {"app": "yhd"}})
    assert too_long.status_code == 413
    assert requests.post(webhook, data="not json", headers={"Content-Type": "application/json"}).status_code == 400


def test_rasa_http_api_needs_the_auth_token(stack):
    tracker = f"{stack.url('rasa')}/conversations/anyone/tracker"
    assert requests.get(tracker).status_code == 401
    assert requests.get(tracker, params={"token": stack.auth_token}).status_code == 200


def test_stored_history_and_logs_hold_no_phone_number_code_or_token(stack, chat):
    app, _, _, phone, token = user_of(stack, "melochi", 0)
    conversation = chat(app, token=token)
    conversation.send("帮我删除我的收货地址")
    conversation.send("确认")
    code = latest_code(stack, app, phone)
    conversation.send(code)
    tracker = requests.get(f"{stack.url('rasa')}/conversations/{conversation.sender}/tracker",
                           params={"token": stack.auth_token}).text
    assert phone not in tracker and code not in tracker and token not in tracker
    assert conversation.conversation_token not in tracker
    for log in log_files(stack):
        text = log.read_text(encoding="utf-8", errors="replace")
        assert phone not in text and token not in text, log.name
        assert conversation.conversation_token not in text, log.name
        assert not re.search(rf"(?<!\d){code}(?!\d)", text), log.name


def test_a_bare_yes_confirms_a_request_even_when_it_reads_like_another_intent(stack, chat):
    app, _, _, phone, token = user_of(stack, "melochi", 1)
    conversation = chat(app, token=token)
    assert "确认" in conversation.send("我要注销账号")
    sent = conversation.send("是")
    assert "验证码" in sent and phone[-4:] in sent
