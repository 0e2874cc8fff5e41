"""Request-body schemas (JSON Schema 2020-12) and the OpenAPI 3.1 document built from them.

The same schemas validate incoming bodies, so the document cannot drift from what the API accepts.
Served at ``GET /openapi.json``.
"""
from __future__ import annotations

from jsonschema import Draft202012Validator

from bot.backend.config import CHANNELS, DELETABLE_CATEGORIES, EXPORT_CATEGORIES, REQUEST_TYPES
from bot.backend.models import STATUSES
from bot.backend.services.tickets import HANDOFF_REASONS, INCIDENT_KINDS

APP_ID = {"type": "string", "minLength": 1, "maxLength": 32, "description": "App (tenant) id, e.g. melochi"}
PHONE = {"type": "string", "minLength": 11, "maxLength": 20,
         "description": "Mainland mobile number (anonymous users only)"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 4000}

BODIES = {
    "StartVerification": {
        "type": "object", "additionalProperties": False, "required": ["app"],
        "properties": {"app": APP_ID, "phone": PHONE},
        "description": "Send a one-time code: to the bound phone of the user named by the subject "
                       "headers, or to `phone` for an anonymous user.",
    },
    "CheckCode": {
        "type": "object", "additionalProperties": False, "required": ["code"],
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}},
    },
    "FileRequest": {
        "type": "object", "additionalProperties": False, "required": ["app", "type"],
        "properties": {
            "app": APP_ID,
            "type": {"enum": list(REQUEST_TYPES)},
            "categories": {"type": "array", "maxItems": 20, "uniqueItems": True,
                           "items": {"enum": sorted(set(EXPORT_CATEGORIES) | set(DELETABLE_CATEGORIES))},
                           "description": "info_deletion (required): " + ", ".join(DELETABLE_CATEGORIES)
                                          + "; data_export (optional, default all)"},
            "channels": {"type": "array", "minItems": 1, "maxItems": 10, "uniqueItems": True,
                         "items": {"enum": list(CHANNELS)}, "description": "unsubscribe (required)"},
            "phone": PHONE,
            "require_verified": {"type": "boolean", "description":
                                 "refuse (401) instead of starting a new challenge when the subject is "
                                 "not proven by a one-time code; nothing is filed"},
        },
    },
    "CancelRequest": {
        "type": "object", "additionalProperties": False, "required": ["app"],
        "properties": {"app": APP_ID, "reason": {"type": "string", "maxLength": 500}},
    },
    "Handoff": {
        "type": "object", "additionalProperties": False,
        "required": ["app", "conversation_id", "reason", "summary"],
        "properties": {"app": APP_ID, "conversation_id": {"type": "string", "minLength": 1, "maxLength": 100},
                       "reason": {"enum": list(HANDOFF_REASONS)}, "summary": TEXT},
    },
    "Incident": {
        "type": "object", "additionalProperties": False,
        "required": ["app", "conversation_id", "kind", "description"],
        "properties": {"app": APP_ID, "conversation_id": {"type": "string", "minLength": 1, "maxLength": 100},
                       "kind": {"enum": list(INCIDENT_KINDS)}, "description": TEXT},
    },
    "Reject": {
        "type": "object", "additionalProperties": False, "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500,
                                  "description": "Told to the user"}},
    },
    "Empty": {"type": "object", "additionalProperties": False, "properties": {}},
    "HandoffMessage": {
        "type": "object", "additionalProperties": False, "required": ["app", "conversation_id", "text"],
        "properties": {"app": APP_ID, "conversation_id": {"type": "string", "minLength": 1, "maxLength": 100},
                       "text": {"type": "string", "minLength": 1, "maxLength": 500}},
        "description": "A user's message while a human agent has the conversation (logged masked).",
    },
}
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in BODIES.items()}

ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "description": "Stable machine code, e.g. validation_error, "
                 "invalid_code, code_expired, challenge_locked, not_found, unknown_app"},
        "message": {"type": "string", "description": "Chinese text with an English gloss"},
        "details": {"type": "object"}}}},
}
CHALLENGE = {"type": "object", "properties": {
    "challenge_id": {"type": "string"}, "destination": {"type": "string", "example": "139****1001"},
    "expires_at": {"type": "string", "format": "date-time"}, "attempts_left": {"type": "integer"},
    "resends_left": {"type": "integer"}, "resend_available_at": {"type": "string", "format": "date-time"},
    "status": {"enum": ["active", "expired", "verified", "locked"]}}}
