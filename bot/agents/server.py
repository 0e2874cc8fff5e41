"""The workspace's aiohttp application and ``python -m bot.agents`` (see ``bot.agents``).

    python -m bot.agents [--host 127.0.0.1] [--port 8090]
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from aiohttp import web

from bot.agents import assist_api, auth, console_routes, openapi
from bot.agents.config import AgentConfigError, AgentSettings, load_agent_settings
from bot.agents.delivery import AgentMessages, TextSender, WeChatSender
from bot.agents.web_common import (
    BACKEND, EXECUTOR, FANOUT, MAX_BODY_BYTES, MESSAGES, RASA, SETTINGS, add_security_headers, errors_middleware,
)
from bot.agents.live import EventFanout
from bot.agents.rasa_api import RasaApi
from bot.backend.config import ConfigError, load_settings
from bot.backend.logmask import configure_logging
from bot.backend.services.context import Backend
from bot.knowledge import warm_up

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "agent"


async def index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-store"})


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(backend: Backend, settings: AgentSettings, rasa: Optional[RasaApi] = None,
               wechat: Optional[TextSender] = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[errors_middleware])
    app.on_response_prepare.append(add_security_headers)
    app[BACKEND], app[SETTINGS] = backend, settings
    # SQLite takes one writer at a time; PostgreSQL gets a pool like the backend's
    threads = 2 if backend.engine.dialect.name == "sqlite" else 8
    app[EXECUTOR] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="agents-db")
    app[RASA] = rasa or RasaApi(settings.rasa_url, settings.rasa_token)
    app[MESSAGES] = AgentMessages(app[RASA], wechat if wechat is not None else WeChatSender())
    loop_run = functools.partial(_run_on, app)
    app[FANOUT] = EventFanout(backend, loop_run)
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_static("/static", WEB_DIR)
    app.add_routes(auth.routes)
    app.add_routes(console_routes.routes)
    app.add_routes(assist_api.routes)
    app.add_routes(openapi.routes)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return app


async def _run_on(app: web.Application, function, *args, **kwargs):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(app[EXECUTOR], functools.partial(function, *args, **kwargs))


async def _start(app: web.Application) -> None:
    await app[FANOUT].start()


async def _stop(app: web.Application) -> None:
    await app[FANOUT].stop()
    await app[RASA].close()
    app[EXECUTOR].shutdown(wait=True)


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.agents", description=(
        "The agent workspace: human agents take over handed-off conversations, with agent assist. "
        "Serves the console at / and the assist API at /api/assist/suggestions (docs/agents.md)."))
    parser.add_argument("--host", help="interface (default $AGENT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default $AGENT_PORT or 8090)")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = load_agent_settings()
        backend = Backend.from_settings(load_settings())
    except (AgentConfigError, ConfigError) as error:
        raise SystemExit(f"configuration error: {error}")
    warm_up()
    app = create_app(backend, settings)
    gc.collect()
    gc.freeze()  # start-up objects live as long as the process: keep full collections short
    host, port = args.host or settings.host, args.port or settings.port
    log.info("agent workspace on http://%s:%d (%s, pid %d)", host, port, backend.engine.dialect.name, os.getpid())
    web.run_app(app, host=host, port=port, print=None, access_log=log, access_log_format='%a "%r" %s %Tfs')
