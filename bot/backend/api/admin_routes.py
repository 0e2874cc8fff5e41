"""Operator endpoints (admin token): requests, reports, the dev outbox, tickets, webhooks."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.backend.api.app import BACKEND_KEY, call, json_body, respond
from bot.backend.errors import ValidationFailed
from bot.backend.models import App, DevOutboxMessage
from bot.backend.services import identity, queries, tickets, webhooks
from bot.backend.services.context import Actor, Backend

routes = web.RouteTableDef()


def _backend(request: web.Request) -> Backend:
    return request.app[BACKEND_KEY]


def _admin(request: web.Request) -> Actor:
    name = request.headers.get("X-Admin-User", "admin").strip() or "admin"
    if len(name) > 60:
        raise ValidationFailed("X-Admin-User 过长 (too long)", field="X-Admin-User")
    return Actor("admin", name)


def _int(request: web.Request, name: str, default: int, maximum: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise ValidationFailed(f"参数 {name} 应为 0–{maximum} 的整数 (invalid {name})", field=name)
    return int(raw)


def _bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ValidationFailed(f"参数 {name} 应为 true 或 false (invalid {name})", field=name)
    return raw in ("true", "1")


@routes.get("/admin/v1/requests")
async def list_requests(request: web.Request) -> web.Response:
    result = await call(request, queries.admin_list, _backend(request),
                        status=request.query.get("status"), app_id=request.query.get("app"),
                        type_=request.query.get("type"), overdue=_bool(request, "overdue"),
                        limit=_int(request, "limit", 100, 500), offset=_int(request, "offset", 0, 10**7))
    return respond(result)


@routes.get("/admin/v1/requests/{request_id}")
async def request_detail(request: web.Request) -> web.Response:
    return respond(await call(request, queries.admin_detail, _backend(request),
                              request.match_info["request_id"]))


async def _transition(request: web.Request, action: str) -> web.Response:
    body = await json_body(request, "Reject" if action == "reject" else "Empty")
    view = await call(request, queries.admin_transition, _backend(request),
                      request.match_info["request_id"], action, _admin(request), body.get("reason"))
    return respond(view)


@routes.post("/admin/v1/requests/{request_id}/approve")
async def approve(request: web.Request) -> web.Response:
    return await _transition(request, "approve")


@routes.post("/admin/v1/requests/{request_id}/reject")
async def reject(request: web.Request) -> web.Response:
    return await _transition(request, "reject")


@routes.post("/admin/v1/requests/{request_id}/complete")
async def complete(request: web.Request) -> web.Response:
    return await _transition(request, "complete")


@routes.get("/admin/v1/reports/overdue")
async def overdue(request: web.Request) -> web.Response:
    return respond(await call(request, queries.overdue_report, _backend(request)))


def read_outbox(backend: Backend, *, app_id: str | None, phone: str | None,
                challenge_id: str | None, limit: int = 20) -> list[dict]:
    query = select(DevOutboxMessage).order_by(DevOutboxMessage.id.desc()).limit(limit)
    if phone:
        if not app_id:
            raise ValidationFailed("按手机号查询需要同时给出 app (app required with phone)", field="app")
        query = query.where(DevOutboxMessage.phone_hash == identity.phone_hash(
            backend, app_id, identity.require_phone(phone)))
    if app_id:
        query = query.where(DevOutboxMessage.app_id == app_id)
    if challenge_id:
        query = query.where(DevOutboxMessage.challenge_id == challenge_id)
    with backend.sessions() as session:
        return [{"id": m.id, "app": m.app_id, "challenge_id": m.challenge_id, "to": m.destination_masked,
                 "body": m.body, "created_at": m.created_at.isoformat()}
                for m in session.execute(query).scalars()]


@routes.get("/admin/v1/outbox")
async def outbox(request: web.Request) -> web.Response:
    messages = await call(request, read_outbox, _backend(request), app_id=request.query.get("app"),
                          phone=request.query.get("phone"),
                          challenge_id=request.query.get("challenge_id"),
                          limit=_int(request, "limit", 20, 200))
    return respond({"messages": messages})


@routes.get("/admin/v1/handoffs")
async def handoffs(request: web.Request) -> web.Response:
    return respond({"items": await call(request, tickets.list_handoffs, _backend(request),
                                        request.query.get("app"))})


@routes.get("/admin/v1/incidents")
async def incidents(request: web.Request) -> web.Response:
    return respond({"items": await call(request, tickets.list_incidents, _backend(request),
                                        request.query.get("app"))})


@routes.get("/admin/v1/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    return respond({"items": await call(request, webhooks.list_deliveries, _backend(request),
                                        request.query.get("status"))})


@routes.post("/admin/v1/webhooks/{delivery_id}/retry")
async def retry_webhook(request: web.Request) -> web.Response:
    await json_body(request, "Empty")
    return respond(await call(request, webhooks.retry_failed, _backend(request),
                              request.match_info["delivery_id"], _admin(request)))


def list_apps(backend: Backend) -> list[dict]:
    with backend.sessions() as session:
        return [{"id": a.id, "name": a.name, "deadline_days": a.deadline_days,
                 "deadline_working_days": a.deadline_working_days,
                 "deadline_is_default": a.deadline_is_default, "cooling_off_days": a.cooling_off_days}
                for a in session.execute(select(App).order_by(App.id)).scalars()]


@routes.get("/admin/v1/apps")
async def apps(request: web.Request) -> web.Response:
    return respond({"items": await call(request, list_apps, _backend(request))})
