"""In-app online customer service: the REST channel the chat page (and host apps) talk to.

Shaped like Rasa's ``rasa/core/channels/rest.py``, in conversations the server starts:

* ``POST /webhooks/app_chat/conversations`` ``{"app": ID}`` → ``201 {"sender", "conversation_token",
  "expires_at"}``: a conversation id the client cannot choose and the secret that proves it
  (``bot.conversation_tokens``);
* ``POST /webhooks/app_chat/webhook`` ``{"sender", "conversation_token", "message", "metadata"}``
  answers with the bot's messages.

Every request is checked before anything reaches the assistant:

* ``sender`` and ``conversation_token``: a conversation this server started, for this app;
* ``message``: 1–``max_message_chars`` characters of valid Unicode, no control characters;
* ``metadata.app``: a known app id (or the configured default app); another app's answers are
  never given for an unknown id, and the error does not list the apps;
* ``metadata.platform``: one of the contract's platforms (default ``app``);
* ``metadata.user_token``: optional, the host app's signed token for an authenticated user (the
  backend verifies it; it is never stored).

A rejected request answers 4xx with a JSON ``error`` code and a Chinese ``message``, and changes
nothing. Message text and tokens are never logged.
"""
from __future__ import annotations

import gc
import logging
import os
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import conversation_tokens as conversations
from bot.contract import CONVERSATION_ID_PATTERN, Platform
from bot.channels import rasa_patches
from bot.channels.agent_handoff import forward_to_agent, waiting_text
from bot.knowledge import list_apps
from bot.redaction import install_log_masking

logger = logging.getLogger(__name__)
rasa_patches.install()
install_log_masking()

PLATFORMS = Platform.values()
DEFAULT_MAX_MESSAGE_CHARS = 500
MAX_TOKEN_CHARS = 4096
MAX_BODY_BYTES = 16 * 1024
_SENDER_RE = re.compile(rf"{CONVERSATION_ID_PATTERN}")
# C0 controls other than tab and newlines, DEL, and lone surrogates (not valid Unicode text)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
NO_REPLY = "抱歉，客服助手暂时没有回复，请稍后再试一次。"


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


def _is_clean_text(value: str) -> bool:
    return not _FORBIDDEN_CHARS.search(value)


def parse_chat_request(
    body: Any, default_app: Optional[str], max_message_chars: int, secret: str
) -> ChatRequest:
    """Validates a webhook body; raises InvalidChatRequest with a user-readable reason."""
    if not isinstance(body, dict):
        raise InvalidChatRequest("malformed_request", "请求体必须是 JSON 对象。")
    sender = body.get("sender")
    if not isinstance(sender, str) or not _SENDER_RE.fullmatch(sender):
        raise InvalidChatRequest("invalid_sender", "sender 必须是服务端创建会话时返回的会话标识。")
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        raise InvalidChatRequest("empty_message", "消息内容不能为空。")
    if len(text) > max_message_chars:
        raise InvalidChatRequest(
            "message_too_long",
            f"消息过长（{len(text)} 字），请控制在 {max_message_chars} 字以内。",
            status=413,
        )
    if not _is_clean_text(text):
        raise InvalidChatRequest("invalid_message", "消息中含有无法识别的字符，请检查后重新发送。")
    metadata = body.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InvalidChatRequest("malformed_request", "metadata 必须是 JSON 对象。")
    checked = checked_metadata(metadata, default_app)
    if not conversations.token_is_valid(secret, checked["app"], sender, body.get("conversation_token")):
        raise InvalidChatRequest(
            "invalid_conversation", "会话无效或已过期，请重新开始会话。", status=401)
    return ChatRequest(sender, text, checked)


def checked_app(value: Any, default_app: Optional[str]) -> str:
    app = value or default_app
    if not isinstance(app, str) or not app:
        raise InvalidChatRequest("missing_app", "请在 metadata.app 中注明应用标识。")
    if app not in list_apps():
        raise InvalidChatRequest("unknown_app", "未知的应用标识，请从应用内的客服入口进入。", 404)
    return app


def checked_metadata(metadata: Dict[str, Any], default_app: Optional[str]) -> Dict[str, Any]:
    app = checked_app(metadata.get("app"), default_app)
    platform = metadata.get("platform") or "app"
    if platform not in PLATFORMS:
        raise InvalidChatRequest(
            "invalid_platform", f"platform 必须是以下之一：{', '.join(PLATFORMS)}。"
        )
    checked: Dict[str, Any] = {"app": app, "platform": platform}
    token = metadata.get("user_token")
    if token is not None:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS \
                or not _is_clean_text(token):
            raise InvalidChatRequest("invalid_user_token", "user_token 格式不正确。")
        checked["user_token"] = token
    return checked


class AppChatInput(InputChannel):
    """REST input for the in-app chat page, in server-started conversations, routed by app."""

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
            secret=conversations.load_secret(),
        )

    def __init__(
        self,
        default_app: Optional[str] = None,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        secret: Optional[str] = None,
    ) -> None:
        self.default_app = default_app
        self.max_message_chars = max_message_chars
        self.secret = secret or conversations.load_secret()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("app_chat_webhook", __name__)
        webhook.listener("after_server_start")(_freeze_loaded_objects)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/conversations", methods=["POST"])
        async def start(request: Request) -> HTTPResponse:
            try:
                body = _json_body(request)
                app = checked_app(body.get("app") if isinstance(body, dict) else None, self.default_app)
            except InvalidChatRequest as error:
                return _refusal(error)
            started = conversations.start_conversation(self.secret, app)
            return response.json({"sender": started.sender, "conversation_token": started.conversation_token,
                                  "expires_at": started.expires_at, "app": app}, status=201)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = parse_chat_request(
                    _json_body(request), self.default_app, self.max_message_chars, self.secret
                )
            except InvalidChatRequest as error:
                return _refusal(error)
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
            return response.json(collector.messages or await _no_reply(request, chat))

        return webhook


async def _no_reply(request: Request, chat: ChatRequest) -> List[Dict[str, Any]]:
    """What the user sees when the assistant said nothing: a human has the conversation — the
    message goes to the agent, and the user is told where they stand — or a plain request to try
    again; never an empty answer."""
    agent = getattr(request.app.ctx, "agent", None)
    tracker = await agent.tracker_store.retrieve(chat.sender) if agent is not None else None
    if tracker is None or not tracker.is_paused():
        return [{"recipient_id": chat.sender, "text": NO_REPLY, "custom": {"status": "no_reply"}}]
    status = await forward_to_agent(chat.metadata["app"], chat.sender, chat.text)
    return [{"recipient_id": chat.sender, "text": waiting_text(status),
             "custom": {"status": "with_agent" if status and status.get("status") == "claimed"
                        else "waiting_for_agent", "queue": status}}]


def _refusal(error: InvalidChatRequest) -> HTTPResponse:
    return response.json({"error": error.code, "message": str(error)}, status=error.status)


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


def _json_body(request: Request) -> Any:
    """The parsed body, or None for an oversized, undecodable or too deeply nested one."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidChatRequest("payload_too_large", f"请求体过大，上限 {MAX_BODY_BYTES} 字节。", 413)
    try:
        return request.json
    except Exception:  # sanic raises on an unparsable body; RecursionError on deep nesting
        return None
