"""The OpenAPI 3.1 description of the workspace's service-token API (``GET /openapi.json``)."""
from __future__ import annotations

from aiohttp import web

from bot.agents.assist_api import MAX_MESSAGE_CHARS, MAX_MESSAGES, SPEAKERS
from bot.agents.web_common import respond
from bot.contract import Platform

routes = web.RouteTableDef()

_ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string", "description": "中文说明"}}}}}
_SUGGESTION = {"type": "object", "required": ["intent", "text", "sections", "steps"], "properties": {
    "intent": {"type": "string"}, "confidence": {"type": "number"},
    "text": {"type": "string", "description": "the reply, as the assistant would give it"},
    "sections": {"type": "array", "items": {"type": "string"}, "description": "policy sections cited"},
    "steps": {"type": "array", "items": {"type": "string"},
              "description": "the settings path for the user's platform, in order"}}}
_NEXT_ACTION = {"type": ["object", "null"], "properties": {
    "type": {"enum": ["file_request", "send_export_link", "cancel_request"]}, "label": {"type": "string"},
    "request_type": {"type": "string"}, "categories": {"type": "array", "items": {"type": "string"}},
    "channels": {"type": "array", "items": {"type": "string"}}, "request_id": {"type": ["string", "null"]},
    "available": {"type": "boolean"}, "reason": {"type": ["string", "null"]}}}
_REQUEST = {"type": "object", "required": ["app", "messages"], "properties": {
    "app": {"type": "string", "description": "app id, e.g. melochi"},
    "platform": {"enum": list(Platform.values()), "default": "app"},
    "messages": {"type": "array", "minItems": 1, "maxItems": MAX_MESSAGES, "items": {
        "type": "object", "required": ["from", "text"], "properties": {
            "from": {"enum": list(SPEAKERS)}, "text": {"type": "string", "minLength": 1,
                                                       "maxLength": MAX_MESSAGE_CHARS}}},
        "description": "the conversation's recent messages, oldest first; the latest user message is answered"}}}


def document() -> dict:
    errors = {status: {"description": text, "content": {"application/json": {"schema": _ERROR}}}
              for status, text in (("400", "malformed body"), ("401", "missing or wrong token"),
                                   ("413", "body too large"), ("422", "invalid field or unknown app"),
                                   ("502", "the assistant (Rasa) is unreachable"))}
    return {
        "openapi": "3.1.0",
        "info": {"title": "隐私助手 agent workspace: assist API", "version": "1.0.0",
                 "description": "Agent assist for operators' own agent desks. Bearer AGENT_ASSIST_TOKEN."},
        "components": {"securitySchemes": {"assist": {"type": "http", "scheme": "bearer"}}},
        "security": [{"assist": []}],
        "paths": {
            "/api/assist/suggestions": {"post": {
                "summary": "Intent, up to three suggested replies (clause, settings path) and the next best action",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _REQUEST}}},
                "responses": {"200": {"description": "assist", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["intent", "suggestions", "next_action"], "properties": {
                        "intent": {"type": "object", "properties": {"name": {"type": "string"},
                                                                      "confidence": {"type": "number"}}},
                        "entities": {"type": "object"},
                        "suggestions": {"type": "array", "maxItems": 3, "items": _SUGGESTION},
                        "next_action": _NEXT_ACTION}}}}}, **errors}}},
            "/api/assist/events": {"get": {
                "summary": "Server-sent handoff events of some apps (user messages masked); resume with Last-Event-ID",
                "parameters": [{"name": "app", "in": "query", "required": True, "schema": {"type": "string"},
                                "description": "comma-separated app ids"},
                               {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "text/event-stream: event = kind (created, user_message, "
                                                     "agent_message, claimed, reassigned, action, closed)",
                                      "content": {"text/event-stream": {}}},
                              "400": errors["400"], "401": errors["401"], "422": errors["422"]}}},
        },
    }


@routes.get("/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return respond(document())
