"""A Rasa conversation as the agent reads it: who said what, masked, up to the handoff.

Rasa keeps the conversation redacted already (``bot.tracking``); every text is masked again here
(``bot.redaction.mask``) so that nothing the agent view shows depends on how the tracker store
was configured. What happened after the last ``pause`` (the handoff) is the ticket's own event
log, not read from here. Bot events the workspace appended carry ``metadata.agent``: they are the
agent's messages of an earlier handoff.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.redaction import mask

DEFAULT_PLATFORM = "app"


@dataclass(frozen=True)
class Conversation:
    turns: list          # [{"from": "user"|"bot"|"agent", "text", "at", "intent"?}]
    platform: str
    paused: bool


def read(tracker: dict) -> Conversation:
    events = tracker.get("events") or []
    last_pause = max((i for i, e in enumerate(events) if e.get("event") == "pause"), default=len(events))
    turns = [turn for turn in (_turn(e) for e in events[:last_pause + 1]) if turn is not None]
    return Conversation(turns, _platform(events), _paused(events))


def _turn(event: dict) -> Optional[dict]:
    text = event.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    at = event.get("timestamp")
    if event.get("event") == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        return {"from": "user", "text": mask(text), "at": at, "intent": intent}
    if event.get("event") == "bot":
        agent = (event.get("metadata") or {}).get("agent")
        return {"from": "agent" if agent else "bot", "text": mask(text), "at": at,
                **({"agent_name": agent.get("name")} if isinstance(agent, dict) else {})}
    return None


def _platform(events: list) -> str:
    for event in reversed(events):
        if event.get("event") == "user":
            platform = (event.get("metadata") or {}).get("platform")
            return platform if isinstance(platform, str) and platform else DEFAULT_PLATFORM
    return DEFAULT_PLATFORM


def _paused(events: list) -> bool:
    for event in reversed(events):
        if event.get("event") in ("pause", "resume", "restart"):
            return event["event"] == "pause"
    return False
