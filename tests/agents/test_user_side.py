"""The user's side of a handoff: the bot's channel forwards messages through the backend's route
(service token) and tells the user honestly where they stand."""
from __future__ import annotations

import pytest

from bot.backend.api.app import ServerThread
from bot.backend.client import BackendClient, NotFound, Unauthorized, ValidationError
from bot.backend.services import handoff_queue
from bot.channels.agent_handoff import WAITING_FOR_AGENT, waiting_text
from tests.agents.harness import new_agent, new_ticket
from tests.agents.test_handoff_queue import principal


@pytest.fixture(scope="module")
def backend_server(backend):
    server = ServerThread(backend).start()
    yield server
    server.stop()


def test_the_channel_forwards_a_message_and_learns_the_users_place(backend, backend_server):
    client = BackendClient(backend_server.url, backend.settings.service_token, retries=0)
    ticket = new_ticket(backend, "melochi")
    status = client.record_handoff_message("melochi", ticket["conversation_id"], "我的手机 13912345678")
    assert status["ticket"] == ticket["id"] and status["status"] == "open" and status["position"] >= 1
    agent = principal(backend, new_agent(backend, ["melochi"]))
    _, events = handoff_queue.ticket_events(backend, agent, ticket["id"])
    assert events[-1]["text"] == "我的手机 139****5678"


def test_the_route_refuses_strangers_bad_bodies_and_conversations_without_a_handoff(backend, backend_server):
    stranger = BackendClient(backend_server.url, "not-the-token", retries=0)
    client = BackendClient(backend_server.url, backend.settings.service_token, retries=0)
    ticket = new_ticket(backend, "melochi")
    with pytest.raises(Unauthorized):
        stranger.record_handoff_message("melochi", ticket["conversation_id"], "你好")
    with pytest.raises(ValidationError):
        client.record_handoff_message("melochi", ticket["conversation_id"], "x" * 501)
    with pytest.raises(NotFound):
        client.record_handoff_message("melochi", "c-no-such-conversation", "你好")


def test_the_waiting_message_says_who_serves_or_the_place_and_the_recent_wait():
    assert waiting_text(None) == WAITING_FOR_AGENT
    assert "王丽正在为您服务" in waiting_text({"status": "claimed", "agent_name": "王丽"})
    third = waiting_text({"status": "open", "position": 3, "recent_median_wait_seconds": 240})
    assert "您前面还有 2 位用户" in third and "约 4 分钟" in third
    assert "下一位就轮到您" in waiting_text({"status": "open", "position": 1, "recent_median_wait_seconds": None})
