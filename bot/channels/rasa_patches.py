"""Every change we make to Rasa's own behaviour, in one place, for the one version it was written for.

* **Typed text is never a command** (``MessageProcessor.parse_message``): a message is read as a
  ``/intent{…}`` payload only when it picks a button the assistant just offered
  (``bot.channels.choices``); otherwise its leading slashes are dropped and the NLU reads it.
* **A failed custom action is never silence** (``RemoteAction.run``): when the action server
  cannot be reached or fails, the user is told to try again, instead of receiving nothing.
* **Action responses validated once-compiled** (``RemoteAction._validate_action_result``): Rasa
  3.6 re-checks the (large) events schema against the JSON-Schema meta-schema on every call;
  profiling a policy-question turn (py-spy, bench/README.md) put 65% of the Rasa server's CPU
  there. The same check with a validator built once is installed instead.

Loaded with our input channels (``credentials.yml``); ``install()`` refuses any other Rasa
version, so an upgrade cannot silently drop these fixes.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Optional, Text

import rasa
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_BASE_URL

from bot.channels.choices import offered_buttons, text_to_understand

logger = logging.getLogger(__name__)

WRITTEN_FOR_RASA = "3.6.21"
ACTION_FAILED_MESSAGE = "抱歉，客服助手暂时无法处理您的消息，请稍后再试一次。如仍有问题，可输入“转人工”。"

_installed = False


@functools.lru_cache(maxsize=1)
def _response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, not per response
    return validator_class(schema)


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
    MessageProcessor.parse_message = _guard_parse_message(MessageProcessor.parse_message)
    RemoteAction.run = _tell_user_when_the_action_fails(RemoteAction.run)
    _installed = True
