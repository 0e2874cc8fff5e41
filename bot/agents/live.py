"""Live handoff events for server-sent-event streams: one database poller per process.

Every ~200 ms the process reads the handoff events it has not seen (one indexed query,
``services.handoff_events.events_after``) and hands each to the subscribers whose filter takes
it: an agent console (the apps it serves), a chat page (its conversation), an operator's stream.
The log is the database, so this works the same with several processes on PostgreSQL, and a
stream that reconnects with ``Last-Event-ID`` first reads what it missed from the log.

Used by the workspace and by the chat page's server (``bot.webchat.server``).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional

from aiohttp import web

from bot.backend.services import handoff_events
from bot.backend.services.context import Backend

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
RECONNECT_MILLISECONDS = 1000
Runner = Callable[..., Awaitable]  # runs a blocking function off the event loop


@dataclass(eq=False)
class Subscription:
    accepts: Callable[[dict], bool]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))


class EventFanout:
    def __init__(self, backend: Backend, run: Runner, poll_seconds: float = POLL_SECONDS) -> None:
        self.backend, self.run, self.poll_seconds = backend, run, poll_seconds
        self.cursor = 0
        self.subscriptions: set[Subscription] = set()
        self._task: Optional[asyncio.Task] = None

    async def start(self) -> None:
        self.cursor = await self.run(handoff_events.latest_id, self.backend)
        self._task = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self, accepts: Callable[[dict], bool]) -> Subscription:
        subscription = Subscription(accepts)
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.poll_once()
            except Exception:  # a database hiccup must not end the streams: try again next tick
                log.exception("live: reading handoff events failed")

    async def poll_once(self) -> None:
        while True:
            events = await self.run(handoff_events.events_after, self.backend, self.cursor)
            for event in events:
                self.cursor = event["id"]
                for subscription in list(self.subscriptions):
                    if subscription.accepts(event) and not subscription.queue.full():
                        subscription.queue.put_nowait(event)
            if len(events) < handoff_events.MAX_EVENTS_PER_READ:
                return


def last_event_id(request: web.Request) -> Optional[int]:
    """Where a reconnecting stream resumes (the ``Last-Event-ID`` header, or ``?last_event_id=``)."""
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    return int(raw) if raw and raw.isdigit() and len(raw) < 16 else None


async def stream(request: web.Request, fanout: EventFanout, accepts: Callable[[dict], bool],
                 backlog: Callable[[], Awaitable[list]], shape: Callable[[dict], dict],
                 still_allowed: Optional[Callable[[], Awaitable[bool]]] = None) -> web.StreamResponse:
    """Serve one SSE stream: the backlog (events after the client's last one), then live events,
    each as ``id``/``event``/``data``, with a heartbeat comment while nothing happens. At each
    heartbeat ``still_allowed`` is asked again (a session that ended closes its stream)."""
    subscription = fanout.subscribe(accepts)  # before the backlog read: nothing falls in between
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    try:
        await response.prepare(request)
        await response.write(f"retry: {RECONNECT_MILLISECONDS}\n\n".encode())
        sent = 0
        for event in await backlog():
            await _send(response, event, shape)
            sent = event["id"]
        while True:
            try:
                event = await asyncio.wait_for(subscription.queue.get(), HEARTBEAT_SECONDS)
            except asyncio.TimeoutError:
                if still_allowed is not None and not await still_allowed():
                    break
                await response.write(b": keep-alive\n\n")
                continue
            if event["id"] > sent:
                await _send(response, event, shape)
                sent = event["id"]
    except ConnectionResetError:  # the client went away
        pass
    finally:
        fanout.unsubscribe(subscription)
    return response


async def _send(response: web.StreamResponse, event: dict, shape: Callable[[dict], dict]) -> None:
    data = json.dumps(shape(event), ensure_ascii=False)
    await response.write(f"id: {event['id']}\nevent: {event['kind']}\ndata: {data}\n\n".encode())