REQUEST = {"type": "object", "properties": {
    "id": {"type": "string", "pattern": "^PR-[0-9A-HJKMNP-TV-Z]{10}$"}, "app": {"type": "string"},
    "type": {"enum": list(REQUEST_TYPES)}, "status": {"enum": list(STATUSES)},
    "status_label": {"type": "string"}, "categories": {"type": "array"}, "channels": {"type": "array"},
    "created_at": {"type": "string"}, "verified_at": {"type": ["string", "null"]},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "deadline": {"type": "object", "properties": {"days": {"type": "integer"},
                 "working_days": {"type": "boolean"}, "is_default": {"type": "boolean"}}},
    "cooling_off_ends_at": {"type": ["string", "null"]}, "closed_at": {"type": ["string", "null"]},
    "rejection_reason": {"type": ["string", "null"]}, "cancellable": {"type": "boolean"},
    "overdue": {"type": "boolean"},
    "verification": {"$ref": "#/components/schemas/Challenge"},
    "export": {"type": ["object", "null"], "properties": {"download_url": {"type": "string"},
               "link_expires_at": {"type": "string"}, "size_bytes": {"type": "integer"}}}}}

SUBJECT_HEADERS = [
    {"name": "X-User-Token", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "Host-app user token: HS256 JWT signed with the app's secret; claims sub, app, exp."},
    {"name": "X-Identity-Token", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "Identity token from a verified one-time code (15 minutes)."},
    {"name": "X-Wechat-Openid", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "WeChat openid bound to an account (from the authenticated WeChat channel)."},
]
APP_QUERY = {"name": "app", "in": "query", "required": True, "schema": APP_ID}


def _op(summary: str, *, body: str | None = None, ok: str = "200", result: dict | None = None,
        params: list | None = None, errors: tuple = ("401", "422"), security: str = "service",
        description: str = "") -> dict:
    operation = {"summary": summary, "responses": {
        ok: {"description": "OK", "content": {"application/json": {"schema": result or {"type": "object"}}}},
        **{code: {"$ref": f"#/components/responses/E{code}"} for code in errors}}}
    if description:
        operation["description"] = description
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}}}
    if params:
        operation["parameters"] = params
    operation["security"] = [] if security == "none" else [{security: []}]
    return operation


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


FLOW = """\
Identity and filing flow (see docs/backend.md):
1. `POST /v1/requests` with `Idempotency-Key` and the subject: `X-User-Token` (host-app JWT),
   `X-Wechat-Openid`, `X-Identity-Token`, or `phone` in the body for an anonymous user.
   * unsubscribe by an authenticated user → `completed` at once;
   * presented an identity token (code verified in the last 15 min) → `pending`;
   * otherwise → `identity_unverified`, and `verification` tells where the code went.
2. `POST /v1/verifications/{challenge_id}/check` with the code → the request becomes `pending`
   (unsubscribe: `completed`) and an identity token is returned. An anonymous phone that is not
   registered gets 422 `phone_not_registered` — only after the code is right.
3. Status: `GET /v1/requests/{id}?app=` or `GET /v1/requests?app=` with a subject header.
"""

REQ = {"$ref": "#/components/schemas/Request"}
CH = {"$ref": "#/components/schemas/Challenge"}
RESPONSES = {
    "E400": ("Malformed JSON or oversized body", "malformed_request"),
    "E401": ("Missing/wrong service or admin token, or invalid subject token", "unauthorized"),
    "E403": ("Forged link", "forbidden"), "E404": ("Not found (also: another user's request)", "not_found"),
    "E409": ("Conflict: idempotency key reused, invalid transition", "conflict"),
    "E410": ("Code or link expired", "code_expired"), "E413": ("Body too large", "payload_too_large"),
    "E422": ("Validation error, unknown app, wrong code", "validation_error"),
    "E423": ("Challenge locked after 5 wrong codes", "challenge_locked"),
    "E429": ("Too many codes / resends", "rate_limited"), "E503": ("Database or gateway down", "unavailable"),
}


