"""The agent console's JSON API and event stream (session cookie + CSRF header: ``bot.agents.auth``).

Routes parse, authorise and call a backend service; the queue, tickets, messages and actions are
``bot.backend.services.handoff_queue`` / ``agent_actions`` / ``assist_reports``. A ticket of an
app the agent does not serve is "not found", like one that does not exist.

    GET  /api/queue[?closed=1]              the queue (open oldest first, then claimed)
    GET  /api/tickets/{id}                  ticket, history before the handoff, events since, identity, requests
    POST /api/tickets/{id}/claim            take it
    POST /api/tickets/{id}/reassign         supervisor: {"agent_id"}
    GET  /api/tickets/{id}/assist[?event=N] assist for a user message (default: the latest)
    POST /api/tickets/{id}/messages         {"text", "usage": as_is|edited|own, "intent", "suggestion_intent"}
    POST /api/tickets/{id}/actions          {"type": file_request|cancel_request|send_export_link, ...}
    POST /api/tickets/{id}/handback         back to the assistant
    GET  /api/agents?app=                   supervisor: who can take a ticket of that app
    GET  /api/reports/assist                suggestion-acceptance rate per app and intent
    GET  /api/events                        SSE: the served apps' handoff events
"""
from __future__ import annotations

import logging

from aiohttp import web

from bot.agents import live, transcript
from bot.agents.assist_api import assist_for
from bot.agents.auth import COOKIE, principal, require_supervisor
from bot.agents.web_common import (
    BACKEND, FANOUT, MESSAGES, RASA, SETTINGS, BadRequest, call, json_object, optional_str, respond,
)
from bot.agents.rasa_api import RasaUnavailable
from bot.backend.errors import NotFound, Unauthorized
from bot.backend.services import agent_actions, agents, assist_reports, handoff_events, handoff_queue

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


def _wechat_apps(request: web.Request) -> frozenset:
    return request.app[SETTINGS].wechat_apps


def _ticket_id(request: web.Request) -> str:
    return request.match_info["ticket_id"]


@routes.get("/api/queue")
async def queue(request: web.Request) -> web.Response:
    found = await principal(request)
    backend = request.app[BACKEND]
    apps = await call(request, agents.served_apps, backend, found)
    items = await call(request, handoff_queue.queue, backend, found, apps, wechat_apps=_wechat_apps(request),
                       include_closed=request.query.get("closed") == "1")
    return respond({"items": items})


async def _conversation(request: web.Request, conversation_id: str) -> transcript.Conversation:
    try:
        return transcript.read(await request.app[RASA].tracker(conversation_id))
    except RasaUnavailable:  # the ticket's own log still shows the live part
        log.warning("agents: a conversation's history could not be read from Rasa")
        return transcript.Conversation([], transcript.DEFAULT_PLATFORM, True)


@routes.get("/api/tickets/{ticket_id}")
async def ticket(request: web.Request) -> web.Response:
    found = await principal(request)
    backend, wechat = request.app[BACKEND], _wechat_apps(request)
    view, events = await call(request, handoff_queue.ticket_events, backend, found, _ticket_id(request),
                              wechat_apps=wechat)
    context = await call(request, agent_actions.conversation_context, backend, found, view["id"], wechat_apps=wechat)
    conversation = await _conversation(request, view["conversation_id"])
    return respond({"ticket": view, "history": conversation.turns, "platform": conversation.platform,
                    "events": events, **context})


@routes.post("/api/tickets/{ticket_id}/claim")
async def claim(request: web.Request) -> web.Response:
    found = await principal(request)
    return respond(await call(request, handoff_queue.claim, request.app[BACKEND], found, _ticket_id(request),
                              wechat_apps=_wechat_apps(request)))


@routes.post("/api/tickets/{ticket_id}/reassign")
async def reassign(request: web.Request) -> web.Response:
    found = await principal(request)
    body = await json_object(request)
    agent_id = optional_str(body, "agent_id", 16)
    if not agent_id:
        raise BadRequest("请指定改派给哪位客服（agent_id）")
    return respond(await call(request, handoff_queue.reassign, request.app[BACKEND], found, _ticket_id(request),
                              agent_id, wechat_apps=_wechat_apps(request)))


@routes.get("/api/tickets/{ticket_id}/assist")
async def ticket_assist(request: web.Request) -> web.Response:
    found = await principal(request)
    backend, wechat = request.app[BACKEND], _wechat_apps(request)
    view, events = await call(request, handoff_queue.ticket_events, backend, found, _ticket_id(request),
                              wechat_apps=wechat)
    conversation = await _conversation(request, view["conversation_id"])
    said = [(e["id"], e["text"]) for e in events if e["kind"] == "user_message"]
    said = [(None, t["text"]) for t in conversation.turns if t["from"] == "user"] + said
    wanted = request.query.get("event")
    if wanted is not None:
        said = said[:next((i + 1 for i, (event_id, _) in enumerate(said) if str(event_id) == wanted), 0)]
    if not said:
        raise NotFound("该会话中没有可分析的用户消息 (no user message)")
    context = await call(request, agent_actions.conversation_context, backend, found, view["id"], wechat_apps=wechat)
    result = await assist_for(request.app[RASA], view["app"], conversation.platform, said[-1][1],
                              said[-2][1] if len(said) > 1 else None, context["identity"], context["requests"])
    return respond({"event": said[-1][0], "text": said[-1][1], "platform": conversation.platform, **result})


