"""Every change we make to Rasa's own behaviour, in one place, for the one version it was written for.

* **Typed text is never a command** (``MessageProcessor.parse_message``): a message is read as a
  ``/intent{…}`` payload only when it picks a button the assistant just offered
  (``bot.channels.choices``); otherwise its leading slashes are dropped and the NLU reads it.
* **A failed custom action is never silence** (``RemoteAction.run``): when the action server
  cannot be reached or fails, the user is told to try again, instead of receiving nothing.
* **Action responses validated once-compiled** (``RemoteAction._validate_action_result``): Rasa
  3.6 re-checks the (large) events schema against the JSON-Schema meta-schema on every call;
  profiling a policy-question turn (py-spy, bench/README.md) put 65% of the Rasa server's CPU
  there. The same check with validators built once, one per event type, is installed instead.
* **Event types looked up in a table** (``Event.resolve_by_type``): loading a tracker turns every
  stored event back into an object, and Rasa finds each event's class by walking all of
  ``Event``'s subclasses and asking ``inspect.isabstract`` of each — 19% of a policy turn's CPU
  in a conversation of a few dozen turns. The first match of that same walk is kept per type
  name (the walk is redone for a name it does not know, so later-imported events still resolve).

* **Recent history to the action server** (``RemoteAction._action_call_format``): Rasa sends the
  conversation's every event on every action call, so a call costs more the longer the
  conversation (serialised here, sent, parsed and rebuilt there). Our actions read the slots, the
  latest message and at most the last ``MAX_TURNS_IN_SUMMARY`` turns (the handoff summary); the
  call carries the events since the ``ACTION_CALL_USER_TURNS``-th latest user message, and the
  domain only where ``enable_selective_domain`` says an action needs it.

Loaded with our input channels (``credentials.yml``); ``install()`` refuses any other Rasa
version, so an upgrade cannot silently drop these fixes.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Optional, Text

import rasa
import rasa.shared.utils.common
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import EventVerbosity

from bot.channels.choices import offered_buttons, text_to_understand

logger = logging.getLogger(__name__)

WRITTEN_FOR_RASA = "3.6.21"
ACTION_CALL_USER_TURNS = 12  # more than the handoff summary's 8 turns (bot.dialogue.handoff)
ACTION_FAILED_MESSAGE = "抱歉，客服助手暂时无法处理您的消息，请稍后再试一次。如仍有问题，可输入“转人工”。"

_installed = False
RASA_ACTION_CALL_FORMAT = RemoteAction._action_call_format  # Rasa's own, before install()


class ActionResponseValidator:
    """Rasa's action-response schema, checked event by event against the one schema its
    ``event`` names. Rasa's ``oneOf`` tries all 23 event schemas on every event (9% of a policy
    turn's CPU); the event names are distinct constants, so exactly one of them can ever apply
    and this accepts and refuses exactly what the ``oneOf`` does."""

    def __init__(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        events = schema["properties"]["events"]
        common = {key: value for key, value in events["items"].items() if key != "oneOf"}
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)  # once, not per response
        outer = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
        self._outer = validator_class(outer)
        self._common = validator_class(common)
        self._by_event = {one["properties"]["event"]["const"]: validator_class(one)
                          for one in events["items"]["oneOf"]}

    def validate(self, result: Dict[Text, Any]) -> None:
        self._outer.validate(result)
        for event in result.get("events") or []:
            self._common.validate(event)
            own = self._by_event.get(event["event"])
            if own is None:
                raise ValidationError(f"{event['event']!r} is not an event Rasa knows")
            own.validate(event)


@functools.lru_cache(maxsize=1)
def _response_validator() -> ActionResponseValidator:
    return ActionResponseValidator()


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def _resolve_event_type_from_table(original):
    table: Dict[str, Any] = {}

    @functools.wraps(original)
    def resolve_by_type(type_name, default=None):
        if type_name not in table:
            for cls in rasa.shared.utils.common.all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
        if type_name in table:
            return table[type_name]
        return original(type_name, default)  # Rasa's answer for unknown names (None, default, error)

    resolve_by_type.__wrapped_by_privacy_desk__ = True
    return staticmethod(resolve_by_type)


def recent_events(tracker, user_turns: int = ACTION_CALL_USER_TURNS) -> list:
    """The tracker's events from its ``user_turns``-th latest user message on (all, if fewer)."""
    events = list(tracker.events)
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == user_turns:
                return events[index:]
    return events


def _action_call_with_recent_events(self: RemoteAction, tracker, domain) -> Dict[Text, Any]:
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in recent_events(tracker)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def _understood_as(message: UserMessage, tracker) -> UserMessage:
    """The message the NLU reads: an offered button's payload, or the text without a command."""
    text = message.text or ""
    understood = text_to_understand(text, offered_buttons(tracker.events) if tracker is not None else [])
    if understood == text:
        return message
    return UserMessage(understood, message.output_channel, message.sender_id,
                       input_channel=message.input_channel, message_id=message.message_id,
                       metadata=message.metadata)


def _guard_parse_message(original):
    @functools.wraps(original)
    async def parse_message(self: MessageProcessor, message: UserMessage, tracker=None,
                            only_output_properties: bool = True) -> Dict[Text, Any]:
        return await original(self, _understood_as(message, tracker), tracker, only_output_properties)

    parse_message.__wrapped_by_privacy_desk__ = True
    return parse_message


def _tell_user_when_the_action_fails(original):
    @functools.wraps(original)
    async def run(self: RemoteAction, output_channel, nlg, tracker, domain):
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except Exception:
            logger.error("custom action %s failed; the user was asked to try again", self.name())
            await output_channel.send_text_message(tracker.sender_id, ACTION_FAILED_MESSAGE)
            raise

    run.__wrapped_by_privacy_desk__ = True
    return run


def install(version: Optional[str] = None) -> None:
    """Apply the patches (idempotent); raises on a Rasa version they were not written for."""
    global _installed
    found = version or rasa.__version__
    if found != WRITTEN_FOR_RASA:
        raise RuntimeError(f"bot.channels.rasa_patches was written for rasa {WRITTEN_FOR_RASA}, "
                           f"found {found}: check each patch against the new version")
    if _installed:
        return
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction._action_call_format = _action_call_with_recent_events
    MessageProcessor.parse_message = _guard_parse_message(MessageProcessor.parse_message)
    RemoteAction.run = _tell_user_when_the_action_fails(RemoteAction.run)
    Event.resolve_by_type = _resolve_event_type_from_table(Event.resolve_by_type)
    _installed = True
