"""The inbox keeps a push whose handling failed (the shared state or the record unreachable) and
retries it, up to a limit, instead of dropping it or blocking its user for ever."""
import asyncio

from bot.channels.wechat.inbox import MAX_ATTEMPTS, Inbox
from bot.channels.wechat.messages import Push
from bot.channels.wechat.state import MemoryState

PUSH = Push("gh_1", "oUser", 100, "text", "1", "你好")


async def run_until_settled(failures: int):
    state, attempts = MemoryState(), []

    async def handler(queued):
        attempts.append(queued.attempts)
        if len(attempts) <= failures:
            raise OSError("the undelivered record could not be written")
    inbox = Inbox(state, handler, sweep_every_seconds=0.02)
    inbox.start_sweeping()
    await inbox.accept("melochi", PUSH, "t:n:s")
    for _ in range(200):
        await asyncio.sleep(0.02)
        if not await state.has_pending("melochi", "oUser") and not inbox.busy_users:
            break
    await inbox.close()
    return attempts, await state.has_pending("melochi", "oUser")


def test_a_push_whose_handling_failed_once_is_handled_again():
    attempts, pending = asyncio.run(run_until_settled(failures=1))
    assert attempts == [1, 2] and not pending


def test_a_push_that_keeps_failing_is_given_up_after_the_limit():
    attempts, pending = asyncio.run(run_until_settled(failures=100))
    assert attempts == list(range(1, MAX_ATTEMPTS + 1)) and not pending
