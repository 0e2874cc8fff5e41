"""What every Rasa server process of the WeChat channel shares, behind one small interface.

- **pushes**: ``accept`` records a push once — its replay key (timestamp/nonce/signature) and its
  dedup key (MsgId, or user+CreateTime for events) — and queues it for its user, atomically, so
  that a retried push is never queued twice and an accepted push is never lost (a handed-over
  user's message is answered with a transfer instead: checked in the same step);
  ``next_push`` / ``finish_push`` walk one user's queue in WeChat's order;
- **locks** with an owner and a lease (one user's pushes are processed by one process at a time;
  one ``stable_token`` refresh per app at a time);
- **values** with optional expiry (the cached access token, handoff markers, once-only flags).

``MemoryState`` is the embedded default (one process). ``bot.channels.wechat.redis_state``
implements the same interface on Redis for a deployment with several processes; the channel
picks it when ``REDIS_HOST`` is set.
"""
from __future__ import annotations

import abc
import enum
import json
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from bot.channels.wechat.messages import Push

SEEN_TTL_SECONDS = 24 * 3600      # far beyond WeChat's 15 s of retries and the timestamp window
QUEUED_TTL_SECONDS = 48 * 3600    # a queued push outlives every crash-and-recover cycle
REPLAY_TTL_SECONDS = 15 * 60      # longer than the timestamp window on either side


class Acceptance(str, enum.Enum):
    ACCEPTED = "accepted"        # new: queued for its user
    DUPLICATE = "duplicate"      # the same message again (a WeChat retry): acknowledged, not queued
    REPLAYED = "replayed"        # the same signed request again: refused
    HANDED_OVER = "handed_over"  # the user is with a human agent: not queued, passed on instead


