"""Pushing a user's message to the developer's server the way WeChat does, and reading the answer.

``build_push`` writes one HTTP attempt for an app's message mode and data format:

- plaintext: the message, ``?signature&timestamp&nonce&openid``;
- safe: ``{ToUserName, Encrypt}`` and ``&encrypt_type=aes&msg_signature`` added;
- compatible: the plaintext message *and* ``Encrypt`` in one body, same query as safe.

``Pusher.push`` delivers a message like WeChat's servers: each attempt freshly signed, 5 s to
answer, up to 3 attempts (so within 15 s) when an attempt times out, cannot connect or gets a
5xx; a 4xx is final. Attempts may go round several server processes (``bases``), as behind a
load balancer. The answer is read as WeChat would: ``success`` or an empty body acknowledges;
otherwise it must be a passive reply — in compatible and safe mode encrypted and signed with
``msg_signature`` — and ``transfer_customer_service`` hands the message to the customer-service
tools.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import aiohttp

from bot.channels.wechat import crypto
from bot.channels.wechat.crypto import PushRejected
from bot.channels.wechat.messages import (
    TRANSFER,
    BodyFormat,
    build_body,
    parse_body,
    push_envelope,
)
from bot.channels.wechat_sim.credentials import SimulatedApp

ATTEMPTS = 3
ATTEMPT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class PushRequest:
    url: str
    params: Dict[str, str]
    body: bytes
    content_type: str


@dataclass
class Attempt:
    base: str
    status: Optional[int]
    ms: float
    outcome: str               # acknowledged | transferred | rejected | timeout | unreachable | server_error | bad_reply
    duplicate: bool = False
    detail: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {"base": self.base, "status": self.status, "ms": round(self.ms, 2), "outcome": self.outcome,
                "duplicate": self.duplicate, **({"detail": self.detail} if self.detail else {})}


@dataclass
class PushResult:
    attempts: List[Attempt] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        final = [a for a in self.attempts if not a.duplicate]
        return final[-1].outcome if final else "not_sent"


def build_push(app: SimulatedApp, fields: Mapping[str, Any], base: str,
               timestamp: Optional[str] = None, nonce: Optional[str] = None) -> PushRequest:
    body_format = BodyFormat(app.format)
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10 ** 10))
    message = build_body(fields, body_format)
    params = {"signature": crypto.signature(app.token, timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "openid": str(fields["FromUserName"])}
    body = message
    if app.encrypted:
        encrypt = crypto.encrypt(message, app.appid, app.aes_key)
        body = push_envelope(app.original_id, encrypt, body_format,
                             plaintext_fields=fields if app.mode == "compatible" else None)
        params.update(encrypt_type="aes", msg_signature=crypto.msg_signature(app.token, timestamp, nonce, encrypt))
    content_type = "application/json" if body_format is BodyFormat.JSON else "text/xml"
    return PushRequest(f"{base.rstrip('/')}/webhooks/wechat/{app.app}/webhook", params, body, content_type)


def read_answer(app: SimulatedApp, body: bytes) -> str:
    """What WeChat makes of a 200 answer: acknowledged, transferred, or bad_reply."""
    if body.strip() in (b"", b"success"):
        return "acknowledged"
    body_format = BodyFormat(app.format)
    try:
        _, fields = parse_body(body, body_format)
        if "Encrypt" in fields:
            signed = crypto.msg_signature(app.token, fields.get("TimeStamp", ""), fields.get("Nonce", ""),
                                          fields["Encrypt"])
            crypto.check_signature(signed, fields.get("MsgSignature"))
            message, _ = crypto.decrypt_for_app(fields["Encrypt"], app.appid, [app.aes_key])
            _, fields = parse_body(message, body_format)
        elif app.mode == "safe":
            return "bad_reply"  # safe mode accepts encrypted replies only
    except PushRejected:
        return "bad_reply"
    return "transferred" if fields.get("MsgType") == TRANSFER else "bad_reply"


class Pusher:
    def __init__(self, bases: Sequence[str], attempts: int = ATTEMPTS,
                 timeout_seconds: float = ATTEMPT_TIMEOUT_SECONDS) -> None:
        self.bases, self.attempts, self.timeout_seconds = list(bases), attempts, timeout_seconds
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # one connection per attempt, as WeChat's retries do not reuse a stalled connection
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        return self._session

    async def push(self, app: SimulatedApp, fields: Mapping[str, Any], bases: Optional[Sequence[str]] = None,
                   timeout_seconds: Optional[float] = None, start: int = 0) -> PushResult:
        bases = list(bases or self.bases)
        result = PushResult()
        for number in range(self.attempts):
            attempt = await self.attempt(app, fields, bases[(start + number) % len(bases)],
                                         timeout_seconds or self.timeout_seconds)
            result.attempts.append(attempt)
            if attempt.outcome not in ("timeout", "unreachable", "server_error"):
                break
        return result

    async def attempt(self, app: SimulatedApp, fields: Mapping[str, Any], base: str,
                      timeout_seconds: float, duplicate: bool = False) -> Attempt:
        request = build_push(app, fields, base)
        started = time.perf_counter()
        try:
            async with self._http().post(request.url, params=request.params, data=request.body,
                                         headers={"Content-Type": request.content_type},
                                         timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as answer:
                body = await answer.read()
                status = answer.status
        except asyncio.TimeoutError:
            return Attempt(base, None, (time.perf_counter() - started) * 1000, "timeout", duplicate)
        except aiohttp.ClientError as error:
            return Attempt(base, None, (time.perf_counter() - started) * 1000, "unreachable", duplicate,
                           type(error).__name__)
        elapsed = (time.perf_counter() - started) * 1000
        if status >= 500:
            return Attempt(base, status, elapsed, "server_error", duplicate)
        if status >= 400:
            return Attempt(base, status, elapsed, "rejected", duplicate, body[:200].decode("utf-8", "replace"))
        return Attempt(base, status, elapsed, read_answer(app, body), duplicate)
