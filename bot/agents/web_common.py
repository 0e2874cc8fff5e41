"""What the workspace's routes share: the application's parts, JSON in and out, errors, headers.

Every error is JSON ``{"error": {"code", "message"}}`` with a Chinese message (the backend's own
errors keep their code and status); a request that fails validation changes nothing.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from aiohttp import web

from bot.agents.config import AgentSettings
from bot.agents.delivery import AgentMessages
from bot.agents.live import EventFanout
from bot.agents.rasa_api import RasaApi, RasaUnavailable
from bot.backend.errors import BackendError
from bot.backend.services.context import Backend

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
BACKEND = web.AppKey("backend", Backend)
SETTINGS = web.AppKey("settings", AgentSettings)
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)
RASA = web.AppKey("rasa", RasaApi)
FANOUT = web.AppKey("fanout", EventFanout)
MESSAGES = web.AppKey("messages", AgentMessages)
_HTTP_CODES = {400: "malformed_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type"}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
}


class BadRequest(BackendError):
    status = 400
    code = "malformed_request"


def respond(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False),
                             headers={"Cache-Control": "no-store"})


def error_response(status: int, code: str, message: str) -> web.Response:
    return respond({"error": {"code": code, "message": message}}, status)


async def call(request: web.Request, function: Callable, *args, **kwargs) -> Any:
    """Run a blocking backend service on the thread pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[EXECUTOR], functools.partial(function, *args, **kwargs))


async def json_object(request: web.Request) -> dict:
    """The body as a JSON object, or a clear 4xx."""
    if request.content_type != "application/json":
        raise BadRequest("请求体必须是 JSON（Content-Type: application/json）")
    try:
        body = json.loads(await request.read())
    except (UnicodeError, ValueError, RecursionError):
        raise BadRequest("请求体不是合法的 JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    return body


def optional_str(body: dict, name: str, max_chars: int = 200) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > max_chars):
        raise BadRequest(f"字段 {name} 应为不超过 {max_chars} 个字符的字符串")
    return value


@web.middleware
async def errors_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except BackendError as error:
        return error_response(error.status, error.code, error.message)
    except RasaUnavailable:
        return error_response(502, "assistant_unavailable", "智能助手服务暂时无法连接，请稍后再试。")
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if error.status == 413:
            return error_response(413, "payload_too_large", f"请求体过大，上限 {MAX_BODY_BYTES} 字节")
        return error_response(error.status, _HTTP_CODES.get(error.status, "http_error"), error.reason)
    except Exception:
        log.exception("agents: unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "服务内部错误")


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: also for event streams, whose headers go out before the handler ends."""
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
