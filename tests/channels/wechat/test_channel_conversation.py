"""What a WeChat user gets: an immediate ``success`` to WeChat, the reply through custom/send
(one merged text, buttons as numbers, typing first), polite notices for what is not text, the
greeting on entering the chat, and a handoff to WeChat's customer-service tools."""
import logging
import time

from bot.channels.wechat import wording
from bot.channels.wechat.undelivered import JsonLinesLog
from tests.channels.wechat.harness import (
    ChannelServer,
    ScriptedAssistant,
    SimulatorServer,
    channel_environment,
    eventually,
    free_port,
)


def test_the_push_is_acknowledged_before_the_assistant_has_answered(wechat):
    simulator, server, assistant = wechat
    openid = simulator.openid("melochi")
    result = simulator.send("melochi", openid, "慢2")
    assert result["outcome"] == "acknowledged"
    assert simulator.replies("melochi", openid) == []  # WeChat heard `success`; the turn still runs
    assert simulator.wait_for_replies("melochi", openid, 1) == ["收到：慢2"]


def test_typing_is_shown_while_a_slow_turn_runs_and_the_reply_follows(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("yhd")
    simulator.send("yhd", openid, "慢0.6")
    simulator.wait_for_replies("yhd", openid, 1)
    assert [entry["kind"] for entry in simulator.log("yhd", openid)] == ["user", "typing", "bot"]


def test_a_quick_reply_comes_without_a_typing_flash(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("yhd")
    simulator.send("yhd", openid, "你好吗")
    simulator.wait_for_replies("yhd", openid, 1)
    assert [entry["kind"] for entry in simulator.log("yhd", openid)] == ["user", "bot"]
    assert "typing" not in simulator.stats("yhd")


def test_typing_can_be_shown_for_every_turn(apps, tmp_path):
    port = free_port()
    simulator = SimulatorServer(apps, [f"http://127.0.0.1:{port}"]).start()
    server = ChannelServer(channel_environment(apps, simulator.base, tmp_path), ScriptedAssistant(), port,
                           typing_after_seconds=0).start()
    try:
        openid = simulator.openid("tego")
        simulator.send("tego", openid, "你好吗")
        simulator.wait_for_replies("tego", openid, 1)
        assert [entry["kind"] for entry in simulator.log("tego", openid)] == ["user", "typing", "bot"]
    finally:
        server.stop()
        simulator.stop()


def test_a_turns_messages_arrive_as_one_customer_service_message(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("tego")
    simulator.send("tego", openid, "两条")
    assert simulator.wait_for_replies("tego", openid, 1) == ["第一条。\n\n第二条。"]
    time.sleep(0.2)
    assert simulator.stats("tego")["send"] == 1


def test_buttons_arrive_as_numbered_choices(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("liqun")
    simulator.send("liqun", openid, "要按钮")
    assert simulator.wait_for_replies("liqun", openid, 1) == ["确认要注销账号吗？\n1. 确认提交\n2. 算了\n（回复数字即可）"]
    simulator.send("liqun", openid, "1")
    simulator.wait_for_replies("liqun", openid, 2)  # the typed number goes to the assistant as typed


def test_images_voice_and_mini_program_cards_get_a_notice_and_never_reach_the_assistant(wechat):
    simulator, server, assistant = wechat
    openid = simulator.openid("miniapp")
    for kind in ("image", "voice", "video", "location", "miniprogrampage"):
        assert simulator.send("miniapp", openid, kind=kind)["outcome"] == "acknowledged"
    assert simulator.wait_for_replies("miniapp", openid, 5) == [wording.ONLY_TEXT] * 5
    assert assistant.messages == []


def test_an_overlong_message_gets_a_notice_and_never_reaches_the_assistant(wechat):
    simulator, server, assistant = wechat
    openid = simulator.openid("melochi")
    simulator.send("melochi", openid, "长" * 501)
    assert simulator.wait_for_replies("melochi", openid, 1) == [wording.message_too_long(501, 500)]
    assert assistant.messages == []


def test_entering_the_chat_greets_once_per_half_hour(wechat):
    simulator, server, assistant = wechat
    openid = simulator.openid("yhd")
    simulator.send("yhd", openid, kind="enter")
    assert simulator.wait_for_replies("yhd", openid, 1) == ["您好，我是隐私助手。"]
    assert assistant.texts == [wording.GREETING_TEXT]
    assert assistant.messages[0].message_id.startswith(f"event:{openid}:")
    simulator.send("yhd", openid, kind="enter")
    time.sleep(0.3)
    assert assistant.texts == [wording.GREETING_TEXT]


def test_when_the_assistant_fails_the_user_is_told_to_try_again(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("tego")
    simulator.send("tego", openid, "出错")
    assert simulator.wait_for_replies("tego", openid, 1) == [wording.ASSISTANT_UNAVAILABLE]


def test_a_handoff_transfers_the_users_next_messages_to_wechat_customer_service(wechat, tmp_path):
    simulator, server, assistant = wechat
    openid = simulator.openid("melochi")
    simulator.send("melochi", openid, "转人工")
    [handoff] = simulator.wait_for_replies("melochi", openid, 1)
    assert handoff == f"已为您转接人工客服（工单号 HT-1）。\n{wording.HANDOFF_NEXT_STEP}"
    for text in ("在吗", "我要注销账号"):
        assert simulator.send("melochi", openid, text)["outcome"] == "transferred"
    assert simulator.send("melochi", openid, kind="image")["outcome"] == "transferred"
    # entering the chat again is an event: never forwarded, and the paused bot does not greet
    assert simulator.send("melochi", openid, kind="enter")["outcome"] == "acknowledged"
    time.sleep(0.3)
    assert assistant.texts == ["转人工"]
    assert [e["kind"] for e in simulator.log("melochi", openid)].count("transfer") == 3
    assert JsonLinesLog(tmp_path / "undelivered.jsonl").read() == []


def test_a_message_queued_behind_the_handoff_turn_is_recorded_for_the_agent(wechat, tmp_path):
    simulator, server, assistant = wechat
    assistant.turn_seconds = 0.5
    openid = simulator.openid("tego")
    simulator.send("tego", openid, "转人工")
    simulator.send("tego", openid, "我的手机号是13900001234，快帮我")  # queued while the handoff turn runs
    log = JsonLinesLog(tmp_path / "undelivered.jsonl")
    eventually(lambda: log.read(), message="no record for the agent")
    [entry] = log.read()
    assert entry["kind"] == "message_during_handoff" and entry["openid"] == openid and entry["app"] == "tego"
    assert "13900001234" not in entry["text"] and "139****1234" in entry["text"]
    assert assistant.texts == ["转人工"]


def test_log_lines_hold_no_message_text_and_no_full_openid(wechat, caplog):
    simulator, server, _ = wechat
    openid = simulator.openid("liqun")
    with caplog.at_level(logging.DEBUG, logger="bot.channels.wechat"):
        for text in ("我的验证码是 123456", "转人工", "还在吗"):
            simulator.send("liqun", openid, text)
        simulator.wait_for_replies("liqun", openid, 1)
        simulator.control("liqun/users/" + openid + "/window", {"remaining": 0})
        simulator.send("liqun", simulator.openid("liqun", "微信用户B"), kind="image")
        time.sleep(0.5)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records
    assert openid not in text and "123456" not in text and "验证码" not in text
