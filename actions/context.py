"""What the actions read from Rasa's tracker, and the services they call.

Every message carries the conversation's app, platform and (for an authenticated user) the host
app's user token in its metadata (``bot.channels.app_chat``), or the WeChat openid its channel
proved (``bot.channels.wechat``). The token is never kept in a slot: stored history is redacted,
so it is read from the current message only.

Who the user is, as far as a one-time code proved it, is never in the tracker either: the backend
keeps it for the conversation (the sender id, which the channel authenticated), and every call
names the conversation. The ``identity_verified`` slot only lets the forms skip asking again; the
backend decides (``require_verified``).
"""
from __future__ import annotations

import asyncio
import functools
import os
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.backend.client import BackendClient, Subject
from bot.dialogue.answers import Reply
from bot.knowledge import UnknownApp, load_app

T = TypeVar("T")
DEFAULT_PLATFORM = "app"


class NoAppConfigured(LookupError):
    """Neither the message nor the deployment says which app the conversation belongs to."""


def message_metadata(tracker: Tracker) -> Dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def app_id(tracker: Tracker) -> str:
    app = message_metadata(tracker).get("app") or os.environ.get("DEFAULT_APP")
    if not app:
        raise NoAppConfigured("no metadata.app and no DEFAULT_APP")
    return app


def knowledge(tracker: Tracker):
    """The conversation's app's knowledge base (raises UnknownApp / NoAppConfigured)."""
    return load_app(app_id(tracker))


def platform(tracker: Tracker) -> str:
    return message_metadata(tracker).get("platform") or DEFAULT_PLATFORM


def user_token(tracker: Tracker) -> Optional[str]:
    token = message_metadata(tracker).get("user_token")
    return token if isinstance(token, str) and token and token != "[redacted]" else None


def wechat_openid(tracker: Tracker) -> Optional[str]:
    openid = message_metadata(tracker).get("wechat_openid")
    return openid if isinstance(openid, str) and openid else None


def is_authenticated(tracker: Tracker) -> bool:
    """The host app signed who the user is (a WeChat openid alone does not: it needs a code once)."""
    return user_token(tracker) is not None


def subject(tracker: Tracker) -> Subject:
    """Everything that may prove the user: the host app's token or WeChat's openid from the
    current message, and the conversation a code may have proven (resolved by the backend)."""
    return Subject(user_token=user_token(tracker), wechat_openid=wechat_openid(tracker),
                   conversation_id=tracker.sender_id)


def identity_verified(tracker: Tracker) -> bool:
    """Whether a code proved the user in this conversation (the backend has the final say)."""
    return bool(tracker.get_slot("identity_verified"))


def entity_values(tracker: Tracker, entity: str) -> Tuple[str, ...]:
    values = []
    for value in tracker.get_latest_entity_values(entity):
        if value not in values:
            values.append(value)
    return tuple(values)


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


@functools.lru_cache(maxsize=1)
def backend() -> BackendClient:
    return BackendClient.from_env()


async def call_backend(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a (blocking) backend client call off the action server's event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def say(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def unknown_app_message(error: Exception) -> str:
    if isinstance(error, UnknownApp):
        return "抱歉，无法识别您所在的应用，暂时不能为您解答。请从应用内的客服入口重新进入。"
    return "抱歉，客服助手尚未配置所属应用，暂时不能为您解答。"
