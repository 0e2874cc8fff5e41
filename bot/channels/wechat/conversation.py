"""What happens to each accepted push: the assistant's turn, the reply, the handoff.

For one queued push (``inbox`` hands them over one user at a time, in order):

- **text** goes to the assistant as the user's message — sender ``wechat:<app>:<openid>``,
  metadata ``{"app", "platform": "miniprogram", "channel": "wechat", "wechat_openid"}``, Rasa
  message id = the push's dedup key — with WeChat showing "typing…" once the turn has taken
  ``typing_after_seconds`` (0.3 s; renewed every 14 s, and always before the reply is sent);
  the turn's messages are rendered into one text (``rendering``) and sent (``delivery``).
  Over-long text gets a polite notice instead;
- **user_enter_tempsession** (the user opened the chat): ``wording.GREETING_TEXT`` ("你好") goes
  to the assistant, whose greet rule answers with the greeting — at most once per half hour
  per user, so coming back to the chat does not interrupt a conversation;
- **other message types** (image, voice, video, location, link, mini-program card…) get the
  notice that only text is understood; other events are ignored;
- **handoff**: when a turn's output holds ``{"custom": {"handoff": {...}}}``, the user is marked
  as handed over (a value in the shared state, kept until ``resume``); from then on the channel
  answers that user's messages with ``transfer_customer_service`` and they go to WeChat's
  customer-service tools instead of the assistant. A message that was already queued when the
  handoff happened can no longer be forwarded: it is recorded for the agent.
  For the apps in ``AGENT_WECHAT_APPS`` the handoff goes to our agent workspace instead: no
  marker is set, the user's messages still reach the Rasa conversation (paused, so the assistant
  is silent), and each is recorded in the ticket's log for the agent (``agent_handoff``), the
  user being told who serves them or their place in the queue. The agent's replies come back
  through the send API (``bot.agents.delivery``); handing back resumes the conversation.

A push processed a second time (its first process died mid-turn) is not given to the assistant
again if the conversation already holds it: the replies recorded after it are sent instead.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.agent_handoff import forward_to_agent, waiting_text
from bot.channels.wechat import wording
from bot.contract import Platform
from bot.channels.wechat.config import WeChatApp
from bot.channels.wechat.delivery import Sender, mask_openid
from bot.channels.wechat.messages import ENTER_SESSION, TEXT, Push
from bot.channels.wechat.rendering import render_turn
from bot.channels.wechat.state import QueuedPush, SharedState
from bot.channels.wechat.undelivered import MESSAGE_DURING_HANDOFF, record

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
PLATFORM = Platform.MINIPROGRAM.value
GREET_AT_MOST_EVERY_SECONDS = 30 * 60
TYPING_RENEW_SECONDS = 14.0  # WeChat shows "typing" for 15 s
# a reply faster than this needs no "typing…": it would flash for an instant, cost an API call,
# and its answer would hold the reply back (typing must reach WeChat before the reply does)
TYPING_AFTER_SECONDS = 0.3
HANDOFF_NOTE_REASON = "转人工后用户发送的消息（已无法转发到微信客服工具）"
BOT_MESSAGE_KEYS = ("buttons", "quick_replies", "image", "attachment", "custom")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
TrackerLookup = Callable[[str], Awaitable[Any]]


def sender_id(app: str, openid: str) -> str:
    return f"wechat:{app}:{openid}"


def metadata(app: str, openid: str) -> Dict[str, str]:
    return {"app": app, "platform": PLATFORM, "channel": CHANNEL, "wechat_openid": openid}


def handoff_key(app: str, openid: str) -> str:
    return f"handoff:{app}:{openid}"


async def is_handed_over(state: SharedState, app: str, openid: str) -> bool:
    return await state.get_value(handoff_key(app, openid)) is not None


async def resume(state: SharedState, app: str, openid: str) -> bool:
    """Gives the user back to the assistant (the Rasa conversation must be resumed too)."""
    return await state.delete_value(handoff_key(app, openid))


class Conversations:
    def __init__(self, apps: Callable[[str], Optional[WeChatApp]], state: SharedState, sender: Sender,
                 on_new_message: OnNewMessage, tracker_lookup: Optional[TrackerLookup] = None,
                 max_message_chars: int = 500, typing_after_seconds: float = TYPING_AFTER_SECONDS) -> None:
        self.apps, self.state, self.sender = apps, state, sender
        self.on_new_message, self.tracker_lookup = on_new_message, tracker_lookup
        self.max_message_chars, self.typing_after_seconds = max_message_chars, typing_after_seconds

    async def handle(self, queued: QueuedPush) -> None:
        app, push = self.apps(queued.app), queued.push
        if app is None:
            logger.warning("wechat: a queued push for %s, which has no WeChat channel any more", queued.app)
            return
        if push.is_event:
            await self._handle_event(app, push, queued.attempts)
        elif await is_handed_over(self.state, app.app, push.openid):
            await self.sender.undelivered.append(record(
                MESSAGE_DURING_HANDOFF, app.app, push.openid, push.content or f"[{push.msg_type}]",
                HANDOFF_NOTE_REASON, msg_id=push.dedup_key))
        elif push.msg_type != TEXT:
            await self.sender.send_text(app, push.openid, wording.ONLY_TEXT, push.dedup_key)
        elif len(push.content.strip()) > self.max_message_chars:
            await self.sender.send_text(app, push.openid, wording.message_too_long(
                len(push.content.strip()), self.max_message_chars), push.dedup_key)
        elif push.content.strip():
            await self._turn(app, push, push.content.strip(), queued.attempts)

    async def _handle_event(self, app: WeChatApp, push: Push, attempts: int) -> None:
        if push.event != ENTER_SESSION or await is_handed_over(self.state, app.app, push.openid):
            return
        if await self.state.set_value_if_absent(f"greeted:{app.app}:{push.openid}", "1",
                                                GREET_AT_MOST_EVERY_SECONDS):
            await self._turn(app, push, wording.GREETING_TEXT, attempts)

    async def _turn(self, app: WeChatApp, push: Push, text: str, attempts: int) -> None:
        conversation = sender_id(app.app, push.openid)
        earlier = await self._replies_already_given(conversation, push.dedup_key) if attempts > 1 else None
        typing_lock = asyncio.Lock()
        typing = asyncio.get_running_loop().create_task(self._keep_typing(app, push.openid, typing_lock))
        await asyncio.sleep(0)  # with no delay, the typing call starts now, beside the turn
        try:
            messages = earlier if earlier is not None else await self._ask_assistant(app, push, text)
        finally:
            async with typing_lock:  # a typing call in flight must not land after the reply
                typing.cancel()
        rendered = render_turn(messages)
        reply = rendered.text
        if not messages and app.handoff_to_workspace and await self._is_paused(conversation):
            reply = waiting_text(await forward_to_agent(app.app, conversation, text))
        elif rendered.handoff is not None and not app.handoff_to_workspace:
            # marked before the user reads the handoff message, so that their next one is forwarded
            await self.state.set_value(handoff_key(app.app, push.openid),
                                       json.dumps(rendered.handoff, ensure_ascii=False))
            logger.info("wechat: %s in %s handed over to customer service", mask_openid(push.openid), app.app)
            reply = f"{reply}\n{wording.HANDOFF_NEXT_STEP}" if reply else wording.HANDOFF_NEXT_STEP
        if reply:
            await self.sender.send_text(app, push.openid, reply, push.dedup_key)

    async def _ask_assistant(self, app: WeChatApp, push: Push, text: str) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        try:
            await self.on_new_message(UserMessage(
                text, collector, sender_id(app.app, push.openid), input_channel=CHANNEL,
                metadata=metadata(app.app, push.openid), message_id=push.dedup_key))
        except Exception:  # the text stays out of the log: it may hold personal data
            logger.exception("wechat: the assistant failed on a message in %s", app.app)
            return [{"text": wording.ASSISTANT_UNAVAILABLE}]
        return collector.messages

    async def _tracker(self, conversation: str, why: str):
        """The conversation's tracker, or None (no tracker store, no such conversation, or the
        store failed — logged with ``why`` it was read)."""
        if self.tracker_lookup is None:
            return None
        try:
            return await self.tracker_lookup(conversation)
        except Exception:
            logger.exception("wechat: reading a conversation %s failed", why)
            return None

    async def _is_paused(self, conversation: str) -> bool:
        """A human has the conversation: the handoff paused it, and no agent has handed it back."""
        tracker = await self._tracker(conversation, "to see whether an agent has it")
        return tracker is not None and tracker.is_paused()

    async def _keep_typing(self, app: WeChatApp, openid: str, lock: asyncio.Lock) -> None:
        """"Typing…" once the turn has taken ``typing_after_seconds``, renewed every 14 s."""
        if self.typing_after_seconds > 0:
            await asyncio.sleep(self.typing_after_seconds)
        while True:
            async with lock:
                await self.sender.typing(app, openid)
            await asyncio.sleep(TYPING_RENEW_SECONDS)

    async def _replies_already_given(self, conversation: str, message_id: str) -> Optional[List[Dict[str, Any]]]:
        """The bot messages after the user message ``message_id``, if the conversation has it."""
        tracker = await self._tracker(conversation, "to resume a push")
        if tracker is None:
            return None
        found, messages = False, []
        for event in tracker.events:
            if isinstance(event, UserUttered):
                if found:
                    break
                found = event.message_id == message_id
            elif found and isinstance(event, BotUttered):
                messages.append({"text": event.text, **{key: event.data[key] for key in BOT_MESSAGE_KEYS
                                                        if event.data and event.data.get(key)}})
        return messages if found else None
