"""WeChat's server API as the channel calls it, and what its error codes mean for us.

Three endpoints under ``WECHAT_API_BASE``: ``POST /cgi-bin/stable_token`` (the access token),
``POST /cgi-bin/message/custom/send`` and ``POST /cgi-bin/message/custom/typing`` (each with
``?access_token=``). Every answer is JSON with ``errcode`` (0 or absent = success) and
``errmsg``; a network failure, a timeout, an HTTP error or a body that is not JSON raises
``ApiUnavailable``. The codes are grouped by what the caller should do (global return codes and
the customer-service message pages of WeChat's documentation):

- ``TOKEN_REJECTED``  40001 (invalid or not the latest token), 42001 (expired), 40014 (malformed):
  get a new token and call once more;
- ``RETRY_LATER``     -1 (system busy), 45011 (API called too often): back off and retry;
- anything else is final for this message — notably 45015 (the user's 48-hour window has
  closed), 45047 (the customer-service message quota is used up), 40003 (unknown openid),
  45002 (content too long) — and is recorded for a human agent by ``delivery``.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import aiohttp

STABLE_TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/custom/send"
TYPING_PATH = "/cgi-bin/message/custom/typing"

SYSTEM_BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_OPENID = 40003
INVALID_ACCESS_TOKEN = 40014
ACCESS_TOKEN_EXPIRED = 42001
CONTENT_TOO_LONG = 45002
API_TOO_FREQUENT = 45011
OUTSIDE_REPLY_WINDOW = 45015
QUOTA_EXHAUSTED = 45047
TOKEN_REJECTED = frozenset({INVALID_CREDENTIAL, INVALID_ACCESS_TOKEN, ACCESS_TOKEN_EXPIRED})
RETRY_LATER = frozenset({SYSTEM_BUSY, API_TOO_FREQUENT})
DEFAULT_TIMEOUT_SECONDS = 5.0


class ApiUnavailable(Exception):
    """WeChat's API could not be reached or did not answer with JSON."""


@dataclass(frozen=True)
class ApiReply:
    errcode: int
    errmsg: str = ""
    data: Dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.errcode == 0


class WeChatApi:
    """One HTTP session to WeChat's API for the process, opened on the server's event loop."""

    def __init__(self, base_url: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def post(self, path: str, body: Dict[str, Any], access_token: Optional[str] = None,
                   timeout_seconds: Optional[float] = None) -> ApiReply:
        params = {"access_token": access_token} if access_token is not None else None
        timeout = aiohttp.ClientTimeout(total=timeout_seconds) if timeout_seconds else None
        try:
            async with self._http().post(
                self.base_url + path, params=params, timeout=timeout,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as response:
                if response.status >= 400:
                    raise ApiUnavailable(f"HTTP {response.status} from {path}")
                data = json.loads(await response.read())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ApiUnavailable(f"{path}: {type(error).__name__}") from error
        if not isinstance(data, dict):
            raise ApiUnavailable(f"{path}: the answer is not a JSON object")
        errcode = data.get("errcode", 0)
        return ApiReply(errcode if isinstance(errcode, int) else SYSTEM_BUSY, str(data.get("errmsg", "")), data)

    async def stable_token(self, appid: str, secret: str, force_refresh: bool = False) -> ApiReply:
        return await self.post(STABLE_TOKEN_PATH, {"grant_type": "client_credential", "appid": appid,
                                                   "secret": secret, "force_refresh": force_refresh})
