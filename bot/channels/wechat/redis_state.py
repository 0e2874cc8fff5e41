"""The WeChat channel's shared state on Redis: every server process sees the same pushes.

Keys, under a prefix (``WECHAT_REDIS_PREFIX``, default ``privacy_desk:wechat``):

- ``replay:<app>:<timestamp:nonce:signature>``  a used signed request (15 minutes);
- ``seen:<app>:<dedup key>``                     an accepted push (24 hours);
- ``queue:<app>:<openid>``                       the user's queued pushes (sorted set, WeChat order);
- ``item:<app>:<dedup key>``                     a queued push and its attempt count (hash);
- ``pending``                                    users with queued pushes (set), for recovery;
- ``lock:<name>``                                leases (owner id, expiring);
- ``value:<name>``                               tokens, handoff markers, flags.

Acceptance is one Lua script — replay check, handoff check, dedup check, queue — so a push is
either accepted whole or not at all (a retry after a failure is accepted then), and its answer
waits for one round trip to Redis.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import redis.asyncio as aioredis

from bot.channels.wechat.config import RedisSettings
from bot.channels.wechat.messages import Push
from bot.channels.wechat.state import (
    QUEUED_TTL_SECONDS,
    REPLAY_TTL_SECONDS,
    SEEN_TTL_SECONDS,
    Acceptance,
    QueuedPush,
    SharedState,
    queue_member,
)

_ACCEPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 'replayed' end
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[6]) == 1 then return 'handed_over' end
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then return 'duplicate' end
redis.call('HSET', KEYS[4], 'payload', ARGV[4], 'attempts', 0)
redis.call('EXPIRE', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('SADD', KEYS[5], ARGV[6])
return 'accepted'
"""
_FINISH = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
return 1
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_DELETE_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_SEPARATOR = "\x1f"  # between app and openid in the pending set; neither may contain it


class RedisState(SharedState):
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._redis, self._prefix = client, prefix.rstrip(":")
        self._accept = client.register_script(_ACCEPT)
        self._finish = client.register_script(_FINISH)
        self._renew = client.register_script(_RENEW)
        self._delete_if = client.register_script(_DELETE_IF)

    @classmethod
    def connect(cls, settings: RedisSettings) -> "RedisState":
        client = aioredis.Redis(host=settings.host, port=settings.port, db=settings.db,
                                password=settings.password, decode_responses=True,
                                socket_timeout=2, socket_connect_timeout=2)
        return cls(client, settings.prefix)

    def _key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

    # pushes ------------------------------------------------------------------------------------

    async def accept(self, app: str, push: Push, replay_key: str, unless_value: Optional[str] = None) -> Acceptance:
        keys = [self._key("replay", app, replay_key), self._key("seen", app, push.dedup_key),
                self._key("queue", app, push.openid), self._key("item", app, push.dedup_key),
                self._key("pending"), self._key("value", unless_value or "-")]
        args = [REPLAY_TTL_SECONDS, SEEN_TTL_SECONDS, queue_member(push), QueuedPush(app, push).to_json(),
                QUEUED_TTL_SECONDS, f"{app}{_SEPARATOR}{push.openid}", "1" if unless_value else "0"]
        return Acceptance(await self._accept(keys=keys, args=args))

    async def next_push(self, app: str, openid: str) -> Optional[QueuedPush]:
        queue = self._key("queue", app, openid)
        while True:
            first = await self._redis.zrange(queue, 0, 0)
            if not first:
                return None
            member = first[0]
            item = self._key("item", app, member.split("|", 1)[1])
            async with self._redis.pipeline(transaction=True) as pipe:
                attempts, payload = await pipe.hincrby(item, "attempts", 1).hget(item, "payload").execute()
            if payload is not None:
                return QueuedPush.from_json(payload, int(attempts))
            # the item expired (a queue left for two days): nothing left to process
            await self._finish(keys=[queue, item, self._key("pending")],
                               args=[member, f"{app}{_SEPARATOR}{openid}"])

    async def finish_push(self, app: str, push: Push) -> None:
        await self._finish(keys=[self._key("queue", app, push.openid), self._key("item", app, push.dedup_key),
                                 self._key("pending")],
                           args=[queue_member(push), f"{app}{_SEPARATOR}{push.openid}"])

    async def has_pending(self, app: str, openid: str) -> bool:
        return bool(await self._redis.zcard(self._key("queue", app, openid)))

    async def pending_users(self) -> List[Tuple[str, str]]:
        members = await self._redis.smembers(self._key("pending"))
        return [tuple(member.split(_SEPARATOR, 1)) for member in members if _SEPARATOR in member]

    # locks and values --------------------------------------------------------------------------

    async def try_lock(self, name: str, owner: str, ttl_seconds: float) -> bool:
        return bool(await self._redis.set(self._key("lock", name), owner, nx=True,
                                          px=int(ttl_seconds * 1000)))

    async def renew_lock(self, name: str, owner: str, ttl_seconds: float) -> bool:
        return bool(await self._renew(keys=[self._key("lock", name)], args=[owner, int(ttl_seconds * 1000)]))

    async def unlock(self, name: str, owner: str) -> None:
        await self._delete_if(keys=[self._key("lock", name)], args=[owner])

    async def get_value(self, name: str) -> Optional[str]:
        return await self._redis.get(self._key("value", name))

    async def set_value(self, name: str, value: str, ttl_seconds: Optional[float] = None) -> None:
        await self._redis.set(self._key("value", name), value,
                              px=None if ttl_seconds is None else int(ttl_seconds * 1000))

    async def set_value_if_absent(self, name: str, value: str, ttl_seconds: float) -> bool:
        return bool(await self._redis.set(self._key("value", name), value, nx=True,
                                          px=int(ttl_seconds * 1000)))

    async def delete_value(self, name: str, expected: Optional[str] = None) -> bool:
        key = self._key("value", name)
        if expected is None:
            return bool(await self._redis.delete(key))
        return bool(await self._delete_if(keys=[key], args=[expected]))

    async def close(self) -> None:
        await self._redis.close()
