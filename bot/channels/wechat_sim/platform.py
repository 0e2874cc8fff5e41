"""The rules of WeChat's servers that the simulator plays, as plain state and functions.

From WeChat's documentation of the mini-program customer-service messages and its API:

- **stable_token** (getStableAccessToken): ``grant_type`` must be ``client_credential`` (40002),
  the AppID known (40013), the secret right (40125). Normal mode returns the current token while
  more than 5 minutes remain and a new one within the last 5 (the old one stays valid until it
  expires); ``force_refresh`` invalidates every earlier token at once — at most 20 a day (45009)
  and not within 30 s of the last one (the current token is returned instead).
- **tokens** on API calls: missing 41001, unknown or invalidated 40001, expired 42001.
- **customer-service quota** (客服消息下发条件): a user's message allows 5 messages within 48 hours,
  entering the chat (``user_enter_tempsession``) 2 within 1 minute. Allowances do not add up: each
  action sets the remaining count to the larger of what is left and the action's allowance, and
  the window to the later end. Outside the window 45015, with nothing left 45047; an openid that
  never wrote 40003; text beyond 2048 bytes 45002; an empty text 44004; an unknown msgtype 40008.
- **typing** (客服输入状态): ``Typing``/``CancelTyping`` only (45072), needs an interaction in the
  last 30 s (45080), lasts 15 s and cannot be repeated meanwhile (45081); a message sent cancels
  it. Typing costs no quota.

Tests and the page change this state through the simulator's control routes: expiring or
revoking tokens, emptying a quota, closing a window, queueing faults (an errcode or an HTTP
status for the next calls of an API), moving WeChat's clock forward.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from bot.channels.wechat_sim.credentials import SimulatedApp

USER_MESSAGE_ALLOWANCE = (5, 48 * 3600)
ENTER_SESSION_ALLOWANCE = (2, 60)
TOKEN_LIFETIME_SECONDS = 7200
TOKEN_RENEW_WITHIN_SECONDS = 300
FORCE_REFRESH_GAP_SECONDS = 30
FORCE_REFRESHES_PER_DAY = 20
TYPING_SECONDS = 15
TYPING_NEEDS_INTERACTION_WITHIN = 30
MAX_TEXT_BYTES = 2048
MESSAGE_TYPES = ("text", "image", "link", "miniprogrampage")

ERRMSG = {
    0: "ok", -1: "system error", 40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type", 40003: "invalid openid", 40008: "invalid message type",
    40013: "invalid appid", 40125: "invalid appsecret", 41001: "access_token missing",
    42001: "access_token expired", 44004: "empty content", 45002: "content size out of limit",
    45009: "reach max api daily quota limit", 45011: "api minute-quota reach limit",
    45015: "response out of time limit or subscription is canceled", 45047: "out of response count limit",
    45072: "invalid command", 45080: "need sending message to user", 45081: "already typing",
}


def reply(errcode: int, **data: Any) -> Dict[str, Any]:
    return {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error"), **data}


@dataclass
class Token:
    value: str
    expires_at: float
    revoked: bool = False


@dataclass
class UserSession:
    """What WeChat knows of one user of one mini-program."""

    remaining: int = 0
    window_ends: float = 0.0
    last_interaction: float = float("-inf")
    typing_until: float = 0.0


@dataclass
class Fault:
    errcode: Optional[int]     # an API answer
    http_status: Optional[int]  # or an HTTP error instead of an answer
    times: int


@dataclass
class AppPlatform:
    """WeChat's state for one simulated mini-program."""

    app: SimulatedApp
    tokens: List[Token] = field(default_factory=list)
    token_lifetime: float = TOKEN_LIFETIME_SECONDS
    force_refreshes: List[float] = field(default_factory=list)
    users: Dict[str, UserSession] = field(default_factory=dict)
    faults: Dict[str, List[Fault]] = field(default_factory=dict)
    calls: Dict[str, int] = field(default_factory=dict)

    def count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1


