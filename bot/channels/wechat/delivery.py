"""Sending text and the typing indicator to a WeChat user, so that nothing is silently lost.

``Sender.call`` adds the app's access token to an API call, and when WeChat rejects the token
(40001/42001) gets a new one and calls once more. ``Sender.send_text``:

- sends the text (in pieces if it exceeds WeChat's limit per message);
- retries with backoff (0.5, 1, 2, 4 s) what may pass later: a network failure, a timeout,
  WeChat busy (-1), too many API calls (45011), no token to be had;
- gives up at once on what cannot pass by waiting — the user's 48-hour window has closed (45015;
  only the user writing again reopens it), the quota of messages is used up (45047; same), an
  unknown openid, content too long…;
- writes what it could not deliver to the ``UndeliveredLog`` for a human agent.

``Sender.typing`` is best effort: WeChat's typing state is a courtesy, and it only refuses it
(45080, 45081) when it would have no effect.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence

from bot.channels.wechat import api as wechat_api
from bot.channels.wechat.access_token import AccessTokens, TokenUnavailable
from bot.channels.wechat.api import ApiReply, ApiUnavailable, WeChatApi
from bot.channels.wechat.config import WeChatApp
from bot.channels.wechat.rendering import split_for_wechat
from bot.channels.wechat.undelivered import REPLY_UNDELIVERED, UndeliveredLog, record

logger = logging.getLogger(__name__)

RETRY_DELAYS_SECONDS = (0.5, 1.0, 2.0, 4.0)
TYPING_TIMEOUT_SECONDS = 2.0
REASONS = {
    wechat_api.OUTSIDE_REPLY_WINDOW: "已超过 48 小时客服消息时限，需等用户再次发消息",
    wechat_api.QUOTA_EXHAUSTED: "客服消息下发条数已用完，需等用户再次发消息",
    wechat_api.INVALID_OPENID: "微信不认识这个用户（openid 无效）",
    wechat_api.CONTENT_TOO_LONG: "消息内容超过微信的长度限制",
    wechat_api.SYSTEM_BUSY: "微信系统繁忙，重试后仍未成功",
    wechat_api.API_TOO_FREQUENT: "微信接口调用过于频繁，重试后仍未成功",
}
UNREACHABLE_REASON = "微信接口无法连接或无法取得 access_token，重试后仍未成功"


def mask_openid(openid: str) -> str:
    """The only form of an openid a log line may hold."""
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 8 else "…"


class Sender:
    def __init__(self, api: WeChatApi, tokens: AccessTokens, undelivered: UndeliveredLog,
                 retry_delays: Sequence[float] = RETRY_DELAYS_SECONDS,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.api, self.tokens, self.undelivered = api, tokens, undelivered
        self.retry_delays, self.sleep = tuple(retry_delays), sleep

    async def call(self, app: WeChatApp, path: str, body: Dict[str, Any],
                   timeout_seconds: Optional[float] = None) -> ApiReply:
        token = await self.tokens.get(app)
        reply = await self.api.post(path, body, token, timeout_seconds)
        if reply.errcode in wechat_api.TOKEN_REJECTED:
            token = await self.tokens.replace(app, token)
            reply = await self.api.post(path, body, token, timeout_seconds)
        return reply

    async def send_text(self, app: WeChatApp, openid: str, text: str, msg_id: Optional[str] = None) -> bool:
        """True if every piece reached WeChat; otherwise what is left is recorded for an agent."""
        pieces = split_for_wechat(text)
        for index, piece in enumerate(pieces):
            body = {"touser": openid, "msgtype": "text", "text": {"content": piece}}
            failure = await self._send_with_retries(app, body)
            if failure is not None:
                errcode, reason = failure
                logger.warning("wechat: a reply to %s in %s was not delivered (%s)",
                               mask_openid(openid), app.app, errcode)
                await self.undelivered.append(record(REPLY_UNDELIVERED, app.app, openid,
                                                     "\n".join(pieces[index:]), reason, errcode, msg_id))
                return False
        return True

    async def _send_with_retries(self, app: WeChatApp, body: Dict[str, Any]):
        """None when sent; (errcode or None, reason) when it could not be."""
        failure = (None, UNREACHABLE_REASON)
        for delay in (*self.retry_delays, None):
            try:
                reply = await self.call(app, wechat_api.SEND_PATH, body)
            except (ApiUnavailable, TokenUnavailable) as error:
                failure = (getattr(error, "errcode", None), UNREACHABLE_REASON)
            else:
                if reply.ok:
                    return None
                failure = (reply.errcode, REASONS.get(reply.errcode, f"微信拒绝了这条消息：{reply.errmsg}"))
                if reply.errcode not in wechat_api.RETRY_LATER and reply.errcode not in wechat_api.TOKEN_REJECTED:
                    return failure
            if delay is None:
                return failure
            await self.sleep(delay)
        return failure

    async def typing(self, app: WeChatApp, openid: str, command: str = "Typing") -> None:
        try:
            reply = await self.call(app, wechat_api.TYPING_PATH, {"touser": openid, "command": command},
                                    timeout_seconds=TYPING_TIMEOUT_SECONDS)
        except (ApiUnavailable, TokenUnavailable):
            return
        if not reply.ok:
            logger.debug("wechat: typing state refused (%s)", reply.errcode)
