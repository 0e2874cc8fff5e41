"""The assistant's messages for one turn, as the text a WeChat customer-service message can carry.

WeChat's customer-service text has no buttons, and each message sent costs one of the five a
user's message allows (48 hours), so a turn becomes one text:

- messages are joined by a blank line;
- buttons become numbered choices, numbered across the whole turn in the order they appear,
  with one hint after the last: ``1. 确认提交`` / ``2. 算了`` / ``（回复数字即可）``. The number
  (or the title) the user types back is resolved to the button by ``bot.channels.choices``,
  which numbers the buttons offered since the user last spoke the same way;
- an image or attachment becomes its link;
- a custom message ``{"handoff": {...}}`` is not shown: it tells the channel to hand the user
  over to WeChat's customer-service tools (``RenderedTurn.handoff``).

``split_for_wechat`` cuts a text that exceeds WeChat's limit per message at line breaks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

MAX_TEXT_BYTES = 2048  # WeChat's limit for a text message's content (45002 beyond it)
CHOICE_HINT = "（回复数字即可）"


@dataclass(frozen=True)
class RenderedTurn:
    text: str
    handoff: Optional[Dict[str, Any]] = None


def render_turn(messages: Iterable[Dict[str, Any]]) -> RenderedTurn:
    blocks: List[str] = []
    handoff: Optional[Dict[str, Any]] = None
    number, last_choice_block = 1, None
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
            handoff = custom["handoff"]
        lines = [str(message["text"]).strip()] if message.get("text") else []
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str) and message[key]:
                lines.append(message[key])
        choices = [button for button in message.get("buttons") or []
                   if isinstance(button, dict) and isinstance(button.get("payload"), str)]
        for choice in choices:
            lines.append(f"{number}. {choice.get('title') or choice['payload']}")
            number += 1
        if lines:
            blocks.append("\n".join(line for line in lines if line))
            if choices:
                last_choice_block = len(blocks) - 1
    if last_choice_block is not None:
        blocks[last_choice_block] += "\n" + CHOICE_HINT
    return RenderedTurn("\n\n".join(blocks), handoff)


def split_for_wechat(text: str, max_bytes: int = MAX_TEXT_BYTES) -> List[str]:
    """``text`` in pieces of at most ``max_bytes`` UTF-8 bytes, cut at line breaks if possible."""
    pieces: List[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode("utf-8")) <= max_bytes:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode("utf-8")) > max_bytes:  # a single over-long line: cut by characters
            head = _longest_prefix(line, max_bytes)
            pieces.append(head)
            line = line[len(head):]
        current = line
    if current.strip():
        pieces.append(current)
    return pieces


def _longest_prefix(text: str, max_bytes: int) -> str:
    size, end = 0, 0
    for end, character in enumerate(text):
        size += len(character.encode("utf-8"))
        if size > max_bytes:
            return text[:end]
    return text
