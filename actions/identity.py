"""The identity steps shared by the request, status and cancel forms: phone number and code.

A phone number is used in the turn it arrives (a code is sent at once); a code is checked in the
turn it arrives, by the backend, for this conversation. What stays in slots is opaque or masked:
the challenge id, the masked phone, and ``identity_verified`` — which only spares the user a second
code in the same conversation; it proves nothing to the backend, which keeps the verified identity
itself. A new flow that names a phone is checked against the verified one: a different phone gets
its own code.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import app_id, backend, call_backend, is_authenticated, latest_text, subject
from bot.backend.client import (
    BackendClientError,
    ChallengeLocked,
    ChallengeUsed,
    CodeExpired,
    InvalidCode,
    PhoneNotRegistered,
    RateLimited,
)
from bot.dialogue import requests as texts
from bot.identifiers import find_code, find_phone, mask_phone, normalise_code, normalise_phone

MASKED_CODE = "******"
FAILED = {"flow_failed": True}

IDENTITY_FLOW_SLOTS = ("phone_number", "verification_code", "challenge_id", "masked_phone",
                       "code_announced", "flow_failed")


def _has_digits(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


class IdentitySlots:
    """Mixin for FormValidationActions: extraction and validation of phone number and code.

    A flow that starts afresh (its starting intent, or an accepted offer handed on through
    ``continue_with``) begins with no leftover confirmation, code or challenge from an earlier,
    interrupted flow; a phone in its first message is the phone it verifies.
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
            phone = None if is_authenticated(tracker) else find_phone(latest_text(tracker))
            if phone:
                fresh.update(await start_phone_challenge(dispatcher, tracker, phone))
            tracker.slots.update(fresh)  # required slots are computed on the fresh state
            events = [SlotSet(slot, value) for slot, value in fresh.items()]
        return events + await super().run(dispatcher, tracker, domain)

    async def extract_phone_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # digits the NLU did not tag as a phone still get validated (and a helpful answer)
        text = latest_text(tracker)
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
        return await start_phone_challenge(dispatcher, tracker, phone)

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = latest_text(tracker)
        if tracker.get_slot("requested_slot") == "verification_code" and _has_digits(text):
            return {"verification_code": find_code(text) or text}
        return {}

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = normalise_code(str(value or ""))
        challenge_id = tracker.get_slot("challenge_id")
        if code is None or challenge_id is None:
            return {"verification_code": None}  # the form asks again
        client = backend()
        try:
            await call_backend(client.check_code, challenge_id, code, subject(tracker))
        except InvalidCode as error:
            dispatcher.utter_message(text=texts.wrong_code(error.attempts_left))
            return {"verification_code": None}
        except CodeExpired:
            try:
                await call_backend(client.resend_code, challenge_id)
            except BackendClientError:
                dispatcher.utter_message(text=texts.rate_limited())
                return {"verification_code": MASKED_CODE, **FAILED}
            dispatcher.utter_message(text=texts.code_expired())
            return {"verification_code": None, "code_announced": True}
        except ChallengeLocked:
            dispatcher.utter_message(text=texts.challenge_locked())
            return {"verification_code": MASKED_CODE, **FAILED}
        except ChallengeUsed:
            # the same code again after a turn was cut short (a server died after checking it):
            # take it as checked — filing still requires the backend's proof for this conversation
            return {"verification_code": MASKED_CODE, "identity_verified": True}
        except PhoneNotRegistered:
            dispatcher.utter_message(text=texts.phone_not_registered())
            return {"verification_code": MASKED_CODE, **FAILED}
        except BackendClientError:
            dispatcher.utter_message(text=texts.backend_unavailable())
            return {"verification_code": MASKED_CODE, **FAILED}
        return {"verification_code": MASKED_CODE, "identity_verified": True}


async def start_phone_challenge(dispatcher: CollectingDispatcher, tracker: Tracker,
                                phone: str) -> Dict[Text, Any]:
    """Sends a code to ``phone`` unless this conversation already proved it; slot values."""
    masked = mask_phone(phone)
    try:
        challenge = await call_backend(backend().start_verification, app_id(tracker), phone=phone,
                                       subject=subject(tracker))
    except RateLimited:
        dispatcher.utter_message(text=texts.rate_limited())
        return {"phone_number": masked, **FAILED}
    except BackendClientError:
        dispatcher.utter_message(text=texts.backend_unavailable())
        return {"phone_number": masked, **FAILED}
    if challenge.already_verified:
        return {"phone_number": masked, "masked_phone": masked, "identity_verified": True}
    return {"phone_number": masked, "challenge_id": challenge.challenge_id, "masked_phone": masked,
            "code_announced": False, "identity_verified": False}


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
        challenge = await call_backend(backend().start_verification, app_id(tracker),
                                       subject=subject(tracker))
    except RateLimited:
        dispatcher.utter_message(text=texts.rate_limited())
        return dict(FAILED)
    except BackendClientError:
        dispatcher.utter_message(text=texts.backend_unavailable())
        return dict(FAILED)
    return {"challenge_id": challenge.challenge_id, "masked_phone": challenge.destination,
            "code_announced": False, "identity_verified": False}