@dataclass
class QueuedPush:
    app: str
    push: Push
    attempts: int = 0  # how many times processing started; > 1 after a process died mid-way

    def to_json(self) -> str:
        return json.dumps({"app": self.app, "push": self.push.to_fields()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, attempts: int = 0) -> "QueuedPush":
        data = json.loads(text)
        fields = data["push"]
        push = Push(fields["ToUserName"], fields["FromUserName"], int(fields["CreateTime"]),
                    fields["MsgType"], fields.get("MsgId"), fields.get("Content"), fields.get("Event"))
        return cls(data["app"], push, attempts)


def queue_member(push: Push) -> str:
    """A queue entry: sorts by WeChat's order, and names the push's dedup key after the bar."""
    return f"{push.order_key}|{push.dedup_key}"


class SharedState(abc.ABC):
    """The operations the channel needs from shared state; see the module docstring."""

    @abc.abstractmethod
    async def accept(self, app: str, push: Push, replay_key: str, unless_value: Optional[str] = None) -> Acceptance:
        """Records and queues a push in one step (one round trip: the push's answer waits for it).
        With ``unless_value`` (a handed-over marker), a push whose value is set is not queued:
        only its replay key is used up, and the answer is HANDED_OVER."""

    @abc.abstractmethod
    async def next_push(self, app: str, openid: str) -> Optional[QueuedPush]:
        """The user's earliest queued push, its attempt counted; None when the queue is empty."""

    @abc.abstractmethod
    async def finish_push(self, app: str, push: Push) -> None: ...

    @abc.abstractmethod
    async def has_pending(self, app: str, openid: str) -> bool: ...

    @abc.abstractmethod
    async def pending_users(self) -> List[Tuple[str, str]]: ...

    @abc.abstractmethod
    async def try_lock(self, name: str, owner: str, ttl_seconds: float) -> bool: ...

    @abc.abstractmethod
    async def renew_lock(self, name: str, owner: str, ttl_seconds: float) -> bool: ...

    @abc.abstractmethod
    async def unlock(self, name: str, owner: str) -> None: ...

    @abc.abstractmethod
    async def get_value(self, name: str) -> Optional[str]: ...

    @abc.abstractmethod
    async def set_value(self, name: str, value: str, ttl_seconds: Optional[float] = None) -> None: ...

    @abc.abstractmethod
    async def set_value_if_absent(self, name: str, value: str, ttl_seconds: float) -> bool: ...

    @abc.abstractmethod
    async def delete_value(self, name: str, expected: Optional[str] = None) -> bool:
        """Deletes ``name`` (only if it holds ``expected``, when given); True if deleted."""

    async def close(self) -> None:
        return None


class MemoryState(SharedState):
    """Shared state for a single server process (the embedded default)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._expiring: Dict[str, Tuple[str, Optional[float]]] = {}   # name → (value, expiry)
        self._queues: Dict[Tuple[str, str], Dict[str, QueuedPush]] = {}

    # values and locks --------------------------------------------------------------------------

    def _live(self, name: str) -> Optional[str]:
        entry = self._expiring.get(name)
        if entry is None:
            return None
        value, expiry = entry
        if expiry is not None and expiry <= self._clock():
            del self._expiring[name]
            return None
        return value

    def _put(self, name: str, value: str, ttl_seconds: Optional[float]) -> None:
        self._expiring[name] = (value, None if ttl_seconds is None else self._clock() + ttl_seconds)

    def _put_if_absent(self, name: str, value: str, ttl_seconds: Optional[float]) -> bool:
        if self._live(name) is not None:
            return False
        self._put(name, value, ttl_seconds)
        return True

    async def get_value(self, name: str) -> Optional[str]:
        return self._live(name)

    async def set_value(self, name: str, value: str, ttl_seconds: Optional[float] = None) -> None:
        self._put(name, value, ttl_seconds)

    async def set_value_if_absent(self, name: str, value: str, ttl_seconds: float) -> bool:
        return self._put_if_absent(name, value, ttl_seconds)

    async def delete_value(self, name: str, expected: Optional[str] = None) -> bool:
        current = self._live(name)
        if current is None or (expected is not None and current != expected):
            return False
        del self._expiring[name]
        return True

    async def try_lock(self, name: str, owner: str, ttl_seconds: float) -> bool:
        return self._put_if_absent(f"lock:{name}", owner, ttl_seconds)

    async def renew_lock(self, name: str, owner: str, ttl_seconds: float) -> bool:
        if self._live(f"lock:{name}") != owner:
            return False
        self._put(f"lock:{name}", owner, ttl_seconds)
        return True

    async def unlock(self, name: str, owner: str) -> None:
        await self.delete_value(f"lock:{name}", owner)

    # pushes ------------------------------------------------------------------------------------

    async def accept(self, app: str, push: Push, replay_key: str, unless_value: Optional[str] = None) -> Acceptance:
        if not self._put_if_absent(f"replay:{app}:{replay_key}", "1", REPLAY_TTL_SECONDS):
            return Acceptance.REPLAYED
        if unless_value is not None and self._live(unless_value) is not None:
            return Acceptance.HANDED_OVER
        if not self._put_if_absent(f"seen:{app}:{push.dedup_key}", "1", SEEN_TTL_SECONDS):
            return Acceptance.DUPLICATE
        self._queues.setdefault((app, push.openid), {})[queue_member(push)] = QueuedPush(app, push)
        self._prune()
        return Acceptance.ACCEPTED

    async def next_push(self, app: str, openid: str) -> Optional[QueuedPush]:
        queue = self._queues.get((app, openid))
        if not queue:
            return None
        queued = queue[min(queue)]
        queued.attempts += 1
        return QueuedPush(queued.app, queued.push, queued.attempts)

    async def finish_push(self, app: str, push: Push) -> None:
        queue = self._queues.get((app, push.openid), {})
        queue.pop(queue_member(push), None)
        if not queue:
            self._queues.pop((app, push.openid), None)

    async def has_pending(self, app: str, openid: str) -> bool:
        return bool(self._queues.get((app, openid)))

    async def pending_users(self) -> List[Tuple[str, str]]:
        return [user for user, queue in self._queues.items() if queue]

    def _prune(self) -> None:
        """Drops expired entries now and then, so a long-running process stays small."""
        if len(self._expiring) % 1024:
            return
        for name in list(self._expiring):
            self._live(name)
