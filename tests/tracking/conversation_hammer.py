"""Several processes taking turns in ONE conversation, as several Rasa servers would (run by the
lock-store test in subprocesses): each turn reads the tracker from Redis, appends a user event and,
after a pause, the bot's answer, and saves it — what Rasa's processor does under the lock."""
from __future__ import annotations

import asyncio
import json
import sys

REDIS = {"host": "127.0.0.1", "port": 6379, "db": 1}
ROUND_SECONDS = 1.5  # longer than a round of turns takes with Rasa's 1 s lock polling


def lock_store(kind: str, prefix: str):
    if kind == "stock":
        from rasa.core.lock_store import RedisLockStore

        return RedisLockStore(**REDIS, key_prefix=prefix)
    from bot.tracking.locks import AtomicRedisLockStore

    return AtomicRedisLockStore(**REDIS, key_prefix=prefix, lifetime=5)


async def take_turns(kind: str, prefix: str, conversation: str, worker: int, turns: int,
                     start_at: float) -> int:
    import time

    from rasa.core.tracker_store import RedisTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa.core.lock_store import LockError

    store = RedisTrackerStore(Domain.empty(), **REDIS, key_prefix=prefix)
    locks = lock_store(kind, prefix)
    lost = 0
    for turn in range(turns):
        # every process asks for its turn at the same instant, round after round: when several
        # Rasa servers get one conversation's messages at once
        await asyncio.sleep(max(0.0, start_at + turn * ROUND_SECONDS - time.time()))
        try:
            async with locks.lock(conversation):
                tracker = await store.retrieve(conversation) or DialogueStateTracker(conversation, [])
                tracker.update(UserUttered(f"{worker}:{turn}"))
                await asyncio.sleep(0.003)  # the turn's NLU and actions
                tracker.update(BotUttered(f"{worker}:{turn}"))
                await store.save(tracker)
        except LockError:
            # Rasa answers such a message with an error and drops it: a lost turn, which the
            # test counts by its absence from the tracker
            lost += 1
    return lost


if __name__ == "__main__":
    kind, prefix, conversation, worker, turns, start_at = sys.argv[1:]
    lost = asyncio.run(take_turns(kind, prefix, conversation, int(worker), int(turns), float(start_at)))
    print(json.dumps({"worker": worker, "lost": lost}))
