"""Exactly once, in order: a retried or duplicated push never runs twice, a push whose first
attempt failed is still processed, and one user's messages reach the assistant in WeChat's order —
in one process (in-memory state) and across two server processes sharing Redis."""
import time

import requests

from bot.channels.wechat_sim.pusher import build_push
from tests.channels.wechat.harness import (
    ChannelServer,
    ScriptedAssistant,
    SlowLink,
    channel_environment,
    eventually,
    free_port,
)


def texts_of(journal, sender):
    return [text for _, who, text in journal if who == sender]


def push_fields(app, openid, text, msg_id, create_time):
    return {"ToUserName": app.original_id, "FromUserName": openid, "CreateTime": create_time,
            "MsgType": "text", "Content": text, "MsgId": msg_id}


def test_wechats_retries_of_one_message_reach_the_assistant_once(wechat):
    simulator, server, assistant = wechat
    openid = simulator.openid("melochi")
    result = simulator.send("melochi", openid, "只处理一次", duplicates=3)
    assert [a["outcome"] for a in result["attempts"]] == ["acknowledged"] * 4
    simulator.wait_for_replies("melochi", openid, 1)
    time.sleep(0.3)
    assert assistant.texts == ["只处理一次"] and len(simulator.replies("melochi", openid)) == 1


def test_a_push_retried_because_the_answer_was_slow_runs_once(wechat):
    """WeChat gives up waiting and retries, although the server did receive every attempt."""
    simulator, server, assistant = wechat
    link = SlowLink(server.base, delay=0.5).start()
    try:
        openid = simulator.openid("yhd")
        result = simulator.send("yhd", openid, "超时重试", ack_timeout_ms=200, push_bases=[link.base])
    finally:
        link.stop()
    assert [a["outcome"] for a in result["attempts"]] == ["timeout"] * 3
    simulator.wait_for_replies("yhd", openid, 1)
    time.sleep(0.3)
    assert assistant.texts == ["超时重试"]


def test_duplicate_enter_events_greet_once(wechat, apps):
    simulator, server, assistant = wechat
    app, openid = apps["tego"], simulator.openid("tego")
    simulator.send("tego", openid, kind="enter", duplicates=2)
    simulator.wait_for_replies("tego", openid, 1)
    time.sleep(0.3)
    assert assistant.texts == ["你好"]


def test_pushes_arriving_out_of_order_are_processed_in_wechats_order(wechat, apps):
    simulator, server, assistant = wechat
    app, openid = apps["tego"], simulator.openid("tego")
    simulator.send("tego", openid, "慢1")  # the user's queue is busy for a second
    now = int(time.time())
    for text, msg_id, create_time in (("第三条", 30, now + 2), ("第一条", 10, now), ("第二条", 20, now)):
        request = build_push(app, push_fields(app, openid, text, msg_id, create_time), server.base)
        assert requests.post(request.url, params=request.params, data=request.body, timeout=5).text == "success"
    simulator.wait_for_replies("tego", openid, 4)
    assert assistant.texts == ["慢1", "第一条", "第二条", "第三条"]


def test_different_users_are_not_held_up_by_a_slow_one(wechat):
    simulator, server, _ = wechat
    slow, quick = simulator.openid("liqun", "甲"), simulator.openid("liqun", "乙")
    simulator.send("liqun", slow, "慢2")
    simulator.send("liqun", quick, "你好吗")
    assert simulator.wait_for_replies("liqun", quick, 1, timeout=1.5) == ["收到：你好吗"]
    assert simulator.replies("liqun", slow) == []


def test_duplicates_sent_to_two_processes_at_once_run_once(two_servers):
    simulator, servers, journal = two_servers
    openid = simulator.openid("melochi")
    for number in range(10):
        result = simulator.send("melochi", openid, f"第{number}条", duplicates=3, concurrent_duplicates=True)
        assert {a["base"] for a in result["attempts"]} == {s.base for s in servers}
    simulator.wait_for_replies("melochi", openid, 10)
    time.sleep(0.5)
    assert texts_of(journal, f"wechat:melochi:{openid}") == [f"第{n}条" for n in range(10)]
    assert len(simulator.replies("melochi", openid)) == 10


def test_one_users_messages_keep_their_order_across_two_processes(two_servers, apps):
    simulator, servers, journal = two_servers
    app, openid = apps["yhd"], simulator.openid("yhd")
    now = int(time.time())
    # the first message lands on one process and takes a while; the next two land on the other
    for number, (text, server) in enumerate((("慢1", servers[0]), ("第二条", servers[1]), ("第三条", servers[1]))):
        request = build_push(app, push_fields(app, openid, text, 100 + number, now), server.base)
        assert requests.post(request.url, params=request.params, data=request.body, timeout=5).text == "success"
    eventually(lambda: len(texts_of(journal, f"wechat:yhd:{openid}")) == 3, message="messages lost")
    assert texts_of(journal, f"wechat:yhd:{openid}") == ["慢1", "第二条", "第三条"]


def test_a_first_attempt_that_failed_does_not_make_the_retry_be_discarded(two_servers, apps, tmp_path, redis_prefix):
    simulator, servers, journal = two_servers
    openid = simulator.openid("liqun")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the first attempt cannot connect
    result = simulator.send("liqun", openid, "第一次没送到", push_bases=[dead, servers[0].base])
    assert [a["outcome"] for a in result["attempts"]] == ["unreachable", "acknowledged"]
    # a process whose shared state is down answers 503, and WeChat's retry goes elsewhere
    broken = ChannelServer(channel_environment(apps, simulator.base, tmp_path, REDIS_HOST="127.0.0.1",
                                               REDIS_PORT=str(free_port()), WECHAT_REDIS_PREFIX=redis_prefix),
                           ScriptedAssistant(journal)).start()
    try:
        result = simulator.send("liqun", openid, "存储故障", push_bases=[broken.base, servers[1].base])
    finally:
        broken.stop()
    assert [(a["outcome"], a["status"]) for a in result["attempts"]] == [("server_error", 503), ("acknowledged", 200)]
    simulator.wait_for_replies("liqun", openid, 2)
    assert texts_of(journal, f"wechat:liqun:{openid}") == ["第一次没送到", "存储故障"]


def test_a_push_held_by_a_process_that_died_is_taken_over_by_another(two_servers):
    simulator, servers, journal = two_servers
    openid = simulator.openid("miniapp")
    doomed, survivor = servers
    result = simulator.send("miniapp", openid, "慢3", push_bases=[doomed.base])
    assert result["outcome"] == "acknowledged"
    eventually(lambda: texts_of(journal, f"wechat:miniapp:{openid}") == ["慢3"], message="never started")
    doomed.kill()  # mid-turn: no reply sent, the lease on the user never released
    simulator.send("miniapp", openid, "第二条", push_bases=[survivor.base])
    replies = simulator.wait_for_replies("miniapp", openid, 2, timeout=20)
    assert replies == ["收到：慢3", "收到：第二条"]  # the lease lapsed; the survivor reran, then went on
    assert texts_of(journal, f"wechat:miniapp:{openid}") == ["慢3", "慢3", "第二条"]
