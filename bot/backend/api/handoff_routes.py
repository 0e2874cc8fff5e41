"""Bot-facing handoff endpoint (service token): a user's message while an agent has the conversation.

``POST /v1/handoffs/messages`` ``{"app", "conversation_id", "text"}`` logs the message (masked) on
the conversation's active ticket, for the agent workspace's live view, and answers where the user
stands: ``{"ticket", "status": "open"|"claimed", "position", "waited_seconds",
"recent_median_wait_seconds", "agent_name"}``. 404 if the conversation has no active handoff.
"""
from __future__ import annotations

from aiohttp import web

from bot.backend.api.app import BACKEND_KEY, call, json_body, respond
from bot.backend.services import handoff_queue

routes = web.RouteTableDef()


@routes.post("/v1/handoffs/messages")
async def user_message(request: web.Request) -> web.Response:
    body = await json_body(request, "HandoffMessage")
    status = await call(request, handoff_queue.record_user_message, request.app[BACKEND_KEY],
                        app_id=body["app"], conversation_id=body["conversation_id"], text=body["text"])
    return respond(status, 201)
