"""The WeChat mini-program customer-service channel: ``/webhooks/wechat/<app>/webhook``.

Shaped like Rasa's own connectors (``name()``, ``from_credentials()``, ``blueprint()``):

- ``GET``  WeChat's URL check: the signature verified, ``echostr`` echoed;
- ``POST`` a push: verified (``verification``), then either
  * answered with ``transfer_customer_service`` at once, for a user handed over to WeChat's
    customer-service tools (encrypted like the push, in its format), or
  * accepted exactly once into the user's queue (``inbox``) and acknowledged with ``success`` —
    the assistant's turn runs afterwards, on this server's event loop, and its replies go out
    through the customer-service API (``conversation``, ``delivery``). WeChat waits at most 5 s
    for an answer and retries a slow push; this answer never waits for the assistant.

An app without ``WECHAT_<APP>_APPID`` (or not in the knowledge base) is a 404; a push that fails
a check answers 4xx with ``{"error", "message"}`` and reaches nobody; when the shared state is
unreachable the answer is 503, so WeChat retries. Log lines hold no message text and no full
openid.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import rasa_patches
from bot.channels.wechat import config as wechat_config
from bot.channels.wechat.access_token import AccessTokens
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import WeChatApp, WeChatConfigError
from bot.channels.wechat.conversation import TYPING_AFTER_SECONDS, Conversations, handoff_key
from bot.channels.wechat.crypto import PushRejected
from bot.channels.wechat.delivery import RETRY_DELAYS_SECONDS, Sender, mask_openid
from bot.channels.wechat.inbox import LEASE_SECONDS, SWEEP_EVERY_SECONDS, Inbox
from bot.channels.wechat.messages import BodyFormat, transfer_reply
from bot.channels.wechat.redis_state import RedisState
from bot.channels.wechat.state import Acceptance, MemoryState, SharedState
from bot.channels.wechat.undelivered import open_log
from bot.channels.wechat.verification import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_WINDOW_SECONDS,
    VerifiedPush,
    encrypted_reply,
    verify_push,
    verify_url_check,
)
from bot.knowledge import list_apps
from bot.redaction import install_log_masking

logger = logging.getLogger(__name__)

rasa_patches.install()  # loaded by the Rasa server from credentials.yml, like every channel module
install_log_masking()

_APP_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SUCCESS = "success"


def _error(code: str, message: str, status: int) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def _number(value: Any, default: float) -> float:
    return default if value is None else float(value)


def _query(request: Request) -> Dict[str, str]:
    return {name: values[0] for name, values in request.args.items() if values}


class _Runtime:
    """What the channel holds while the server runs (created on the server's event loop)."""

    def __init__(self, state: SharedState, api: WeChatApi, inbox: Inbox, undelivered) -> None:
        self.state, self.api, self.inbox, self.undelivered = state, api, inbox, undelivered

    async def close(self) -> None:
        await self.inbox.close()
        await self.api.close()
        await self.undelivered.close()
        await self.state.close()


class WeChatInput(InputChannel):
    """WeChat mini-program customer-service messages for every app configured in the environment."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = cls(
            timestamp_window_seconds=int(credentials.get("timestamp_window_seconds") or DEFAULT_WINDOW_SECONDS),
            max_message_chars=int(credentials.get("max_message_chars") or 500),
            max_body_bytes=int(credentials.get("max_body_bytes") or DEFAULT_MAX_BODY_BYTES),
            typing_after_seconds=_number(credentials.get("typing_after_seconds"), TYPING_AFTER_SECONDS),
        )
        channel.check_configuration()
        return channel

    def __init__(self, timestamp_window_seconds: int = DEFAULT_WINDOW_SECONDS, max_message_chars: int = 500,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, environ: Optional[Mapping[str, str]] = None,
                 state_factory: Optional[Callable[[], SharedState]] = None,
                 lease_seconds: float = LEASE_SECONDS, sweep_every_seconds: float = SWEEP_EVERY_SECONDS,
                 retry_delays: Sequence[float] = RETRY_DELAYS_SECONDS,
                 typing_after_seconds: float = TYPING_AFTER_SECONDS) -> None:
        self.environ = os.environ if environ is None else environ
        self.window_seconds, self.max_body_bytes = timestamp_window_seconds, max_body_bytes
        self.max_message_chars = max_message_chars
        self._state_factory = state_factory
        self.lease_seconds, self.sweep_every_seconds = lease_seconds, sweep_every_seconds
        self.retry_delays, self.typing_after_seconds = tuple(retry_delays), typing_after_seconds
        self._apps: Dict[str, Optional[WeChatApp]] = {}
        self._runtime: Optional[_Runtime] = None

    # configuration ---------------------------------------------------------------------------

    def check_configuration(self) -> Dict[str, WeChatApp]:
        """Every known app's WeChat settings; raises WeChatConfigError on a wrong one (at start)."""
        wechat_config.api_base(self.environ)
        wechat_config.redis_settings(self.environ)
        configured = {app: self.app_config(app) for app in list_apps()}
        return {app: settings for app, settings in configured.items() if settings}

    def app_config(self, app: str) -> Optional[WeChatApp]:
        """The app's settings, or None: unknown app id, or no WeChat channel for it."""
        if app not in self._apps:
            if not (_APP_RE.match(app) and app in list_apps()):
                return None  # not remembered: any string could be asked for
            self._apps[app] = wechat_config.load_app(app, self.environ)
        return self._apps[app]

    def _settings_or_refusal(self, app: str):
        """(settings, None), or (None, the 4xx/5xx answer) for an app that cannot take pushes."""
        try:
            settings = self.app_config(app)
        except WeChatConfigError as error:
            logger.error("wechat: the configuration of %s is wrong: %s", app, error)
            return None, _error("misconfigured", "该应用的微信配置有误，请联系运维人员。", 503)
        if settings is None:
            return None, _error("unknown_app", "该应用没有配置微信小程序客服消息。", 404)
        if self._runtime is None:
            return None, _error("unavailable", "服务正在启动，请稍后重试。", 503)
        return settings, None

    def _open_state(self) -> SharedState:
        if self._state_factory:
            return self._state_factory()
        settings = wechat_config.redis_settings(self.environ)
        return RedisState.connect(settings) if settings else MemoryState()

    # the blueprint -------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start(app, _loop) -> None:
            self._runtime = self._start_runtime(on_new_message, getattr(app.ctx, "agent", None))

        @webhook.listener("before_server_stop")
        async def stop(_app, _loop) -> None:
            if self._runtime:
                await self._runtime.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "apps": [app for app in list_apps()
                                                          if self._settings_or_refusal(app)[0]]})

        @webhook.route("/<app>/webhook", methods=["GET"])
        async def url_check(request: Request, app: str) -> HTTPResponse:
            settings, refusal = self._settings_or_refusal(app)
            if refusal:
                return refusal
            try:
                echostr = verify_url_check(settings, _query(request), time.time(), self.window_seconds)
            except PushRejected as error:
                return _error(error.code, str(error), error.status)
            return response.text(echostr)

        @webhook.route("/<app>/webhook", methods=["POST"])
        async def receive(request: Request, app: str) -> HTTPResponse:
            settings, refusal = self._settings_or_refusal(app)
            if refusal:
                return refusal
            try:
                verified = verify_push(settings, _query(request), request.body or b"", time.time(),
                                       self.window_seconds, self.max_body_bytes)
            except PushRejected as error:
                logger.info("wechat: a push to %s was rejected (%s)", app, error.code)
                return _error(error.code, str(error), error.status)
            try:
                return await self._answer(settings, verified)
            except Exception:
                logger.exception("wechat: a push to %s could not be recorded", app)
                return _error("unavailable", "暂时无法处理，请稍后重试。", 503)

        return webhook

    def _start_runtime(self, on_new_message, agent) -> _Runtime:
        state = self._open_state()
        api = WeChatApi(wechat_config.api_base(self.environ))
        undelivered = open_log(wechat_config.redis_settings(self.environ), wechat_config.state_dir(self.environ))
        sender = Sender(api, AccessTokens(state, api), undelivered, self.retry_delays)
        tracker_store = getattr(agent, "tracker_store", None)
        conversations = Conversations(self.app_config, state, sender, on_new_message,
                                      tracker_store.retrieve if tracker_store else None,
                                      self.max_message_chars, self.typing_after_seconds)
        inbox = Inbox(state, conversations.handle, lease_seconds=self.lease_seconds,
                      sweep_every_seconds=self.sweep_every_seconds)
        inbox.start_sweeping()
        return _Runtime(state, api, inbox, undelivered)

    async def _answer(self, settings: WeChatApp, verified: VerifiedPush) -> HTTPResponse:
        push = verified.push
        # a handed-over user's messages go to WeChat's agents; events are never forwarded
        handed_over = None if push.is_event else handoff_key(settings.app, push.openid)
        # shielded: WeChat hanging up (a timeout) cancels this handler, but a push recorded in the
        # shared state must also be queued for processing at once, not only by the next sweep
        acceptance = await asyncio.shield(
            self._runtime.inbox.accept(settings.app, push, verified.replay_key, handed_over))
        if acceptance is Acceptance.HANDED_OVER:
            return self._transfer(settings, verified)
        if acceptance is Acceptance.REPLAYED:
            logger.info("wechat: a replayed push to %s was refused", settings.app)
            return _error("replayed", "该推送已处理过，请求被拒绝。", 403)
        if acceptance is Acceptance.DUPLICATE:
            logger.info("wechat: a repeated push from %s to %s was acknowledged again",
                        mask_openid(push.openid), settings.app)
        return response.text(SUCCESS)

    def _transfer(self, settings: WeChatApp, verified: VerifiedPush) -> HTTPResponse:
        """The passive reply that hands the message to WeChat's customer-service tools."""
        now = str(int(time.time()))
        body = transfer_reply(verified.push, int(now), verified.body_format)
        if verified.encryption_key:
            body = encrypted_reply(settings, verified.encryption_key, body, now, verified.nonce,
                                   verified.body_format)
        content_type = "application/json" if verified.body_format is BodyFormat.JSON else "application/xml"
        return response.raw(body, content_type=f"{content_type}; charset=utf-8")


__all__ = ["WeChatInput", "WeChatConfigError"]
