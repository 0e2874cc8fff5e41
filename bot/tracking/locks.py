"""A conversation lock for several Rasa processes on one Redis, without Rasa's ticket race.

Rasa serialises the turns of one conversation with a ticket lock. Its open-source
``RedisLockStore`` keeps the whole lock as one JSON value and updates it by read-modify-write, so
two processes taking a ticket at the same moment can get the same number (or erase each other's)
and run the same conversation's turns at once: events interleave or are lost in the tracker store
(the concurrent lock store that fixes it is Rasa Pro's). Here each step is atomic in Redis:

* a ticket is ``HINCRBY conversation next 1`` — never issued twice;
* the holder of ticket *n* is served when ``serving == n``; finishing is a compare-and-set
  ``serving: n → n + 1`` (a Lua script), so only the holder can pass the turn on;
* every ticket has a liveness key its process renews while it waits or holds (a slow action keeps
  the lock); a process that dies stops renewing, its key expires after ``lifetime`` seconds and
  the next waiter skips the dead ticket — nothing waits on a crashed server for ever.

Configured in ``endpoints.production.yml``::

    lock_store:
      type: bot.tracking.locks.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      key_prefix: privacy_desk
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import AsyncIterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME_SECONDS = 20.0   # how long a crashed holder blocks its conversation
DEFAULT_MAX_WAIT_SECONDS = 60.0   # a turn waits at most this long for the ones before it
IDLE_EXPIRY_SECONDS = 3600        # counters of an idle conversation disappear
_POLL_SECONDS = (0.005, 0.05)     # first and longest pause between checks

# KEYS[1] the conversation's counters; ARGV[1] idle expiry, ARGV[2] liveness in ms. Returns the
# new ticket, alive from the same instant (else a waiter could take it for dead and skip it).
_ISSUE = """
local ticket = redis.call('HINCRBY', KEYS[1], 'next', 1)
if ticket == 1 then redis.call('HSETNX', KEYS[1], 'serving', 1) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[1] .. ':alive:' .. ticket, 1, 'PX', ARGV[2])
return ticket
"""
# Pass the turn on from ticket ARGV[1] if it is still being served and either its holder says
# it is done (ARGV[2] == '1') or its liveness key KEYS[2] has expired. Returns 'serving' after.
_PASS_ON = """
local serving = tonumber(redis.call('HGET', KEYS[1], 'serving') or '1')
if serving == tonumber(ARGV[1]) and (ARGV[2] == '1' or redis.call('EXISTS', KEYS[2]) == 0) then
  serving = redis.call('HINCRBY', KEYS[1], 'serving', 1)
end
return serving
"""


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis with atomic issue, compare-and-set hand-over and crash release."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, host: Text = "localhost",
                 port: int = 6379, db: int = 1, password: Optional[Text] = None,
                 key_prefix: Optional[Text] = None, lifetime: float = DEFAULT_LIFETIME_SECONDS,
                 max_wait: float = DEFAULT_MAX_WAIT_SECONDS) -> None:
        import redis.asyncio as redis

        if endpoint_config is not None:  # how Rasa builds a custom lock store from endpoints.yml
            settings = endpoint_config.kwargs
            host = endpoint_config.url or host
            port, db = settings.get("port", port), settings.get("db", db)
            password, key_prefix = settings.get("password", password), settings.get("key_prefix", key_prefix)
            lifetime, max_wait = settings.get("lifetime", lifetime), settings.get("max_wait", max_wait)

        self.redis = redis.Redis(host=host, port=int(port), db=int(db), password=password,
                                 socket_timeout=10)
        self.prefix = f"{key_prefix}:conversation_lock:" if key_prefix else "conversation_lock:"
        self.lifetime, self.max_wait = float(lifetime), float(max_wait)
        self._issue = self.redis.register_script(_ISSUE)
        self._pass_on = self.redis.register_script(_PASS_ON)
        super().__init__()

    # Rasa's stored-lock interface: nothing is kept in Rasa's TicketLock form
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        return None

    def _keys(self, conversation_id: Text, ticket: int) -> tuple[str, str]:
        counters = self.prefix + conversation_id
        return counters, f"{counters}:alive:{ticket}"

    async def _renew(self, alive_key: str) -> None:
        await self.redis.set(alive_key, 1, px=int(self.lifetime * 1000))

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = 0,
                   wait_time_in_seconds: float = 0) -> AsyncIterator[None]:
        """Wait for this conversation's earlier turns, hold it while the body runs, pass it on."""
        counters, _ = self._keys(conversation_id, 0)
        ticket = int(await self._issue(keys=[counters], args=[IDLE_EXPIRY_SECONDS, int(self.lifetime * 1000)]))
        alive = self._keys(conversation_id, ticket)[1]
        try:
            await self._wait_for_turn(conversation_id, ticket, alive)
            renewer = asyncio.ensure_future(self._keep_alive(alive))
            try:
                yield None
            finally:
                renewer.cancel()
        finally:
            await self._pass_on(keys=[counters, alive], args=[ticket, 1])
            await self.redis.delete(alive)

    async def _wait_for_turn(self, conversation_id: Text, ticket: int, alive: str) -> None:
        counters = self.prefix + conversation_id
        deadline, pause, renewed = time.monotonic() + self.max_wait, _POLL_SECONDS[0], time.monotonic()
        while True:
            serving = int(await self.redis.hget(counters, "serving") or 1)
            if serving == ticket:
                return
            if serving > ticket:  # this process stalled longer than its lifetime and was skipped
                raise LockError(f"Lost the turn of conversation_id '{conversation_id}'.")
            # a ticket ahead whose process died is skipped once its liveness key has expired
            await self._pass_on(keys=[counters, self._keys(conversation_id, serving)[1]],
                                args=[serving, 0])
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if time.monotonic() - renewed > self.lifetime / 3:
                await self._renew(alive)
                renewed = time.monotonic()
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_SECONDS[1])

    async def _keep_alive(self, alive: str) -> None:
        while True:
            await asyncio.sleep(self.lifetime / 3)
            await self._renew(alive)
