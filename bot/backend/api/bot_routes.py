"""Bot-facing endpoints (service token), the signed export download, health and OpenAPI."""
from __future__ import annotations

import re

from aiohttp import web
from sqlalchemy import text

from bot.backend import security
from bot.backend.api.app import BACKEND_KEY, call, credentials, json_body, query_app, respond
from bot.backend.api.schemas import openapi_document
from bot.backend.errors import NotFound, ValidationFailed
from bot.backend.services import exports, filing, identity, queries, tickets
from bot.backend.services.context import SERVICE, Backend, get_app
from bot.backend.services.demo import list_demo_users

routes = web.RouteTableDef()
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{8,100}$")
_ARTEFACT_ID = re.compile(r"^EX[A-Za-z0-9_\-]{10,40}$")


def _backend(request: web.Request) -> Backend:
    return request.app[BACKEND_KEY]


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    backend = _backend(request)

    def ping() -> None:
        with backend.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    await call(request, ping)
    return respond({"status": "ok", "database": backend.engine.dialect.name, "env": backend.settings.env})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return respond(openapi_document(_backend(request).settings.public_url))


@routes.post("/v1/verifications")
async def start_verification(request: web.Request) -> web.Response:
    body = await json_body(request, "StartVerification")
    result = await call(request, filing.start_verification, _backend(request), app_id=body["app"],
                        phone=body.get("phone"), creds=credentials(request))
    return respond(result, 201)


@routes.post("/v1/verifications/{challenge_id}/check")
async def check_code(request: web.Request) -> web.Response:
    body = await json_body(request, "CheckCode")
    result = await call(request, filing.check_code, _backend(request),
                        request.match_info["challenge_id"], body["code"], credentials(request))
    return respond(result)


@routes.post("/v1/verifications/{challenge_id}/resend")
async def resend_code(request: web.Request) -> web.Response:
    await json_body(request, "Empty")
    result = await call(request, identity.resend, _backend(request),
                        request.match_info["challenge_id"], SERVICE)
    return respond(result)


@routes.post("/v1/requests")
async def file_request(request: web.Request) -> web.Response:
    key = request.headers.get("Idempotency-Key", "")
    if not _IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed("需要 Idempotency-Key 请求头：8–100 个字母、数字或 _.:- "
                               "(Idempotency-Key header required)", field="Idempotency-Key")
    body = await json_body(request, "FileRequest")
    view, created = await call(
        request, filing.file_request, _backend(request), app_id=body["app"], type_=body["type"],
        categories=body.get("categories"), channels=body.get("channels"), phone=body.get("phone"),
        idempotency_key=key, creds=credentials(request),
        require_verified=bool(body.get("require_verified")))
    return respond(view, 201 if created else 200)


@routes.get("/v1/requests")
async def list_requests(request: web.Request) -> web.Response:
    items = await call(request, queries.list_for_subject, _backend(request), query_app(request),
                       credentials(request))
    return respond({"items": items})


@routes.get("/v1/requests/{request_id}")
async def get_request(request: web.Request) -> web.Response:
    view = await call(request, queries.get_for_subject, _backend(request), query_app(request),
                      request.match_info["request_id"], credentials(request))
    return respond(view)


@routes.post("/v1/requests/{request_id}/cancel")
async def cancel_request(request: web.Request) -> web.Response:
    body = await json_body(request, "CancelRequest")
    view = await call(request, queries.cancel_for_subject, _backend(request), body["app"],
                      request.match_info["request_id"], credentials(request), body.get("reason"))
    return respond(view)


@routes.post("/v1/handoffs")
async def create_handoff(request: web.Request) -> web.Response:
    body = await json_body(request, "Handoff")
    ticket = await call(request, tickets.create_handoff, _backend(request), app_id=body["app"],
                        conversation_id=body["conversation_id"], reason=body["reason"],
                        summary=body["summary"], creds=credentials(request))
    return respond(ticket, 201)


@routes.post("/v1/incidents")
async def create_incident(request: web.Request) -> web.Response:
    body = await json_body(request, "Incident")
    report = await call(request, tickets.create_incident, _backend(request), app_id=body["app"],
                        conversation_id=body["conversation_id"], kind=body["kind"],
                        description=body["description"], creds=credentials(request))
    return respond(report, 201)


@routes.get("/v1/exports/{artefact_id}")
async def download_export(request: web.Request) -> web.StreamResponse:
    artefact_id = request.match_info["artefact_id"]
    if not _ARTEFACT_ID.match(artefact_id):
        raise NotFound("文件不存在 (no such export)")
    path = await call(request, exports.resolve_download, _backend(request), artefact_id,
                      request.query.get("expires"), request.query.get("sig"))
    if not path.exists():
        raise NotFound("文件已删除 (export no longer available)")
    return web.FileResponse(path, headers={
        "Content-Type": "application/zip", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="personal-data-{artefact_id[:10]}.zip"'})


@routes.get("/v1/dev/demo-users")
async def demo_users(request: web.Request) -> web.Response:
    """Dev only, admin token: the seeded demo users of an app with fresh host-app tokens."""
    backend = _backend(request)
    if backend.settings.is_production:
        raise NotFound("Not Found")
    app_id = query_app(request)

    def load() -> list[dict]:
        with backend.sessions() as session:
            get_app(session, app_id)
            secret = backend.settings.host_token_secret(app_id)
            return [{"user_id": user.id, "app_user_id": app_user_id, "nickname": user.nickname,
                     "phone_masked": security.mask_phone(user.phone) if user.phone else None,
                     "user_token": security.issue_host_token(app_id, app_user_id, secret)}
                    for user, app_user_id in list_demo_users(session, app_id)]

    return respond({"app": app_id, "users": await call(request, load)})