class Platform:
    def __init__(self, apps: Dict[str, SimulatedApp], clock: Callable[[], float] = time.time) -> None:
        self._wall_clock, self.offset = clock, 0.0
        self.apps = {app: AppPlatform(settings) for app, settings in apps.items()}
        self._by_appid = {settings.appid: app for app, settings in apps.items()}

    def clock(self) -> float:
        """WeChat's time: the wall clock, moved forward by the tests' ``advance``."""
        return self._wall_clock() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def of_appid(self, appid: str) -> Optional[AppPlatform]:
        app = self._by_appid.get(appid)
        return self.apps.get(app) if app else None

    # faults --------------------------------------------------------------------------------------

    def add_fault(self, app: str, api: str, errcode: Optional[int], http_status: Optional[int], times: int) -> None:
        self.apps[app].faults.setdefault(api, []).append(Fault(errcode, http_status, times))

    def take_fault(self, platform: AppPlatform, api: str) -> Optional[Fault]:
        queue = platform.faults.get(api) or []
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # user actions --------------------------------------------------------------------------------

    def user_acted(self, app: str, openid: str, entered_session: bool = False) -> None:
        """The user sent a message (or opened the chat): their allowance and window update."""
        allowance, seconds = ENTER_SESSION_ALLOWANCE if entered_session else USER_MESSAGE_ALLOWANCE
        session = self.apps[app].users.setdefault(openid, UserSession())
        now = self.clock()
        left = session.remaining if now < session.window_ends else 0
        session.remaining = max(left, allowance)
        session.window_ends = max(session.window_ends, now + seconds)
        session.last_interaction = now

    # tokens --------------------------------------------------------------------------------------

    def stable_token(self, body: Dict[str, Any]) -> Dict[str, Any]:
        if body.get("grant_type") != "client_credential":
            return reply(40002)
        platform = self.of_appid(str(body.get("appid", "")))
        if platform is None:
            return reply(40013)
        if not secrets.compare_digest(str(body.get("secret", "")), platform.app.secret):
            return reply(40125)
        fault = self.take_fault(platform, "stable_token")
        if fault and fault.errcode is not None:
            return reply(fault.errcode)
        force = body.get("force_refresh") is True
        platform.count("stable_token_force" if force else "stable_token")
        now = self.clock()
        current = self._current_token(platform)
        if force:
            recent = [moment for moment in platform.force_refreshes if now - moment < 86400]
            if len(recent) >= FORCE_REFRESHES_PER_DAY:
                return reply(45009)
            if current and recent and now - recent[-1] < FORCE_REFRESH_GAP_SECONDS:
                return self._token_reply(current)
            platform.force_refreshes = recent + [now]
            for token in platform.tokens:
                token.revoked = True
            return self._token_reply(self._issue(platform))
        if current is None or current.expires_at - now <= TOKEN_RENEW_WITHIN_SECONDS:
            current = self._issue(platform)
        return self._token_reply(current)

    def _current_token(self, platform: AppPlatform) -> Optional[Token]:
        live = [t for t in platform.tokens if not t.revoked and t.expires_at > self.clock()]
        return live[-1] if live else None

    def _issue(self, platform: AppPlatform) -> Token:
        token = Token(secrets.token_urlsafe(48), self.clock() + platform.token_lifetime)
        platform.tokens = [t for t in platform.tokens if t.expires_at > self.clock() - 86400] + [token]
        return token

    def _token_reply(self, token: Token) -> Dict[str, Any]:
        return {"access_token": token.value, "expires_in": max(1, int(token.expires_at - self.clock()))}

    def expire_tokens(self, app: str) -> None:
        for token in self.apps[app].tokens:
            token.expires_at = min(token.expires_at, self.clock() - 1)

    def revoke_tokens(self, app: str) -> None:
        for token in self.apps[app].tokens:
            token.revoked = True

    def check_token(self, value: Optional[str]) -> Tuple[Optional[AppPlatform], int]:
        """(the app the token belongs to, 0) or (None or the app, the errcode to answer)."""
        if not value:
            return None, 41001
        for platform in self.apps.values():
            for token in platform.tokens:
                if secrets.compare_digest(token.value, value):
                    if token.revoked:
                        return platform, 40001
                    return platform, (42001 if token.expires_at <= self.clock() else 0)
        return None, 40001

    # customer-service messages -------------------------------------------------------------------

    def send(self, platform: AppPlatform, body: Dict[str, Any]) -> Dict[str, Any]:
        platform.count("send")
        openid = body.get("touser")
        session = platform.users.get(openid) if isinstance(openid, str) else None
        if session is None:
            return reply(40003)
        msgtype = body.get("msgtype")
        if msgtype not in MESSAGE_TYPES:
            return reply(40008)
        if msgtype == "text":
            content = (body.get("text") or {}).get("content") if isinstance(body.get("text"), dict) else None
            if not isinstance(content, str) or not content:
                return reply(44004)
            if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
                return reply(45002)
        now = self.clock()
        if now >= session.window_ends:
            return reply(45015)
        if session.remaining <= 0:
            return reply(45047)
        session.remaining -= 1
        session.typing_until = 0.0
        return reply(0)

    def typing(self, platform: AppPlatform, body: Dict[str, Any]) -> Dict[str, Any]:
        platform.count("typing")
        command = body.get("command")
        if command not in ("Typing", "CancelTyping"):
            return reply(45072)
        session = platform.users.get(body.get("touser")) if isinstance(body.get("touser"), str) else None
        if session is None:
            return reply(40003)
        now = self.clock()
        if now >= session.window_ends:
            return reply(45015)
        if command == "CancelTyping":
            session.typing_until = 0.0
            return reply(0)
        if now - session.last_interaction > TYPING_NEEDS_INTERACTION_WITHIN:
            return reply(45080)
        if now < session.typing_until:
            return reply(45081)
        session.typing_until = now + TYPING_SECONDS
        return reply(0)

    def set_window(self, app: str, openid: str, remaining: Optional[int], close: bool) -> UserSession:
        session = self.apps[app].users.setdefault(openid, UserSession())
        if remaining is not None:
            session.remaining = remaining
        if close:
            session.window_ends = self.clock() - 1
        return session
