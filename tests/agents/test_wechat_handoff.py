"""A WeChat user handed to our agent workspace (``AGENT_WECHAT_APPS``): not transferred to WeChat's
own tools; every later message reaches the agent's ticket (masked) and the user hears where they
stand; an app outside the setting still goes to WeChat's tools."""
from __future__ import annotations

import pytest

from bot.backend.api.app import ServerThread
from bot.backend.services import handoff_queue
from bot.channels import agent_handoff
from bot.channels.wechat import wording
from bot.channels.wechat.conversation import sender_id
from tests.agents.harness import new_agent, new_ticket
from tests.agents.test_handoff_queue import principal
from tests.channels.wechat.harness import (
    ChannelServer,
    ScriptedAssistant,
    SimulatorServer,
    channel_environment,
    eventually,
    free_port,
    simulated_apps,
)


@pytest.fixture
def wechat_to_workspace(backend, tmp_path, monkeypatch):
    """The channel with tego's WeChat handoffs going to the workspace, and the backend over HTTP."""
    backend_server = ServerThread(backend).start()
    monkeypatch.setenv("BACKEND_URL", backend_server.url)
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", backend.settings.service_token)
    agent_handoff._backend.cache_clear()
    apps = simulated_apps({"tego": ("plaintext", "json"), "melochi": ("safe", "json")})
    port = free_port()
    simulator = SimulatorServer(apps, [f"http://127.0.0.1:{port}"]).start()
    assistant = ScriptedAssistant()
    server = ChannelServer(channel_environment(apps, simulator.base, tmp_path, AGENT_WECHAT_APPS="tego"),
                           assistant, port).start()
    yield simulator, assistant
    server.stop()
    simulator.stop()
    backend_server.stop()
    agent_handoff._backend.cache_clear()


def test_a_workspace_handoff_sends_the_users_next_messages_to_the_agents_ticket(backend, wechat_to_workspace):
    simulator, assistant = wechat_to_workspace
    openid = simulator.openid("tego")
    # the action server opens the ticket for the conversation while the handoff turn runs
    ticket = new_ticket(backend, "tego", conversation=sender_id("tego", openid))
    simulator.send("tego", openid, "转人工")
    assert simulator.wait_for_replies("tego", openid, 1) == ["已为您转接人工客服（工单号 HT-1）。"]

    result = simulator.send("tego", openid, "我的手机号是13900001234，帮我查查")
    assert result["outcome"] == "acknowledged"  # not transfer_customer_service: our agents have it
    reply = simulator.wait_for_replies("tego", openid, 2)[-1]
    assert reply.startswith("已收到您的消息。") and "客服接入后会在这里回复您" in reply
    agent = principal(backend, new_agent(backend, ["tego"]))
    eventually(lambda: handoff_queue.ticket_events(backend, agent, ticket["id"], wechat_apps=("tego",))[1][-1].get("text")
               == "我的手机号是139****1234，帮我查查")
    assert assistant.texts == ["转人工", "我的手机号是13900001234，帮我查查"]  # the paused conversation has it too


def test_without_an_open_ticket_the_user_is_still_told_a_human_will_answer(backend, wechat_to_workspace):
    simulator, _ = wechat_to_workspace
    openid = simulator.openid("tego", name="微信用户B")
    simulator.send("tego", openid, "转人工")  # the backend was down at handoff: no ticket
    simulator.wait_for_replies("tego", openid, 1)
    simulator.send("tego", openid, "还在吗")
    assert simulator.wait_for_replies("tego", openid, 2)[-1] == agent_handoff.WAITING_FOR_AGENT


def test_an_app_outside_the_setting_still_hands_over_to_wechat_customer_service(wechat_to_workspace):
    simulator, assistant = wechat_to_workspace
    openid = simulator.openid("melochi")
    simulator.send("melochi", openid, "转人工")
    [handoff] = simulator.wait_for_replies("melochi", openid, 1)
    assert handoff.endswith(wording.HANDOFF_NEXT_STEP)
    assert simulator.send("melochi", openid, "在吗")["outcome"] == "transferred"
