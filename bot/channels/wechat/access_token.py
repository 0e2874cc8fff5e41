"""The access token of each app: one shared cache, refreshed by one caller at a time.

WeChat's ``stable_token`` (getStableAccessToken) returns the same token while it is valid and a
new one during its last five minutes (old and new both work then); ``force_refresh`` makes a
new one at once but is limited to 20 a day, 30 seconds apart. So:

- the cache (per process, and shared through ``SharedState`` — Redis in a scaled deployment)
  holds the token and when to refresh it: ``REFRESH_MARGIN_SECONDS`` before expiry, when
  ``stable_token`` already hands out the successor;
- a refresh is single-flight: one coroutine per process (an asyncio lock) and one process per
  app (a lease in the shared state); the others wait for the token it stores;
- a token WeChat rejects (40001/42001) is dropped from the cache only if it is still the one
  there (another caller may have replaced it already), and a new one is fetched once; if
  ``stable_token`` hands back the rejected token, a forced refresh is made, at most one per
  30 seconds per app;
- when a refresh fails but the cached token has not expired yet, that token is used.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Dict, Optional

from bot.channels.wechat.api import ApiUnavailable, WeChatApi
from bot.channels.wechat.config import WeChatApp
from bot.channels.wechat.state import SharedState

logger = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 300
MIN_REFRESH_INTERVAL_SECONDS = 30
REFRESH_LEASE_SECONDS = 10.0
FORCE_REFRESH_GAP_SECONDS = 30
POLL_SECONDS = 0.05


class TokenUnavailable(Exception):
    """No usable access token (``errcode`` is stable_token's, or None for a network failure)."""

    def __init__(self, message: str, errcode: Optional[int] = None) -> None:
        super().__init__(message)
        self.errcode = errcode


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float
    refresh_at: float

    def to_json(self) -> str:
        return json.dumps({"value": self.value, "expires_at": self.expires_at, "refresh_at": self.refresh_at})

    @classmethod
    def from_json(cls, text: Optional[str]) -> Optional["CachedToken"]:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(str(data["value"]), float(data["expires_at"]), float(data["refresh_at"]))
        except (ValueError, KeyError, TypeError):
            return None


def token_key(appid: str) -> str:
    return f"token:{appid}"


class AccessTokens:
    def __init__(self, state: SharedState, api: WeChatApi, clock=time.time) -> None:
        self.state, self.api, self.clock = state, api, clock
        self._local: Dict[str, CachedToken] = {}
        self._flights: Dict[str, asyncio.Lock] = {}
        self._owner = uuid.uuid4().hex

    async def get(self, app: WeChatApp) -> str:
        """A token for ``app``, refreshed first if it is due."""
        cached = self._local.get(app.appid)
        if cached and self.clock() < cached.refresh_at:
            return cached.value
        async with self._flight(app.appid):
            cached = await self._shared(app.appid)
            if cached and self.clock() < cached.refresh_at:
                return cached.value
            return await self._refresh_or_keep(app, cached, rejected=None)

    async def replace(self, app: WeChatApp, rejected: str) -> str:
        """A token other than ``rejected``, which WeChat has just refused."""
        local = self._local.get(app.appid)
        if local and local.value == rejected:
            del self._local[app.appid]
        async with self._flight(app.appid):
            cached = await self._shared(app.appid)
            if cached and cached.value != rejected and self.clock() < cached.expires_at:
                return cached.value  # someone else replaced it already
            if cached:
                await self.state.delete_value(token_key(app.appid), cached.to_json())
            return await self._refresh_or_keep(app, None, rejected=rejected)

    # internals -----------------------------------------------------------------------------------

    def _flight(self, appid: str) -> asyncio.Lock:
        return self._flights.setdefault(appid, asyncio.Lock())

    async def _shared(self, appid: str) -> Optional[CachedToken]:
        cached = CachedToken.from_json(await self.state.get_value(token_key(appid)))
        if cached and cached.expires_at > self.clock():
            self._local[appid] = cached
            return cached
        self._local.pop(appid, None)
        return None

    async def _refresh_or_keep(self, app: WeChatApp, cached: Optional[CachedToken],
                               rejected: Optional[str]) -> str:
        try:
            return await self._refresh(app, rejected)
        except TokenUnavailable:
            if cached and self.clock() < cached.expires_at:
                logger.warning("wechat: refreshing the %s access token failed; using the current one", app.app)
                return cached.value
            raise

    async def _refresh(self, app: WeChatApp, rejected: Optional[str]) -> str:
        lease = f"token-refresh:{app.appid}"
        if not await self.state.try_lock(lease, self._owner, REFRESH_LEASE_SECONDS):
            fresh = await self._wait_for_other_refresh(app.appid, rejected)
            if fresh:
                return fresh.value
        try:
            token = await self._fetch(app, rejected)
            await self.state.set_value(token_key(app.appid), token.to_json(),
                                       ttl_seconds=max(1.0, token.expires_at - self.clock()))
            self._local[app.appid] = token
            return token.value
        finally:
            await self.state.unlock(lease, self._owner)

    async def _wait_for_other_refresh(self, appid: str, rejected: Optional[str]) -> Optional[CachedToken]:
        deadline = self.clock() + REFRESH_LEASE_SECONDS
        while self.clock() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            cached = await self._shared(appid)
            if cached and cached.value != rejected and self.clock() < cached.refresh_at:
                return cached
        return None  # the other refresher died: refresh here

    async def _fetch(self, app: WeChatApp, rejected: Optional[str]) -> CachedToken:
        token = await self._call_stable_token(app, force=False)
        if rejected is not None and token.value == rejected:
            # WeChat refuses the token it still hands out (e.g. revoked): only a forced refresh helps
            if not await self.state.set_value_if_absent(f"token-force:{app.appid}", "1",
                                                        FORCE_REFRESH_GAP_SECONDS):
                raise TokenUnavailable("access token rejected; a forced refresh was made moments ago")
            token = await self._call_stable_token(app, force=True)
        return token

    async def _call_stable_token(self, app: WeChatApp, force: bool) -> CachedToken:
        try:
            reply = await self.api.stable_token(app.appid, app.secret, force_refresh=force)
        except ApiUnavailable as error:
            raise TokenUnavailable(f"stable_token unreachable: {error}") from error
        value, expires_in = reply.data.get("access_token"), reply.data.get("expires_in")
        if not reply.ok or not isinstance(value, str) or not isinstance(expires_in, (int, float)):
            raise TokenUnavailable(f"stable_token failed: {reply.errcode} {reply.errmsg}", reply.errcode)
        now = self.clock()
        expires_at = now + float(expires_in)
        # a token handed out near its end is used, but not re-fetched on every call
        refresh_at = max(now + min(MIN_REFRESH_INTERVAL_SECONDS, float(expires_in) / 2),
                         expires_at - REFRESH_MARGIN_SECONDS)
        return CachedToken(value, expires_at, min(refresh_at, expires_at))
