"""A user's messages while a human agent of the workspace (``bot.agents``) has their conversation.

The assistant stays silent in a paused conversation, so the channel hands the message (masked)
to the backend's handoff log, which the agent's console streams, and tells the user honestly
where they stand: who is serving them, or their place in the queue and the recent wait. Used by
``app_chat`` for every handoff and by ``wechat`` for the apps whose WeChat handoffs come to the
workspace (``AGENT_WECHAT_APPS``) rather than to WeChat's own customer-service tools.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Dict, Optional

from bot.backend.client import BackendClient, BackendClientError
from bot.redaction import mask

logger = logging.getLogger(__name__)

WAITING_FOR_AGENT = "已为您转接人工客服，请稍候，客服人员会尽快回复您。"


@functools.lru_cache(maxsize=1)
def _backend() -> BackendClient:
    return BackendClient.from_env(retries=0, budget=3.0)


async def forward_to_agent(app: str, conversation: str, text: str) -> Optional[Dict[str, Any]]:
    """The user's message (masked) into the handoff log the agent reads; where the user stands,
    or None when it could not be recorded (no open ticket, or the backend is down)."""
    try:
        return await asyncio.to_thread(_backend().record_handoff_message, app, conversation, mask(text))
    except BackendClientError as error:  # no ticket (the backend was down at handoff), or down now
        logger.warning("handoff: a message for the agent was not recorded (%s)", error.code or error.status)
        return None


def waiting_text(status: Optional[Dict[str, Any]]) -> str:
    """An honest answer while a human has the conversation: who, or the place in the queue."""
    if not status:
        return WAITING_FOR_AGENT
    if status.get("status") == "claimed":
        name = status.get("agent_name") or ""
        return f"人工客服{name}正在为您服务，已收到您的消息，请稍候。"
    ahead = max(int(status.get("position") or 1) - 1, 0)
    line = f"已收到您的消息。您前面还有 {ahead} 位用户在等待人工客服" if ahead else "已收到您的消息。下一位就轮到您"
    median = status.get("recent_median_wait_seconds")
    if median:
        line += f"，近期平均等待约 {max(round(median / 60), 1)} 分钟"
    return line + "。客服接入后会在这里回复您。"
