"""Agent sessions in the workspace: the login and logout routes, and who is calling.

The session id travels in the ``agent_session`` cookie — HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it), Secure behind HTTPS. Every state-changing call
also needs the session's CSRF token in the ``X-CSRF-Token`` header, which only the console's own
page knows (it gets it from ``/api/login`` or ``/api/me``). The login itself must be a JSON body,
which a cross-site form cannot send. No session (or an expired one): 401.
"""
from __future__ import annotations

from aiohttp import web

from bot.agents.web_common import BACKEND, SETTINGS, BadRequest, call, json_object, respond
from bot.backend.errors import Forbidden
from bot.backend.security import constant_time_equal
from bot.backend.services import agents
from bot.backend.services.agents import Principal

COOKIE = "agent_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

routes = web.RouteTableDef()


async def principal(request: web.Request) -> Principal:
    """The logged-in agent (cached on the request); 401 without a live session, 403 for a change
    without the session's CSRF token."""
    if "principal" in request:
        return request["principal"]
    found = await call(request, agents.resolve_session, request.app[BACKEND], request.cookies.get(COOKIE))
    if request.method not in SAFE_METHODS:
        token = request.headers.get(CSRF_HEADER, "")
        if not token or not constant_time_equal(token, found.csrf_token):
            raise Forbidden("缺少或错误的 CSRF 令牌，请刷新页面后重试 (CSRF token missing or wrong)")
    request["principal"] = found
    return found


def _me(found: Principal, apps: list[str]) -> dict:
    return {"agent": {**found.view(), "apps": apps}, "csrf_token": found.csrf_token}


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    login_name, password = body.get("login"), body.get("password")
    if not isinstance(login_name, str) or not isinstance(password, str) or not login_name or not password:
        raise BadRequest("请输入登录名和密码")
    settings = request.app[SETTINGS]
    session_id, found = await call(request, agents.login, request.app[BACKEND], login_name, password,
                                   settings.session_lifetime)
    apps = await call(request, agents.served_apps, request.app[BACKEND], found)
    response = respond(_me(found, apps))
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="Strict", secure=settings.cookie_secure,
                        path="/", max_age=int(settings.session_lifetime.total_seconds()))
    return response


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    await principal(request)
    await call(request, agents.logout, request.app[BACKEND], request.cookies[COOKIE])
    response = respond({"logged_out": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    found = await principal(request)
    return respond(_me(found, await call(request, agents.served_apps, request.app[BACKEND], found)))


def require_supervisor(found: Principal) -> None:
    if not found.is_supervisor:
        raise Forbidden("只有主管可以进行该操作 (supervisors only)")

