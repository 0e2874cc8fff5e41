"""The local chat page's server: static files plus five small routes.

The page talks only to this server (one origin, no CORS):

* ``GET  /api/apps``           the apps in the knowledge base (id and name);
* ``GET  /api/demo-users``     the backend's demo users with host-app tokens (dev mode only);
* ``POST /api/conversations``  forwarded to Rasa's ``app_chat`` channel: a new conversation;
* ``POST /api/chat``           forwarded to Rasa's ``app_chat`` channel, status and body unchanged;
* ``GET  /api/events?sender=&app=&conversation_token=``  server-sent events while a human agent
  has the conversation: the agent joining, their messages, the hand-back to the assistant
  (``bot.agents.live`` over the backend's handoff log; ``Last-Event-ID`` resumes). The
  conversation's token (``bot.conversation_tokens``, ``APP_CHAT_SECRET``) authorises it.

    python -m bot.webchat [--port 8080]
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
from aiohttp import web

from bot import conversation_tokens
from bot.agents import live
from bot.backend.client import BackendClient, BackendClientError
from bot.backend.config import load_settings
from bot.backend.services import handoff_events
from bot.backend.services.context import Backend
from bot.knowledge import list_apps, load_app

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
MAX_BODY_BYTES = 16 * 1024
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=30)


def rasa_url() -> str:
    return os.environ.get("RASA_URL", f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}")


async def index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html")


async def apps(_: web.Request) -> web.Response:
    return web.json_response([{"id": app_id, "name": load_app(app_id).name} for app_id in list_apps()])


async def demo_users(request: web.Request) -> web.Response:
    """The backend's demo users (dev mode only) with fresh host-app tokens."""
    app_id = request.query.get("app", "")
    try:
        users = await asyncio.to_thread(request.app["backend"].demo_users, app_id,
                                        request.app["admin_token"])
    except BackendClientError as error:
        return web.json_response({"error": error.code or "unavailable", "message": error.message},
                                 status=error.status or 502)
    return web.json_response([{"user_id": u["app_user_id"], "display_name": u["nickname"],
                               "masked_phone": u["phone_masked"], "token": u["user_token"]}
                              for u in users])


async def chat(request: web.Request) -> web.Response:
    return await _forward(request, "webhook")


async def start_conversation(request: web.Request) -> web.Response:
    return await _forward(request, "conversations")


async def _forward(request: web.Request, route: str) -> web.Response:
    body = await request.read()
    session: aiohttp.ClientSession = request.app["http"]
    try:
        async with session.post(
            f"{rasa_url()}/webhooks/app_chat/{route}",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as upstream:
            return web.Response(
                status=upstream.status, body=await upstream.read(), content_type="application/json"
            )
    except aiohttp.ClientError:
        return web.json_response(
            {"error": "assistant_unavailable", "message": "客服助手暂时无法连接，请稍后再试。"},
            status=502,
        )


async def events(request: web.Request) -> web.StreamResponse:
    """What a human agent does in this conversation, pushed to the page as it happens."""
    sender, app_id = request.query.get("sender", ""), request.query.get("app", "")
    if not conversation_tokens.token_is_valid(request.app["chat_secret"], app_id, sender,
                                              request.query.get("conversation_token")):
        return web.json_response({"error": "invalid_conversation", "message": "会话无效或已过期，请重新开始会话。"},
                                 status=401)
    backend, fanout = request.app["handoff_log"], request.app["fanout"]
    after = live.last_event_id(request)

    async def backlog() -> list:
        start = after if after is not None else await _in_thread(
            request.app, handoff_events.latest_ticket_start, backend, app_id, sender)
        return await _in_thread(request.app, handoff_events.events_after, backend, start, conversation_id=sender,
                                kinds=handoff_events.USER_VISIBLE_KINDS)

    def mine(event: dict) -> bool:
        return (event["conversation_id"] == sender and event["app"] == app_id
                and event["kind"] in handoff_events.USER_VISIBLE_KINDS)

    return await live.stream(request, fanout, mine, backlog, _for_the_user)


def _for_the_user(event: dict) -> dict:
    """What the page shows: the agent's words and name, never ids or the user's own log."""
    return {"kind": event["kind"], "text": event["text"] if event["kind"] == "agent_message" else None,
            "agent_name": event["agent_name"], "at": event["at"]}


async def _in_thread(app: web.Application, function, *args, **kwargs):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(app["db_threads"], functools.partial(function, *args, **kwargs))


async def _open_handoff_log(app: web.Application) -> None:
    """The backend's handoff log, read directly (the same database) by one poller per process."""
    app["chat_secret"] = conversation_tokens.load_secret()
    app["handoff_log"] = Backend.from_settings(load_settings(), migrate=False)
    app["db_threads"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="webchat-db")
    app["fanout"] = live.EventFanout(app["handoff_log"], functools.partial(_in_thread, app))
    await app["fanout"].start()


async def _close_handoff_log(app: web.Application) -> None:
    await app["fanout"].stop()
    app["db_threads"].shutdown(wait=True)
    app["handoff_log"].close()


async def _open_client(app: web.Application) -> None:
    app["http"] = aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT)
    app["backend"] = BackendClient.from_env()
    # dev only: the demo-user list needs the backend's admin token, which this server keeps to
    # itself; the page only ever sees the demo users' host-app tokens
    app["admin_token"] = os.environ.get("BACKEND_ADMIN_TOKEN") or load_settings().admin_token


async def _close_client(app: web.Application) -> None:
    await app["http"].close()


def create_app() -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_get("/", index)
    app.router.add_static("/static", WEB_DIR)
    app.router.add_get("/api/apps", apps)
    app.router.add_get("/api/demo-users", demo_users)
    app.router.add_post("/api/conversations", start_conversation)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/api/events", events)
    app.on_startup.append(_open_client)
    app.on_startup.append(_open_handoff_log)
    app.on_cleanup.append(_close_client)
    app.on_cleanup.append(_close_handoff_log)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the local chat page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
