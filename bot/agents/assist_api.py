"""Agent assist as a service, for operators who keep their own agent desk (``AGENT_ASSIST_TOKEN``):

- ``POST /api/assist/suggestions`` ``{"app", "platform", "messages": [{"from": "user"|"agent"|"bot",
  "text"}, ...]}`` → ``{"intent": {"name", "confidence"}, "suggestions": [{"intent", "text",
  "sections", "steps"}, ... up to 3], "next_action": {...} | null}`` for the latest user message.
  Without a conversation of ours there is no verified identity, so a next action is described
  but ``available: false``;
- ``GET /api/assist/events?app=A[,B]``: the handoff event stream of those apps (SSE,
  ``Last-Event-ID``), user messages masked.

``assist_for`` is also what the console's assist panel uses, with the conversation's identity.
"""
from __future__ import annotations

from typing import Optional, Sequence

from aiohttp import web

from bot.agents import assist, live, next_action
from bot.agents.web_common import BACKEND, FANOUT, RASA, SETTINGS, BadRequest, call, json_object, respond
from bot.agents.rasa_api import RasaApi
from bot.backend.errors import Unauthorized, UnknownApp, ValidationFailed
from bot.backend.security import constant_time_equal
from bot.backend.services import handoff_events
from bot.contract import Platform
from bot.knowledge import list_apps, load_app
from bot.redaction import unmasked_shape

SPEAKERS = ("user", "agent", "bot")
MAX_MESSAGES = 50
MAX_MESSAGE_CHARS = 2000
routes = web.RouteTableDef()


async def assist_for(rasa: RasaApi, app_id: str, platform: str, text: str, previous_text: Optional[str],
                     identity: Optional[dict] = None, requests: Sequence[dict] = (),
                     in_conversation: bool = True) -> dict:
    """Intent, up to three suggestions and the next best action for the user message ``text``."""
    kb = load_app(app_id)
    # the transcript an agent sees is masked; the NLU reads its values in their usual shape
    parsed = assist.Parsed.from_rasa(await rasa.parse(unmasked_shape(text)))
    if parsed.intent == assist.FOLLOW_UP_INTENT and previous_text:
        parsed = assist.with_follow_up(parsed, assist.Parsed.from_rasa(await rasa.parse(unmasked_shape(previous_text))))
    return {
        "intent": {"name": parsed.intent, "confidence": round(parsed.confidence, 3)},
        "entities": {name: list(values) for name, values in parsed.entities.items()
                     if name in ("data_category", "channel", "permission", "request_id")},
        "suggestions": [s.view() for s in assist.suggest(kb, parsed, platform, requests)],
        "next_action": next_action.choose(parsed.intent, parsed.entities, identity, requests, in_conversation),
    }


def _require_token(request: web.Request) -> None:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    if not token or not constant_time_equal(token, request.app[SETTINGS].assist_token):
        raise Unauthorized("缺少或错误的访问令牌 Authorization: Bearer <AGENT_ASSIST_TOKEN>")


def _checked_app(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailed("缺少字段 app（应用标识，例如 melochi）", field="app")
    if value not in list_apps():
        raise UnknownApp(f"未知的应用标识：{value[:32]}", field="app")
    return value


def _checked_messages(value: object) -> list[dict]:
    if not isinstance(value, list) or not value or len(value) > MAX_MESSAGES:
        raise ValidationFailed(f"messages 应为 1–{MAX_MESSAGES} 条消息的数组", field="messages")
    for index, message in enumerate(value):
        if not isinstance(message, dict) or message.get("from") not in SPEAKERS:
            raise ValidationFailed(f"messages[{index}].from 应为 user、agent 或 bot 之一", field="messages")
        text = message.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
            raise ValidationFailed(f"messages[{index}].text 应为 1–{MAX_MESSAGE_CHARS} 个字符", field="messages")
    if not any(m["from"] == "user" for m in value):
        raise ValidationFailed("messages 中没有用户消息（from: user）", field="messages")
    return value


@routes.post("/api/assist/suggestions")
async def suggestions(request: web.Request) -> web.Response:
    _require_token(request)
    body = await json_object(request)
    app_id = _checked_app(body.get("app"))
    platform = body.get("platform") or "app"
    if platform not in Platform.values():
        raise ValidationFailed(f"platform 应为以下之一：{'、'.join(Platform.values())}", field="platform")
    user_texts = [m["text"].strip() for m in _checked_messages(body.get("messages")) if m["from"] == "user"]
    previous = user_texts[-2] if len(user_texts) > 1 else None
    result = await assist_for(request.app[RASA], app_id, platform, user_texts[-1], previous, in_conversation=False)
    return respond({key: result[key] for key in ("intent", "suggestions", "next_action", "entities")})


@routes.get("/api/assist/events")
async def events(request: web.Request) -> web.StreamResponse:
    _require_token(request)
    apps = {a for a in request.query.get("app", "").split(",") if a}
    if not apps:
        raise BadRequest("缺少查询参数 app（一个或多个应用标识，逗号分隔）")
    for app_id in apps:
        _checked_app(app_id)
    backend = request.app[BACKEND]
    after = live.last_event_id(request)

    async def backlog() -> list:
        if after is None:
            return []
        return await call(request, handoff_events.events_after, backend, after, app_ids=apps)

    return await live.stream(request, request.app[FANOUT], lambda e: e["app"] in apps, backlog, _public)


def _public(event: dict) -> dict:
    return {key: event[key] for key in ("id", "ticket", "app", "conversation_id", "kind", "text",
                                        "agent_name", "details", "at")}
