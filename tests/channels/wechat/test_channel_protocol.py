"""The push server speaks WeChat's protocol exactly — every mode and format, the URL check — and
refuses what WeChat did not send (forged, stale, replayed, malformed, oversized) before anything
reaches the assistant."""
import time

import pytest
import requests

from bot.channels.wechat import crypto
from bot.channels.wechat.config import env_prefix
from bot.channels.wechat.messages import BodyFormat, build_body, push_envelope
from bot.channels.wechat_sim.pusher import build_push, read_answer
from tests.channels.wechat.conftest import MODES
from tests.channels.wechat.harness import (
    ChannelServer,
    ScriptedAssistant,
    SimulatorServer,
    channel_environment,
    free_port,
    simulated_apps,
)


def text_fields(app, openid, text="你好吗", msg_id=None, create_time=None):
    return {"ToUserName": app.original_id, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
            "MsgType": "text", "Content": text, "MsgId": msg_id or int(time.time() * 1e6)}


def post(request, **changes):
    params = {**request.params, **changes.pop("params", {})}
    return requests.post(request.url, params=params, data=changes.pop("body", request.body),
                         headers={"Content-Type": request.content_type}, timeout=10)


@pytest.mark.parametrize("app_id", list(MODES), ids=[f"{a}-{m}-{f}" for a, (m, f) in MODES.items()])
def test_a_message_in_every_mode_and_format_reaches_the_assistant_and_is_answered(wechat, app_id):
    simulator, server, assistant = wechat
    openid = simulator.openid(app_id)
    result = simulator.send(app_id, openid, "怎么注销账号？")
    assert result["outcome"] == "acknowledged" and len(result["attempts"]) == 1
    assert simulator.wait_for_replies(app_id, openid, 1) == ["收到：怎么注销账号？"]
    [message] = assistant.messages
    assert message.sender_id == f"wechat:{app_id}:{openid}"
    assert message.metadata == {"app": app_id, "platform": "miniprogram", "channel": "wechat",
                                "wechat_openid": openid}
    assert message.input_channel == "wechat" and message.message_id == f"msg:{result['msg_id']}"


def test_the_url_check_echoes_echostr_only_for_a_valid_recent_signature(wechat, apps):
    simulator, server, _ = wechat
    app, timestamp = apps["melochi"], str(int(time.time()))
    url = f"{server.base}/webhooks/wechat/melochi/webhook"
    good = {"signature": crypto.signature(app.token, timestamp, "1514711492"), "timestamp": timestamp,
            "nonce": "1514711492", "echostr": "4375120948345356249"}
    answer = requests.get(url, params=good, timeout=10)
    assert answer.status_code == 200 and answer.text == "4375120948345356249"
    assert requests.get(url, params={**good, "signature": "0" * 40}, timeout=10).status_code == 403
    stale = str(int(time.time()) - 3600)
    old = {**good, "timestamp": stale, "signature": crypto.signature(app.token, stale, "1514711492")}
    assert requests.get(url, params=old, timeout=10).json()["error"] == "stale_timestamp"
    assert requests.get(url, params={**good, "echostr": ""}, timeout=10).status_code == 400


def test_unknown_apps_and_apps_without_a_wechat_appid_are_not_found(wechat, apps, tmp_path):
    simulator, server, _ = wechat
    for app in ("taobao", "../melochi", "MELOCHI"):
        assert requests.post(f"{server.base}/webhooks/wechat/{app}/webhook", data=b"{}", timeout=10).status_code == 404
    only_melochi = {name: value for name, value in channel_environment(apps, simulator.base, tmp_path).items()
                    if not name.startswith(env_prefix("yhd"))}
    partial = ChannelServer(only_melochi, ScriptedAssistant()).start()
    try:
        answer = requests.post(f"{partial.base}/webhooks/wechat/yhd/webhook", data=b"<xml/>", timeout=10)
        assert answer.status_code == 404 and answer.json()["error"] == "unknown_app"
        assert requests.get(f"{partial.base}/webhooks/wechat/", timeout=10).json()["apps"] == \
            ["liqun", "melochi", "miniapp", "tego"]
    finally:
        partial.stop()


@pytest.mark.parametrize("app_id", ["melochi", "tego"], ids=["safe", "plaintext"])
def test_forged_stale_and_replayed_pushes_are_refused_and_reach_nobody(wechat, apps, app_id):
    simulator, server, assistant = wechat
    app, openid = apps[app_id], simulator.openid(app_id)
    request = build_push(app, text_fields(app, openid), server.base)
    signature_field = "msg_signature" if app.encrypted else "signature"
    forged = post(request, params={signature_field: "0" * 40})
    assert (forged.status_code, forged.json()["error"]) == (403, "invalid_signature")
    stale = build_push(app, text_fields(app, openid), server.base, timestamp=str(int(time.time()) - 301))
    assert post(stale).json()["error"] == "stale_timestamp"
    future = build_push(app, text_fields(app, openid), server.base, timestamp=str(int(time.time()) + 400))
    assert post(future).json()["error"] == "stale_timestamp"
    assert post(request).text == "success"
    replayed = post(request)
    assert (replayed.status_code, replayed.json()["error"]) == (403, "replayed")
    time.sleep(0.3)
    assert len(assistant.messages) == 1