@routes.post("/api/tickets/{ticket_id}/messages")
async def send_message(request: web.Request) -> web.Response:
    found = await principal(request)
    body = await json_object(request)
    event = await call(request, handoff_queue.record_agent_message, request.app[BACKEND], found,
                       _ticket_id(request), body.get("text"), usage=body.get("usage"),
                       intent=optional_str(body, "intent", 60),
                       suggestion_intent=optional_str(body, "suggestion_intent", 60),
                       wechat_apps=_wechat_apps(request))
    delivery = await request.app[MESSAGES].deliver(event, event["channel"], found.view())
    return respond({"event": event, "delivery": delivery}, 201)


@routes.post("/api/tickets/{ticket_id}/actions")
async def run_action(request: web.Request) -> web.Response:
    found = await principal(request)
    body = await json_object(request)
    backend, wechat, ticket_id = request.app[BACKEND], _wechat_apps(request), _ticket_id(request)
    kind = body.get("type")
    if kind == "file_request":
        result = await call(request, agent_actions.file_for_ticket, backend, found, ticket_id,
                            type_=optional_str(body, "request_type", 20), categories=_strings(body, "categories"),
                            channels=_strings(body, "channels"), wechat_apps=wechat)
    elif kind == "cancel_request":
        result = await call(request, agent_actions.cancel_for_ticket, backend, found, ticket_id,
                            optional_str(body, "request_id", 20) or "", wechat_apps=wechat)
    elif kind == "send_export_link":
        result = await call(request, agent_actions.send_export_link, backend, found, ticket_id, wechat_apps=wechat)
        result["delivery"] = await request.app[MESSAGES].deliver(result["event"], result["event"]["channel"],
                                                                 found.view())
    else:
        raise BadRequest("type 应为 file_request、cancel_request 或 send_export_link")
    return respond(result, 201)


def _strings(body: dict, name: str) -> list | None:
    value = body.get(name)
    if value is None or value == []:
        return None
    if not isinstance(value, list) or len(value) > 20 or not all(isinstance(v, str) and len(v) <= 40 for v in value):
        raise BadRequest(f"字段 {name} 应为字符串数组")
    return value


@routes.post("/api/tickets/{ticket_id}/handback")
async def hand_back(request: web.Request) -> web.Response:
    found = await principal(request)
    backend, wechat = request.app[BACKEND], _wechat_apps(request)
    conversation_id = await call(request, handoff_queue.conversation_to_close, backend, found,
                                 _ticket_id(request), wechat_apps=wechat)
    await request.app[MESSAGES].resume(conversation_id)  # first: a closed ticket must not leave a paused bot
    return respond(await call(request, handoff_queue.close, backend, found, _ticket_id(request), wechat_apps=wechat))


@routes.get("/api/agents")
async def colleagues(request: web.Request) -> web.Response:
    found = await principal(request)
    require_supervisor(found)
    app_id = request.query.get("app") or None
    if app_id is not None and not found.serves(app_id):
        raise NotFound("未知的应用 (unknown app)")
    accounts = await call(request, agents.list_agents, request.app[BACKEND], app_id)
    visible = [a for a in accounts if a["active"] and (a["all_apps"] or any(found.serves(x) for x in a["apps"]))]
    return respond({"items": [{"id": a["id"], "display_name": a["display_name"], "role": a["role"]}
                              for a in visible]})


@routes.get("/api/reports/assist")
async def assist_report(request: web.Request) -> web.Response:
    found = await principal(request)
    backend = request.app[BACKEND]
    apps = await call(request, agents.served_apps, backend, found)
    return respond(await call(request, assist_reports.acceptance_by_intent, backend, found, apps))


@routes.get("/api/events")
async def events(request: web.Request) -> web.StreamResponse:
    found = await principal(request)
    backend, wechat = request.app[BACKEND], _wechat_apps(request)
    after = live.last_event_id(request)

    def visible(event: dict) -> bool:
        in_scope = handoff_events.channel_of(event["conversation_id"]) != "wechat" or event["app"] in wechat
        return found.serves(event["app"]) and in_scope

    async def backlog() -> list:
        if after is None:
            return []
        apps = await call(request, agents.served_apps, backend, found)
        return [e for e in await call(request, handoff_events.events_after, backend, after, app_ids=apps)
                if visible(e)]

    async def session_alive() -> bool:
        try:
            await call(request, agents.resolve_session, backend, request.cookies.get(COOKIE))
            return True
        except Unauthorized:
            return False

    return await live.stream(request, request.app[FANOUT], visible, backlog, lambda e: e, session_alive)
