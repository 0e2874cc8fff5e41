"""What a typed message may stand for: an offered button, or plain text — never a raw command.

Rasa reads a message that starts with ``/`` as ``/intent{"slot": value}``: a client could set any
entity (a verification code, a request id) or force any intent by typing it. Here a message is
read as a button payload only when it is one of the buttons the assistant offered in its last
turn — by the payload itself (what the chat page sends on a click), by the button's title, or by
its number (how channels without buttons, such as WeChat, show them: "1. 确认提交"). Any other
text starting with ``/`` loses its slashes and is understood like any sentence.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Optional, Sequence

from bot.text import normalize, to_halfwidth

INTENT_PREFIX = "/"
_LEADING_COMMAND = re.compile(r"^[\s/／]+")
_CHOICE_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.、．。)）]?\s*$")


def offered_buttons(events: Iterable) -> List[dict]:
    """The buttons of the assistant's messages since the user last spoke (tracker events, newest
    last: Rasa ``Event`` objects or their dict form)."""
    buttons: List[dict] = []
    for event in reversed(list(events)):
        kind = getattr(event, "type_name", None) or (event.get("event") if isinstance(event, dict) else None)
        if kind == "user":
            break
        if kind == "bot":
            data = getattr(event, "data", None) if not isinstance(event, dict) else event.get("data")
            buttons[:0] = list((data or {}).get("buttons") or [])
    return [b for b in buttons if isinstance(b, dict) and isinstance(b.get("payload"), str)]


def chosen_payload(text: str, buttons: Sequence[dict]) -> Optional[str]:
    """The payload of the offered button ``text`` picks (payload, title or number), or None."""
    if not buttons:
        return None
    typed = text.strip()
    for button in buttons:
        if typed == button["payload"]:
            return button["payload"]
    number = _CHOICE_NUMBER.match(to_halfwidth(typed))
    if number and 1 <= int(number.group(1)) <= len(buttons):
        return buttons[int(number.group(1)) - 1]["payload"]
    wanted = normalize(typed)
    for button in buttons:
        if isinstance(button.get("title"), str) and normalize(button["title"].strip()) == wanted:
            return button["payload"]
    return None


def is_command(text: str) -> bool:
    return text.strip().startswith(INTENT_PREFIX)


def as_plain_text(text: str) -> str:
    """``text`` without the leading slashes that would make Rasa read it as a command."""
    return _LEADING_COMMAND.sub("", text) or text.strip()


def text_to_understand(text: str, buttons: Sequence[dict]) -> str:
    """What the NLU should read for a typed ``text`` given the buttons just offered."""
    payload = chosen_payload(text, buttons)
    if payload is not None:
        return payload
    return as_plain_text(text) if is_command(text) else text
