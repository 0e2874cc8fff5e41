"""The aiohttp application: authentication, JSON errors, body limits, and running the server.

Auth: ``/v1/*`` needs ``Authorization: Bearer $BACKEND_SERVICE_TOKEN`` (except signed export
links), ``/admin/*`` and the dev-only ``/v1/dev/*`` need ``$BACKEND_ADMIN_TOKEN``. Every error is JSON
``{"error": {"code", "message", "details"?}}``; nothing is changed by a call that fails validation.
"""
from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from aiohttp import web
from jsonschema import ValidationError
from sqlalchemy.exc import OperationalError

from bot.backend.api.schemas import VALIDATORS
from bot.backend.errors import BackendError, MalformedRequest, Unauthorized, ValidationFailed
from bot.backend.security import constant_time_equal
from bot.backend.services.context import Backend
from bot.backend.services.identity import Credentials
from bot.contract import CONVERSATION_ID_PATTERN

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
BACKEND_KEY = web.AppKey("backend", Backend)
EXECUTOR_KEY = web.AppKey("executor", ThreadPoolExecutor)
_OPEN_PREFIXES = ("/v1/exports/",)
_ADMIN_PREFIXES = ("/admin/", "/v1/dev/")
_CONVERSATION_ID = re.compile(rf"^{CONVERSATION_ID_PATTERN}\Z")
_HTTP_CODES = {400: "malformed_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type"}


def _json_error(http_status: int, code: str, message: str, details: dict | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, **({"details": details} if details else {})}}
    return web.json_response(body, status=http_status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


@web.middleware
async def errors_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except BackendError as exc:
        return _json_error(exc.status, exc.code, exc.message, exc.details)
    except web.HTTPRequestEntityTooLarge:
        return _json_error(413, "payload_too_large",
                           f"请求体过大，上限 {MAX_BODY_BYTES} 字节 (body too large)")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _json_error(exc.status, _HTTP_CODES.get(exc.status, "http_error"), exc.reason)
    except OperationalError:
        log.exception("database unavailable")
        return _json_error(503, "unavailable", "服务暂时不可用，请稍后再试 (database unavailable)")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _json_error(500, "internal_error", "服务内部错误 (internal error)")


@web.middleware
async def auth_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
    settings = request.app[BACKEND_KEY].settings
    path = request.path
    if path.startswith(_ADMIN_PREFIXES):
        expected = settings.admin_token
    elif path.startswith("/v1/") and not path.startswith(_OPEN_PREFIXES):
        expected = settings.service_token
    else:
        return await handler(request)
    token = _bearer(request)
    if not token or not constant_time_equal(token, expected):
        raise Unauthorized("缺少或错误的访问令牌 (missing or wrong bearer token)")
    return await handler(request)


async def call(request: web.Request, function: Callable, *args, **kwargs) -> Any:
    """Run blocking service code on the thread pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[EXECUTOR_KEY],
                                      functools.partial(function, *args, **kwargs))


async def json_body(request: web.Request, schema: str) -> dict:
    raw = await request.read()
    if not raw:
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
            # "\ud800" is valid JSON but not text: it could not be stored or logged
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, json.JSONDecodeError, RecursionError) as exc:
            raise MalformedRequest(f"请求体不是合法的 JSON (malformed JSON: {exc.__class__.__name__})") from None
    errors = sorted(VALIDATORS[schema].iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise ValidationFailed(_describe(errors[0]), errors=[_describe(e) for e in errors[:10]])
    return data


def _describe(error: ValidationError) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"字段 body{where} 不合法 (invalid field): {error.message}"


def credentials(request: web.Request) -> Credentials:
    """Who the call is for. Only the service-token holder can send these: it vouches that its
    channel authenticated the conversation (and, for WeChat, the openid)."""
    conversation_id = request.headers.get("X-Conversation-Id") or None
    if conversation_id is not None and not _CONVERSATION_ID.match(conversation_id):
        raise ValidationFailed("X-Conversation-Id 格式不正确 (malformed conversation id)",
                               field="X-Conversation-Id")
    return Credentials(user_token=request.headers.get("X-User-Token") or None,
                       identity_token=request.headers.get("X-Identity-Token") or None,
                       wechat_openid=request.headers.get("X-Wechat-Openid") or None,
                       conversation_id=conversation_id)


def query_app(request: web.Request) -> str:
    app_id = request.query.get("app")
    if not app_id:
        raise ValidationFailed("缺少查询参数 app (query parameter app is required)", field="app")
    return app_id


def respond(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def create_app(backend: Backend) -> web.Application:
    from bot.backend.api import admin_routes, bot_routes, handoff_routes

    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[errors_middleware, auth_middleware])
    app[BACKEND_KEY] = backend
    # SQLite takes one writer at a time: one DB thread per process avoids lock convoys (the
    # busy timeout still covers the worker process). PostgreSQL gets a pool the size of the
    # connection pool; more threads would only fight over the GIL.
    threads = 1 if backend.engine.dialect.name == "sqlite" else 8
    app[EXECUTOR_KEY] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="backend-db")
    app.add_routes(bot_routes.routes)
    app.add_routes(admin_routes.routes)
    app.add_routes(handoff_routes.routes)

    async def shutdown(app: web.Application) -> None:
        app[EXECUTOR_KEY].shutdown(wait=True)

    app.on_cleanup.append(shutdown)
    return app


def _use_uvloop() -> None:
    """uvloop (in rasa's tree, via sanic) handles HTTP with noticeably less CPU than asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def serve(backend: Backend, host: str, port: int, reuse_port: bool = False) -> None:
    """Run until SIGINT/SIGTERM (``python -m bot.backend serve``)."""
    _use_uvloop()
    app = create_app(backend)
    # Startup objects (SQLAlchemy mappers, compiled schemas) never die: keep them out of the
    # collector's sight so full collections, which pause every request, stay short.
    gc.collect()
    gc.freeze()
    log.info("privacy backend listening on http://%s:%d (%s, pid %d)", host, port,
             backend.engine.dialect.name, os.getpid())
    web.run_app(app, host=host, port=port, print=None, access_log=log,
                access_log_format='%a "%r" %s %Tfs', reuse_port=reuse_port or None,
                handle_signals=True)


class ServerThread:
    """The real server on a loopback port in a background thread (tests and benchmarks)."""

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend, self.host, self.port = backend, host, port
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, name="backend-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ServerThread":
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("backend server did not start")
        return self

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(create_app(self.backend), access_log=log,
                                     access_log_format='%a "%r" %s %Tfs')
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