def openapi_document(server_url: str) -> dict:
    admin_list_params = [
        {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
        {"name": "app", "in": "query", "schema": APP_ID},
        {"name": "type", "in": "query", "schema": {"enum": list(REQUEST_TYPES)}},
        {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}},
        {"name": "offset", "in": "query", "schema": {"type": "integer"}},
    ]
    paths = {
        "/health": {"get": _op("Liveness and database check", security="none", errors=("503",))},
        "/openapi.json": {"get": _op("This document", security="none", errors=())},
        "/v1/verifications": {"post": _op(
            "Send a one-time code", body="StartVerification", ok="201", result=CH,
            params=SUBJECT_HEADERS, errors=("400", "401", "422", "429", "503"))},
        "/v1/verifications/{challenge_id}/check": {"post": _op(
            "Check a one-time code; returns an identity token and the linked request",
            body="CheckCode", params=[_path_param("challenge_id")],
            errors=("401", "404", "409", "410", "422", "423"))},
        "/v1/verifications/{challenge_id}/resend": {"post": _op(
            "Send a new code for the same challenge (3 times, 60 s apart)", result=CH,
            params=[_path_param("challenge_id")], errors=("401", "404", "409", "423", "429"))},
        "/v1/requests": {
            "post": _op("File a privacy request", body="FileRequest", ok="201", result=REQ,
                        description=FLOW + "\nA repeat (same key, or the same open request) "
                                    "answers 200 with the existing request.",
                        params=SUBJECT_HEADERS + [{"name": "Idempotency-Key", "in": "header",
                                                   "required": True, "schema": {"type": "string",
                                                   "pattern": "^[A-Za-z0-9_.:-]{8,100}$"}}],
                        errors=("400", "401", "409", "413", "422", "429", "503")),
            "get": _op("The subject's requests", params=SUBJECT_HEADERS + [APP_QUERY],
                       result={"type": "object", "properties": {"items": {"type": "array", "items": REQ}}}),
        },
        "/v1/requests/{request_id}": {"get": _op(
            "One of the subject's requests (anyone else's: 404)", result=REQ,
            params=SUBJECT_HEADERS + [APP_QUERY, _path_param("request_id")], errors=("401", "404", "422"))},
        "/v1/requests/{request_id}/cancel": {"post": _op(
            "Cancel (before work starts; account deletion: during cooling-off)", body="CancelRequest",
            result=REQ, params=SUBJECT_HEADERS + [_path_param("request_id")],
            errors=("401", "404", "409", "422"))},
        "/v1/handoffs": {"post": _op("Hand the conversation to a human agent", body="Handoff", ok="201",
                                     params=SUBJECT_HEADERS)},
        "/v1/incidents": {"post": _op("Report a privacy incident", body="Incident", ok="201",
                                      params=SUBJECT_HEADERS)},
        "/v1/handoffs/messages": {"post": _op(
            "A user's message during a handoff: logged for the agent; where the user stands "
            "(status, position, recent_median_wait_seconds, agent_name)", body="HandoffMessage", ok="201",
            errors=("401", "404", "422"))},
        "/v1/exports/{artefact_id}": {"get": {**_op(
            "Download an export (signed, expiring link)", security="none",
            params=[_path_param("artefact_id"), {"name": "expires", "in": "query", "required": True,
                    "schema": {"type": "integer"}}, {"name": "sig", "in": "query", "required": True,
                    "schema": {"type": "string"}}], errors=("403", "404", "410")),
            "responses": {"200": {"description": "ZIP", "content": {"application/zip": {}}},
                          "403": {"$ref": "#/components/responses/E403"},
                          "410": {"$ref": "#/components/responses/E410"}}}},
        "/v1/dev/demo-users": {"get": _op("Dev only (404 in production): demo users with host tokens",
                                          security="none", params=[APP_QUERY], errors=("404",))},
        "/admin/v1/requests": {"get": _op("List and filter requests", security="admin",
                                          params=admin_list_params)},
        "/admin/v1/requests/{request_id}": {"get": _op(
            "A request with its audit trail", security="admin", params=[_path_param("request_id")],
            errors=("401", "404"))},
        **{f"/admin/v1/requests/{{request_id}}/{action}": {"post": _op(
            text, security="admin", body="Reject" if action == "reject" else None, result=REQ,
            params=[_path_param("request_id"), {"name": "X-Admin-User", "in": "header",
                    "schema": {"type": "string"}, "description": "Operator name for the audit trail"}],
            errors=("401", "404", "409", "422"))} for action, text in (
            ("approve", "pending → in_progress"), ("reject", "Reject with a reason the user is told"),
            ("complete", "Execute now and complete (not during cooling-off)"))},
        "/admin/v1/reports/overdue": {"get": _op("Overdue report", security="admin")},
        "/admin/v1/outbox": {"get": _op(
            "Dev outbox: codes 'sent' by SMS", security="admin",
            params=[{"name": "app", "in": "query", "schema": APP_ID},
                    {"name": "phone", "in": "query", "schema": PHONE},
                    {"name": "challenge_id", "in": "query", "schema": {"type": "string"}}])},
        "/admin/v1/handoffs": {"get": _op("Handoff tickets", security="admin")},
        "/admin/v1/incidents": {"get": _op("Incident reports", security="admin")},
        "/admin/v1/webhooks": {"get": _op("Webhook deliveries (status=failed for dead ones)",
                                          security="admin")},
        "/admin/v1/webhooks/{delivery_id}/retry": {"post": _op(
            "Retry a failed delivery", security="admin", params=[_path_param("delivery_id")],
            errors=("401", "404", "409"))},
        "/admin/v1/apps": {"get": _op("Apps with their deadlines and cooling-off", security="admin")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "隐私助手 privacy-request backend", "version": "1.0.0",
                 "description": FLOW},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "service": {"type": "http", "scheme": "bearer",
                            "description": "BACKEND_SERVICE_TOKEN (the bot)"},
                "admin": {"type": "http", "scheme": "bearer", "description": "BACKEND_ADMIN_TOKEN"},
            },
            "schemas": {**BODIES, "Error": ERROR, "Challenge": CHALLENGE, "Request": REQUEST},
            "responses": {name: {"description": text, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Error"}, "example": {"error": {"code": code,
                                                                          "message": text}}}}}
                          for name, (text, code) in RESPONSES.items()},
        },
    }
