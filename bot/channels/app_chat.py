"""In-app online customer service: the REST channel the chat page (and host apps) talk to.

Shaped like Rasa's ``rasa/core/channels/rest.py`` — ``POST /webhooks/app_chat/webhook`` with
``{"sender": ..., "message": ..., "metadata": {...}}`` answers with the bot's messages — but it
checks every request before anything reaches the assistant:

* ``sender``: 1–128 characters of ``[A-Za-z0-9_.:-]``;
* ``message``: a non-empty string of at most ``max_message_chars`` characters;
* ``metadata.app``: a known app id (or the configured default app); another app's answers are
  never given for an unknown id;
* ``metadata.platform``: one of the knowledge base's platforms (default ``app``);
* ``metadata.user_token``: optional, the host app's signed token for an authenticated user.

A rejected request answers 4xx with a JSON ``error`` code and a Chinese ``message``, and changes
nothing. Message text is never logged.
"""
from __future__ import annotations

import gc
import logging
import os
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.knowledge import list_apps

logger = logging.getLogger(__name__)

PLATFORMS = ("app", "ios", "android", "pc", "h5", "miniprogram")
DEFAULT_MAX_MESSAGE_CHARS = 500
MAX_TOKEN_CHARS = 4096
_SENDER_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


class InvalidChatRequest(ValueError):
    """A chat request that must not reach the assistant."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    text: str
    metadata: Dict[str, Any]


def parse_chat_request(
    body: Any, default_app: Optional[str], max_message_chars: int
) -> ChatRequest:
    """Validates a webhook body; raises InvalidChatRequest with a user-readable reason."""
    if not isinstance(body, dict):
        raise InvalidChatRequest("malformed_request", "请求体必须是 JSON 对象。")
    sender = body.get("sender")
    if not isinstance(sender, str) or not _SENDER_RE.match(sender):
        raise InvalidChatRequest(
            "invalid_sender", "sender 必须是 1–128 位字母、数字或 _.:- 组成的会话标识。"
        )
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        raise InvalidChatRequest("empty_message", "消息内容不能为空。")
    if len(text) > max_message_chars:
        raise InvalidChatRequest(
            "message_too_long",
            f"消息过长（{len(text)} 字），请控制在 {max_message_chars} 字以内。",
            status=413,
        )
    metadata = body.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InvalidChatRequest("malformed_request", "metadata 必须是 JSON 对象。")
    return ChatRequest(sender, text, _checked_metadata(metadata, default_app))


def _checked_metadata(metadata: Dict[str, Any], default_app: Optional[str]) -> Dict[str, Any]:
    app = metadata.get("app") or default_app
    if not isinstance(app, str) or not app:
        raise InvalidChatRequest("missing_app", "请在 metadata.app 中注明应用标识。")
    known = list_apps()
    if app not in known:
        raise InvalidChatRequest(
            "unknown_app", f"未知的应用标识“{app[:64]}”。可用的应用：{'、'.join(known)}。", 404
        )
    platform = metadata.get("platform") or "app"
    if platform not in PLATFORMS:
        raise InvalidChatRequest(
            "invalid_platform", f"platform 必须是以下之一：{', '.join(PLATFORMS)}。"
        )
    checked: Dict[str, Any] = {"app": app, "platform": platform}
    token = metadata.get("user_token")
    if token is not None:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidChatRequest("invalid_user_token", "user_token 格式不正确。")
        checked["user_token"] = token
    return checked


class AppChatInput(InputChannel):
    """REST input for the in-app chat page, with request validation and app routing."""

    @classmethod
    def name(cls) -> Text:
        return "app_chat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            default_app=credentials.get("default_app") or os.environ.get("DEFAULT_APP"),
            max_message_chars=int(
                credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)
            ),
        )

    def __init__(
        self,
        default_app: Optional[str] = None,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
    ) -> None:
        self.default_app = default_app
        self.max_message_chars = max_message_chars

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("app_chat_webhook", __name__)
        webhook.listener("after_server_start")(_freeze_loaded_objects)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = parse_chat_request(
                    _json_or_none(request), self.default_app, self.max_message_chars
                )
            except InvalidChatRequest as error:
                return response.json(
                    {"error": error.code, "message": str(error)}, status=error.status
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        chat.text,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=chat.metadata,
                    )
                )
            except Exception:  # the text stays out of the log: it may hold personal data
                logger.exception("app_chat: handling a message failed")
                return response.json(
                    {"error": "assistant_unavailable", "message": "客服助手暂时无法回复，请稍后再试。"},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook


async def _freeze_loaded_objects(app, loop) -> None:
    """Keeps the loaded model out of every later garbage collection.

    The Rasa server holds ~700 MB of long-lived objects (TensorFlow, the model); a full collection
    walks them all and stalls every conversation for a few hundred milliseconds. Objects that
    exist once the server has started live as long as the process, so ``gc.freeze`` moves them
    out of the collector's way.
    """
    gc.collect()
    gc.freeze()
    logger.info("app_chat: %d start-up objects frozen out of garbage collection", gc.get_freeze_count())


def _json_or_none(request: Request) -> Any:
    try:
        return request.json
    except Exception:  # sanic raises on an unparsable body
        return None