def test_in_plaintext_mode_a_used_signature_cannot_carry_another_body(wechat, apps):
    """The plaintext signature covers timestamp and nonce only, so each may be used once."""
    simulator, server, assistant = wechat
    app, openid = apps["tego"], simulator.openid("tego")
    request = build_push(app, text_fields(app, openid, "第一条"), server.base)
    assert post(request).text == "success"
    other_body = build_body(text_fields(app, openid, "伪造的第二条"), BodyFormat.JSON)
    assert post(request, body=other_body).json()["error"] == "replayed"
    time.sleep(0.3)
    assert assistant.texts == ["第一条"]


def test_an_app_with_an_aes_key_refuses_plaintext_pushes(wechat, apps):
    simulator, server, assistant = wechat
    app = apps["melochi"]
    plaintext_app = app.__class__(**{**app.__dict__, "mode": "plaintext"})
    answer = post(build_push(plaintext_app, text_fields(app, simulator.openid("melochi")), server.base))
    assert (answer.status_code, answer.json()["error"]) == (403, "encryption_required")
    assert assistant.messages == []


def test_a_push_encrypted_for_another_mini_program_is_refused(wechat, apps):
    simulator, server, assistant = wechat
    app = apps["melochi"]
    impostor = app.__class__(**{**app.__dict__, "appid": "wx0000000000000000"})
    answer = post(build_push(impostor, text_fields(app, simulator.openid("melochi")), server.base))
    assert (answer.status_code, answer.json()["error"]) == (403, "wrong_appid")
    assert assistant.messages == []


def test_compatible_mode_believes_the_ciphertext_not_the_plaintext_beside_it(wechat, apps):
    simulator, server, assistant = wechat
    app, openid = apps["miniapp"], simulator.openid("miniapp")
    simulator.send("miniapp", openid, "第一条")  # the user has written: replies may be sent
    timestamp, nonce = str(int(time.time())), "12345"
    genuine = text_fields(app, openid, "真的内容")
    encrypt = crypto.encrypt(build_body(genuine, BodyFormat.XML), app.appid, app.aes_key)
    body = push_envelope(app.original_id, encrypt, BodyFormat.XML, {**genuine, "Content": "篡改的明文"})
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "signature": crypto.signature(app.token, timestamp, nonce),
              "msg_signature": crypto.msg_signature(app.token, timestamp, nonce, encrypt)}
    assert requests.post(f"{server.base}/webhooks/wechat/miniapp/webhook", params=params, data=body,
                         timeout=10).text == "success"
    simulator.wait_for_replies("miniapp", openid, 2)
    assert assistant.texts == ["第一条", "真的内容"]


@pytest.mark.parametrize("body, error, status", [
    (b"x" * (64 * 1024 + 1), "body_too_large", 413),
    (b"", "malformed_push", 400),
    (b"<xml><ToUserName>", "malformed_push", 400),
    (b'<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>', "malformed_push", 400),
    (b'{"ToUserName": "gh_1", "MsgType": "text"}', "malformed_push", 400),
])
def test_oversized_and_malformed_plaintext_pushes_get_a_clear_4xx(wechat, apps, body, error, status):
    simulator, server, assistant = wechat
    app = apps["tego"]
    request = build_push(app, text_fields(app, simulator.openid("tego")), server.base)
    answer = post(request, body=body)
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert answer.json()["message"]
    assert assistant.messages == []


def test_an_encrypted_push_without_its_signature_or_ciphertext_is_refused(wechat, apps):
    simulator, server, assistant = wechat
    app = apps["yhd"]
    request = build_push(app, text_fields(app, simulator.openid("yhd")), server.base)
    no_signature = {name: value for name, value in request.params.items() if name != "msg_signature"}
    assert requests.post(request.url, params=no_signature, data=request.body, timeout=10).json()["error"] == \
        "missing_parameter"
    assert post(request, body=b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName></xml>").json()["error"] == \
        "malformed_push"
    assert post(request, params={"encrypt_type": "des"}).status_code == 400
    assert assistant.messages == []


def test_the_previous_aes_key_is_accepted_during_a_rotation(apps, tmp_path):
    old = apps["melochi"]
    rotated = simulated_apps({"melochi": ("safe", "json")})["melochi"]
    port = free_port()
    simulator = SimulatorServer({"melochi": old}, [f"http://127.0.0.1:{port}"]).start()
    environ = channel_environment({"melochi": old}, simulator.base, tmp_path)
    environ.update({"WECHAT_MELOCHI_AES_KEY": rotated.aes_key, "WECHAT_MELOCHI_AES_KEY_PREVIOUS": old.aes_key})
    assistant = ScriptedAssistant()
    server = ChannelServer(environ, assistant, port).start()
    try:
        openid = simulator.openid("melochi")
        assert simulator.send("melochi", openid, "旧密钥加密的消息")["outcome"] == "acknowledged"
        assert simulator.wait_for_replies("melochi", openid, 1)
        simulator.send("melochi", openid, "转人工")
        simulator.wait_for_replies("melochi", openid, 2)
        # the passive reply is encrypted with the key the push came with, which WeChat still holds
        assert simulator.send("melochi", openid, "在吗")["outcome"] == "transferred"
    finally:
        server.stop()
        simulator.stop()


def test_a_transfer_reply_in_safe_mode_is_encrypted_and_signed(wechat, apps):
    simulator, server, _ = wechat
    app, openid = apps["yhd"], simulator.openid("yhd")
    simulator.send("yhd", openid, "转人工")
    simulator.wait_for_replies("yhd", openid, 1)
    request = build_push(app, text_fields(app, openid, "人工在吗"), server.base)
    answer = post(request)
    assert b"<Encrypt>" in answer.content and b"transfer_customer_service" not in answer.content
    assert read_answer(app, answer.content) == "transferred"
