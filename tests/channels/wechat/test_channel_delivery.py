"""Replies get through WeChat's API whatever it throws: tokens expiring or revoked mid-conversation,
busy answers and network failures (retried), and refusals that waiting cannot cure — an exhausted
quota, a closed 48-hour window — which are recorded for a human agent, never silently lost."""
from bot.channels.wechat.undelivered import JsonLinesLog
from tests.channels.wechat.harness import eventually


def converse(simulator, app, openid, text, replies_so_far):
    simulator.send(app, openid, text)
    return simulator.wait_for_replies(app, openid, replies_so_far + 1)[-1]


def test_an_expired_token_mid_conversation_is_replaced_and_the_reply_still_arrives(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("melochi")
    assert converse(simulator, "melochi", openid, "第一句", 0) == "收到：第一句"
    simulator.control("melochi/tokens", {"action": "expire"})  # WeChat answers 42001 from now on
    assert converse(simulator, "melochi", openid, "第二句", 1) == "收到：第二句"
    calls = simulator.stats("melochi")
    assert calls["stable_token"] == 2 and "stable_token_force" not in calls


def test_a_revoked_token_is_replaced_the_same_way(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("yhd")
    converse(simulator, "yhd", openid, "第一句", 0)
    simulator.control("yhd/tokens", {"action": "revoke"})  # 40001: invalid or not the latest
    assert converse(simulator, "yhd", openid, "第二句", 1) == "收到：第二句"


def test_a_token_refused_although_stable_token_still_hands_it_out_is_force_refreshed_once(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("tego")
    converse(simulator, "tego", openid, "第一句", 0)
    simulator.control("tego/faults", {"api": "send", "errcode": 40001, "times": 1})
    assert converse(simulator, "tego", openid, "第二句", 1) == "收到：第二句"
    assert simulator.stats("tego")["stable_token_force"] == 1


def test_concurrent_first_replies_share_one_token_fetch(wechat):
    simulator, server, _ = wechat
    users = [simulator.openid("liqun", f"用户{n}") for n in range(12)]
    for openid in users:
        simulator.send("liqun", openid, "你好吗")
    for openid in users:
        simulator.wait_for_replies("liqun", openid, 1)
    assert simulator.stats("liqun")["stable_token"] == 1


def test_busy_answers_and_http_errors_are_retried_until_the_reply_gets_through(wechat, tmp_path):
    simulator, server, _ = wechat
    openid = simulator.openid("miniapp")
    simulator.control("miniapp/faults", {"api": "send", "errcode": -1, "times": 2})
    simulator.control("miniapp/faults", {"api": "send", "http_status": 502, "times": 1})
    assert converse(simulator, "miniapp", openid, "你好吗", 0) == "收到：你好吗"
    assert simulator.stats("miniapp")["send"] == 1  # three failures answered before the send counted
    assert JsonLinesLog(tmp_path / "undelivered.jsonl").read() == []


def test_an_exhausted_quota_is_recorded_for_an_agent_and_not_retried(wechat, tmp_path):
    simulator, server, _ = wechat
    openid = simulator.openid("melochi")
    converse(simulator, "melochi", openid, "第一句", 0)
    simulator.send("melochi", openid, "慢0.3")
    simulator.control(f"melochi/users/{openid}/window", {"remaining": 0})  # used up meanwhile
    log = JsonLinesLog(tmp_path / "undelivered.jsonl")
    eventually(lambda: log.read(), message="the undelivered reply was not recorded")
    [entry] = log.read()
    assert (entry["kind"], entry["errcode"], entry["app"], entry["openid"]) == \
        ("reply_undelivered", 45047, "melochi", openid)
    assert entry["text"] == "收到：慢0.3" and entry["reason"] and entry["msg_id"].startswith("msg:")
    assert simulator.stats("melochi")["send"] == 2
    assert (tmp_path / "undelivered.jsonl").stat().st_mode & 0o777 == 0o600


def test_a_closed_48_hour_window_is_recorded_for_an_agent(wechat, tmp_path):
    simulator, server, _ = wechat
    openid = simulator.openid("yhd")
    simulator.send("yhd", openid, "慢0.3")
    simulator.control(f"yhd/users/{openid}/window", {"close": True})
    log = JsonLinesLog(tmp_path / "undelivered.jsonl")
    eventually(lambda: log.read(), message="the undelivered reply was not recorded")
    assert [e["errcode"] for e in log.read()] == [45015]


def test_a_wechat_api_that_stays_unreachable_ends_in_the_record_after_the_retries(wechat, tmp_path):
    simulator, server, _ = wechat
    openid = simulator.openid("tego")
    converse(simulator, "tego", openid, "第一句", 0)
    simulator.control("tego/faults", {"api": "send", "http_status": 503, "times": 10})
    simulator.send("tego", openid, "第二句")
    log = JsonLinesLog(tmp_path / "undelivered.jsonl")
    eventually(lambda: log.read(), message="the undelivered reply was not recorded")
    [entry] = log.read()
    assert entry["errcode"] is None and entry["text"] == "收到：第二句"


def test_one_turn_costs_one_of_the_five_messages_a_user_message_allows(wechat):
    simulator, server, _ = wechat
    openid = simulator.openid("liqun")
    converse(simulator, "liqun", openid, "两条", 0)
    assert simulator.sessions("liqun")[openid]["remaining"] == 4
