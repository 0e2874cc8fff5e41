"""Where an agent's message goes once it is in the handoff log (``services.handoff_queue``):

- into the Rasa conversation, as a bot event marked ``metadata.agent`` — so the conversation's
  history, and the assistant when it resumes, know what the agent said;
- to the user: the chat page's server streams it from the log (``bot.agents.live``), so nothing
  more is needed for ``app_chat``; a WeChat user gets it through WeChat's customer-service send
  API, with the WeChat channel's own client (``bot.channels.wechat.delivery.Sender``: retries,
  token refresh, undelivered messages recorded for an agent).

Handing back appends ``action_listen`` and ``resume``: the assistant answers the user's next message.
"""
from __future__ import annotations

import logging
import os
import time
from typing import Mapping, Optional, Protocol

from bot.agents.rasa_api import RasaApi, RasaUnavailable
from bot.channels.wechat import config as wechat_config

log = logging.getLogger(__name__)


class TextSender(Protocol):
    async def send(self, app_id: str, openid: str, text: str) -> bool: ...


class WeChatSender:
    """Sends text to a WeChat user of an app through the WeChat channel's send client."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.environ = environ
        self._sender = None

    def _client(self):
        if self._sender is None:
            # imported on first use: only deployments that hand WeChat users to the workspace need
            # the channel's clients (Redis, its HTTP session)
            from bot.channels.wechat.access_token import AccessTokens
            from bot.channels.wechat.api import WeChatApi
            from bot.channels.wechat.delivery import Sender
            from bot.channels.wechat.redis_state import RedisState
            from bot.channels.wechat.state import MemoryState
            from bot.channels.wechat.undelivered import open_log

            redis = wechat_config.redis_settings(self.environ)
            state = RedisState.connect(redis) if redis else MemoryState()
            api = WeChatApi(wechat_config.api_base(self.environ))
            self._sender = Sender(api, AccessTokens(state, api),
                                  open_log(redis, wechat_config.state_dir(self.environ)))
        return self._sender

    async def send(self, app_id: str, openid: str, text: str) -> bool:
        settings = wechat_config.load_app(app_id, self.environ)
        if settings is None:
            log.error("agents: %s has no WeChat channel configured; a message was not sent", app_id)
            return False
        return await self._client().send_text(settings, openid, text)


class AgentMessages:
    def __init__(self, rasa: RasaApi, wechat: Optional[TextSender] = None) -> None:
        self.rasa, self.wechat = rasa, wechat

    async def deliver(self, event: dict, channel: str, agent: dict) -> dict:
        """Record the message in the conversation, and send it where the log does not reach."""
        conversation = event["conversation_id"]
        recorded = await self._record(conversation, event, agent)
        sent = True
        if channel == "wechat":
            sent = await self._send_wechat(event)
        return {"recorded": recorded, "sent": sent}

    async def _record(self, conversation: str, event: dict, agent: dict) -> bool:
        bot_event = {"event": "bot", "text": event["text"], "timestamp": time.time(),
                     "metadata": {"agent": {"id": agent["id"], "name": agent["display_name"]},
                                  "handoff_event": event["id"]}}
        try:
            await self.rasa.append_events(conversation, [bot_event])
            return True
        except RasaUnavailable as error:  # the user has the message; only the history lacks it
            log.warning("agents: an agent message could not be added to the conversation (%s)", error)
            return False

    async def _send_wechat(self, event: dict) -> bool:
        if self.wechat is None:
            return False
        _, app_id, openid = event["conversation_id"].split(":", 2)
        return await self.wechat.send(app_id, openid, event["text"])

    async def resume(self, conversation_id: str) -> None:
        """The assistant answers this conversation again (raises RasaUnavailable).

        A paused conversation ends with the handoff action, not with ``action_listen``: without one
        the rules would read the user's next message as coming straight after the handoff, fall back,
        rewind and hand over again. So the hand-back listens first, then resumes."""
        now = time.time()
        await self.rasa.append_events(conversation_id, [{"event": "action", "name": "action_listen", "timestamp": now},
                                                        {"event": "resume", "timestamp": now}])
