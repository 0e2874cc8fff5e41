"""The durable record of what the WeChat channel could not deliver, for a human agent.

A reply WeChat refuses for good (the 48-hour window has closed: 45015; the message quota is used
up: 45047; an unknown openid…) or that still fails after the retries, and a message a user sent
after being handed over that the channel could no longer forward, are written here — never only
to a log. Each record is one JSON object:

    {"recorded_at": "2026-…Z", "kind": "reply_undelivered" | "message_during_handoff",
     "app": "melochi", "openid": "o9Ag…", "msg_id": "msg:…", "errcode": 45047,
     "reason": "客服消息下发条数已用完", "text": "…"}

``text`` passes through ``bot.redaction.mask`` (no phone numbers, codes or ID numbers); the
openid is kept whole, because the agent needs it to find the user in WeChat's tools.

Where: a Redis list ``<WECHAT_REDIS_PREFIX>:undelivered`` when ``REDIS_HOST`` is set (shared by
every server process), otherwise the JSON-lines file ``<WECHAT_STATE_DIR>/undelivered.jsonl``
(mode 0600). ``python -m bot.channels.wechat undelivered`` prints either.
"""
from __future__ import annotations

import abc
import asyncio
import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import redis
import redis.asyncio as aioredis

from bot.channels.wechat.config import RedisSettings
from bot.redaction import mask

REPLY_UNDELIVERED = "reply_undelivered"
MESSAGE_DURING_HANDOFF = "message_during_handoff"
FILE_NAME = "undelivered.jsonl"


def record(kind: str, app: str, openid: str, text: str, reason: str,
           errcode: Optional[int] = None, msg_id: Optional[str] = None) -> Dict[str, Any]:
    return {"recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "kind": kind, "app": app, "openid": openid, "msg_id": msg_id, "errcode": errcode,
            "reason": reason, "text": mask(text)}


class UndeliveredLog(abc.ABC):
    @abc.abstractmethod
    async def append(self, entry: Dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def read(self, limit: int = 100) -> List[Dict[str, Any]]:
        """The newest ``limit`` records, oldest first (synchronous: for the CLI and tests)."""

    async def close(self) -> None:
        return None


class JsonLinesLog(UndeliveredLog):
    def __init__(self, path: Path) -> None:
        self.path = path

    async def append(self, entry: Dict[str, Any]) -> None:
        await asyncio.to_thread(self._append_line, json.dumps(entry, ensure_ascii=False))

    def _append_line(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several server processes may share the file
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def read(self, limit: int = 100) -> List[Dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[-limit:] if line.strip()]


class RedisListLog(UndeliveredLog):
    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        self.key = f"{settings.prefix.rstrip(':')}:undelivered"
        self._client: Optional[aioredis.Redis] = None

    def _async_client(self) -> aioredis.Redis:
        if self._client is None:
            self._client = aioredis.Redis(host=self.settings.host, port=self.settings.port,
                                          db=self.settings.db, password=self.settings.password)
        return self._client

    async def append(self, entry: Dict[str, Any]) -> None:
        await self._async_client().rpush(self.key, json.dumps(entry, ensure_ascii=False))

    def read(self, limit: int = 100) -> List[Dict[str, Any]]:
        client = redis.Redis(host=self.settings.host, port=self.settings.port, db=self.settings.db,
                             password=self.settings.password)
        try:
            return [json.loads(item) for item in client.lrange(self.key, -limit, -1)]
        finally:
            client.close()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def open_log(redis_settings: Optional[RedisSettings], state_dir: Path) -> UndeliveredLog:
    return RedisListLog(redis_settings) if redis_settings else JsonLinesLog(state_dir / FILE_NAME)
