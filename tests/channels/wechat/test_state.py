"""The shared state, in memory and on Redis, behaves the same: exactly-once acceptance, one
user's queue in WeChat's order, leases and values."""
import asyncio

import pytest

from bot.channels.wechat.config import RedisSettings
from bot.channels.wechat.messages import Push
from bot.channels.wechat.redis_state import RedisState
from bot.channels.wechat.state import Acceptance, MemoryState


def push(msg_id, create_time=100, openid="oUser"):
    return Push("gh_1", openid, create_time, "text", str(msg_id), f"消息{msg_id}")


@pytest.fixture(params=["memory", "redis"])
def in_state(request, redis_prefix):
    """Runs ``scenario(state)`` on a fresh state of the kind under test, in its own event loop."""
    def run(scenario):
        async def with_state():
            if request.param == "memory":
                return await scenario(MemoryState())
            state = RedisState.connect(RedisSettings("127.0.0.1", 6379, 0, None, redis_prefix))
            try:
                return await scenario(state)
            finally:
                await state.close()
        return asyncio.run(with_state())
    return run


def test_a_push_is_accepted_once_and_its_retry_is_a_duplicate(in_state):
    async def scenario(state):
        first = await state.accept("melochi", push(1), "t:n1:s1")
        retry = await state.accept("melochi", push(1), "t:n2:s2")  # WeChat re-signs a retry
        replay = await state.accept("melochi", push(2), "t:n1:s1")  # a new body under a used signature
        return first, retry, replay
    assert in_state(scenario) == (Acceptance.ACCEPTED, Acceptance.DUPLICATE, Acceptance.REPLAYED)


def test_the_same_msg_id_in_two_apps_is_two_pushes(in_state):
    async def scenario(state):
        return [await state.accept(app, push(1), "k") for app in ("melochi", "yhd")]
    assert in_state(scenario) == [Acceptance.ACCEPTED, Acceptance.ACCEPTED]


def test_a_users_queue_is_walked_in_wechat_order_whatever_the_arrival_order(in_state):
    async def scenario(state):
        for number, create_time in ((3, 102), (1, 100), (2, 100)):
            await state.accept("melochi", push(number, create_time), f"k{number}")
        seen = []
        while (queued := await state.next_push("melochi", "oUser")) is not None:
            seen.append((queued.push.msg_id, queued.attempts))
            await state.finish_push("melochi", queued.push)
        return seen, await state.has_pending("melochi", "oUser"), await state.pending_users()
    seen, pending, users = in_state(scenario)
    assert seen == [("1", 1), ("2", 1), ("3", 1)]
    assert not pending and users == []


def test_an_unfinished_push_stays_first_and_counts_its_attempts(in_state):
    async def scenario(state):
        await state.accept("melochi", push(1), "k1")
        first = await state.next_push("melochi", "oUser")
        again = await state.next_push("melochi", "oUser")  # the first process died mid-way
        return first.attempts, again.attempts, again.push, await state.pending_users()
    first, again, pushed, users = in_state(scenario)
    assert (first, again, pushed) == (1, 2, push(1))
    assert users == [("melochi", "oUser")]


def test_a_lease_has_one_owner_until_released_or_expired(in_state):
    async def scenario(state):
        taken = await state.try_lock("user:x", "a", 0.3)
        refused = await state.try_lock("user:x", "b", 0.3)
        renewed_by_other = await state.renew_lock("user:x", "b", 0.3)
        await state.unlock("user:x", "b")  # not b's to release
        still_held = not await state.try_lock("user:x", "b", 0.3)
        await asyncio.sleep(0.4)
        after_expiry = await state.try_lock("user:x", "b", 0.3)
        return taken, refused, renewed_by_other, still_held, after_expiry
    assert in_state(scenario) == (True, False, False, True, True)


def test_values_expire_and_delete_only_when_they_still_hold_what_was_read(in_state):
    async def scenario(state):
        await state.set_value("token:wx1", "old", ttl_seconds=5)
        kept = await state.delete_value("token:wx1", expected="other")
        first = await state.set_value_if_absent("flag", "1", 0.2)
        second = await state.set_value_if_absent("flag", "1", 0.2)
        await asyncio.sleep(0.3)
        third = await state.set_value_if_absent("flag", "1", 0.2)
        deleted = await state.delete_value("token:wx1", expected="old")
        return kept, await state.get_value("token:wx1"), first, second, third, deleted
    assert in_state(scenario) == (False, None, True, False, True, True)


def test_a_handed_over_users_message_is_not_queued_but_its_signature_is_used_up(in_state):
    async def scenario(state):
        marker = "handoff:melochi:oUser"
        await state.set_value(marker, '{"ticket": "HT-1"}')
        handed = await state.accept("melochi", push(1), "k1", unless_value=marker)
        replayed = await state.accept("melochi", push(1), "k1", unless_value=marker)
        pending = await state.has_pending("melochi", "oUser")
        await state.delete_value(marker)
        resumed = await state.accept("melochi", push(1), "k2", unless_value=marker)  # not marked "seen"
        return handed, replayed, pending, resumed
    assert in_state(scenario) == (Acceptance.HANDED_OVER, Acceptance.REPLAYED, False, Acceptance.ACCEPTED)
