"""Exactly-once acceptance and per-user ordered processing of WeChat pushes.

``Inbox.accept`` records a verified push in the shared state (``state.SharedState.accept``):
a retried push (same MsgId, or same user+CreateTime for an event) is acknowledged and dropped
there; a new one is queued for its user. The queue is shared by every server process, so

- **exactly once**: a push is accepted once, across processes, and a push whose first attempt
  failed before it was recorded is accepted on WeChat's retry;
- **never lost**: a push is queued before WeChat hears ``success``; if the process that was
  working through a user's queue dies, its lease on the user lapses and another process's
  sweeper takes the queue over (the processing attempt count tells the handler it is a rerun);
- **ordered**: one user's pushes are processed one at a time, by whichever process holds that
  user's lease, in WeChat's order (CreateTime, then MsgId) — a push that arrives late but is
  earlier than those still queued goes first;
- **quick to acknowledge**: at most ``MAX_CONCURRENT_TURNS`` turns run at once per process, so
  a burst of pushes waits here rather than in the event loop that must answer the next push.

Processing runs as tasks on the server's own event loop; nothing here listens on a port.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Awaitable, Callable, Dict, Optional, Set, Tuple

from bot.channels.wechat.messages import Push
from bot.channels.wechat.state import Acceptance, QueuedPush, SharedState

logger = logging.getLogger(__name__)

Handler = Callable[[QueuedPush], Awaitable[None]]
LEASE_SECONDS = 30.0
# turns running at once in this process: more would not finish sooner (they share the CPU), but
# every one of them delays the event loop's answer to the next push
MAX_CONCURRENT_TURNS = 4
# a push whose handling keeps failing (the shared state or the record unreachable) is retried by
# the sweeper; after this many attempts it is given up, so that one push cannot block its user
MAX_ATTEMPTS = 5
RENEW_EVERY_SECONDS = 5.0
SWEEP_EVERY_SECONDS = 3.0
ANSWER_FIRST_SECONDS = 0.001


def user_lock_name(app: str, openid: str) -> str:
    return f"user:{app}:{openid}"


class Inbox:
    def __init__(self, state: SharedState, handler: Handler, owner: str = "",
                 lease_seconds: float = LEASE_SECONDS, sweep_every_seconds: float = SWEEP_EVERY_SECONDS,
                 max_concurrent_turns: int = MAX_CONCURRENT_TURNS) -> None:
        self.state, self.handler = state, handler
        self._turns = asyncio.Semaphore(max_concurrent_turns)
        self.owner = owner or uuid.uuid4().hex
        self.lease_seconds, self.sweep_every_seconds = lease_seconds, sweep_every_seconds
        self._draining: Dict[Tuple[str, str], asyncio.Task] = {}
        self._sweeper: Optional[asyncio.Task] = None
        self._closing = False

    async def accept(self, app: str, push: Push, replay_key: str, unless_value: Optional[str] = None) -> Acceptance:
        """Records the push (raises if the shared state is unreachable: WeChat will retry);
        ``unless_value``: see ``SharedState.accept``."""
        acceptance = await self.state.accept(app, push, replay_key, unless_value)
        if acceptance is Acceptance.ACCEPTED:
            self.wake(app, push.openid)
        return acceptance

    def wake(self, app: str, openid: str) -> None:
        """Makes sure someone works through this user's queue (this process, unless another
        process holds the user's lease and will see the new push itself)."""
        if self._closing or (app, openid) in self._draining:
            return
        task = asyncio.get_running_loop().create_task(self._drain(app, openid))
        self._draining[(app, openid)] = task
        task.add_done_callback(lambda _: self._draining.pop((app, openid), None))

    async def _drain(self, app: str, openid: str) -> None:
        lock = user_lock_name(app, openid)
        # the push that woke this worker is answered first: a turn's first stretch of work (the
        # NLU, tens of milliseconds without a pause) must not run before `success` has been written
        await asyncio.sleep(ANSWER_FIRST_SECONDS)
        try:
            while not self._closing:
                if not await self.state.try_lock(lock, self.owner, self.lease_seconds):
                    return  # another process holds the lease; it re-checks the queue before leaving
                renewer = asyncio.get_running_loop().create_task(self._keep_lease(lock))
                try:
                    await self._process_queue(app, openid)
                finally:
                    renewer.cancel()
                    await self.state.unlock(lock, self.owner)
                # a push accepted while the lease was being released must not wait for the sweeper
                if not await self.state.has_pending(app, openid):
                    return
        except Exception:  # the shared state (or a handler) failed: the sweeper will try again
            logger.exception("wechat: working through a user's queue failed")

    async def _process_queue(self, app: str, openid: str) -> None:
        while not self._closing:
            queued = await self.state.next_push(app, openid)
            if queued is None:
                return
            try:
                async with self._turns:
                    await self.handler(queued)
            except Exception:
                # the handler answers the assistant's and WeChat's failures itself; what escapes is
                # infrastructure (or a bug): leave the push queued for the sweeper, up to a limit
                if queued.attempts < MAX_ATTEMPTS:
                    raise
                logger.exception("wechat: a push failed %d times and is given up", queued.attempts)
            await self.state.finish_push(app, queued.push)

    async def _keep_lease(self, lock: str) -> None:
        while True:
            await asyncio.sleep(min(RENEW_EVERY_SECONDS, self.lease_seconds / 3))
            if not await self.state.renew_lock(lock, self.owner, self.lease_seconds):
                logger.warning("wechat: lost the lease on a user's queue")
                return

    # recovery and shutdown -----------------------------------------------------------------------

    def start_sweeping(self) -> None:
        """Every few seconds, takes over queues whose processing process has gone."""
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while not self._closing:
            await asyncio.sleep(self.sweep_every_seconds)
            try:
                for app, openid in await self.state.pending_users():
                    self.wake(app, openid)
            except Exception:
                logger.exception("wechat: sweeping queued pushes failed")

    @property
    def busy_users(self) -> Set[Tuple[str, str]]:
        return set(self._draining)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Lets the pushes being processed finish (within ``grace_seconds``); queued ones stay
        queued for the next process."""
        self._closing = True  # each user's worker stops after the push in hand
        if self._sweeper:
            self._sweeper.cancel()
        tasks = list(self._draining.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace_seconds)
        for task in list(self._draining.values()):
            task.cancel()
