"""The identity steps shared by the request, status and cancel forms: phone number and code.

A phone number is used in the turn it arrives (a code is sent at once); a code is checked in the
turn it arrives. What stays in slots is opaque or masked: the challenge id, the masked phone and
the backend's short-lived identity token.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import app_id, backend, call_backend, user_token
from bot.backend.client import (
    BackendClientError,
    ChallengeLocked,
    CodeExpired,
    InvalidCode,
    PhoneNotRegistered,
    RateLimited,
    Subject,
)
from bot.dialogue import requests as texts
from bot.identifiers import find_code, find_phone, mask_phone, normalise_code, normalise_phone

VERIFIED = "verified"
FAILED = {"flow_failed": True}


def _has_digits(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


IDENTITY_FLOW_SLOTS = ("phone_number", "verification_code", "challenge_id", "masked_phone",
                       "code_announced", "flow_failed")


class IdentitySlots:
    """Mixin for FormValidationActions: extraction and validation of phone number and code.

    A flow that starts afresh (its starting intent, or an accepted offer handed on through
    ``continue_with``) begins with no leftover confirmation, code or challenge from an earlier,
    interrupted flow.
    """

    starting_intents: frozenset = frozenset()

    def fresh_flow_slots(self) -> Dict[Text, Any]:
        return {slot: None for slot in IDENTITY_FLOW_SLOTS}

    def is_new_flow(self, tracker: Tracker) -> bool:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return intent in self.starting_intents or tracker.get_slot("continue_with") == self.form_name()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = []
        if self.is_new_flow(tracker):
            fresh = {**self.fresh_flow_slots(), "continue_with": None}
            tracker.slots.update(fresh)  # required slots are computed on the fresh state
            events = [SlotSet(slot, value) for slot, value in fresh.items()]
        return events + await super().run(dispatcher, tracker, domain)

    async def extract_phone_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # digits the NLU did not tag as a phone still get validated (and a helpful answer)
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") == "phone_number" and _has_digits(text):
            return {"phone_number": find_phone(text) or text}
        return {}

    async def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value and value == tracker.get_slot("masked_phone") and tracker.get_slot("challenge_id"):
            return {"phone_number": value}  # handled in an earlier turn: the code is on its way
        phone = normalise_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(text=texts.invalid_phone())
            return {"phone_number": None}
        try:
            challenge = await call_backend(backend().start_verification, app_id(tracker), phone=phone)
        except RateLimited:
            dispatcher.utter_message(text=texts.rate_limited())
            return {"phone_number": mask_phone(phone), **FAILED}
        except BackendClientError:
            dispatcher.utter_message(text=texts.backend_unavailable())
            return {"phone_number": mask_phone(phone), **FAILED}
        return {"phone_number": mask_phone(phone), "challenge_id": challenge.challenge_id,
                "masked_phone": mask_phone(phone), "code_announced": False}

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") == "verification_code" and _has_digits(text):
            return {"verification_code": find_code(text) or text}
        return {}

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == VERIFIED and tracker.get_slot("identity_token"):
            return {"verification_code": VERIFIED}  # verified earlier in this conversation
        code = normalise_code(str(value or ""))
        challenge_id = tracker.get_slot("challenge_id")
        if code is None or challenge_id is None:
            return {"verification_code": None}  # the form asks again
        client = backend()
        try:
            verification = await call_backend(client.check_code, challenge_id, code)
        except InvalidCode as error:
            dispatcher.utter_message(text=texts.wrong_code(error.attempts_left))
            return {"verification_code": None}
        except CodeExpired:
            try:
                await call_backend(client.resend_code, challenge_id)
            except BackendClientError:
                dispatcher.utter_message(text=texts.rate_limited())
                return {"verification_code": "******", **FAILED}
            dispatcher.utter_message(text=texts.code_expired())
            return {"verification_code": None, "code_announced": True}
        except ChallengeLocked:
            dispatcher.utter_message(text=texts.challenge_locked())
            return {"verification_code": "******", **FAILED}
        except PhoneNotRegistered:
            dispatcher.utter_message(text=texts.phone_not_registered())
            return {"verification_code": "******", **FAILED}
        except BackendClientError:
            dispatcher.utter_message(text=texts.backend_unavailable())
            return {"verification_code": "******", **FAILED}
        return {"verification_code": VERIFIED, "identity_token": verification.identity_token}


class ActionAskPhoneNumber(Action):
    def name(self) -> Text:
        return "action_ask_phone_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=texts.ask_phone())
        return []


class ActionAskVerificationCode(Action):
    """Announces where the code went the first time, then just asks again."""

    def name(self) -> Text:
        return "action_ask_verification_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("code_announced"):
            dispatcher.utter_message(text=texts.code_sent(tracker.get_slot("masked_phone")))
            return [SlotSet("code_announced", True)]
        dispatcher.utter_message(text=texts.code_prompt_again())
        return []


async def send_code_to_bound_phone(dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """Starts a challenge for the authenticated user's bound phone; slot values for the form."""
    try:
        challenge = await call_backend(
            backend().start_verification, app_id(tracker), subject=Subject(user_token=user_token(tracker))
        )
    except RateLimited:
        dispatcher.utter_message(text=texts.rate_limited())
        return dict(FAILED)
    except BackendClientError:
        dispatcher.utter_message(text=texts.backend_unavailable())
        return dict(FAILED)
    return {"challenge_id": challenge.challenge_id, "masked_phone": challenge.destination,
            "code_announced": False}
