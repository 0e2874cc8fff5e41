"""The request form (deletion, export, unsubscribe): Rasa's side of ``bot.dialogue.requests``."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import (
    app_id,
    backend,
    call_backend,
    identity_verified,
    is_authenticated,
    knowledge,
    latest_text,
    say,
    subject,
)
from actions.identity import IDENTITY_FLOW_SLOTS, IdentitySlots, send_code_to_bound_phone
from bot.backend.client import BackendClientError, InvalidSubject, Unavailable, ValidationError
from bot.dialogue import requests as flow
from bot.dialogue.vocabulary import CHANNEL_LABELS, DATA_CATEGORY_LABELS, REQUEST_INTENTS, is_plain_yes

# slots that belong to one request flow and are cleared when it ends
FLOW_SLOTS = IDENTITY_FLOW_SLOTS + ("request_type", "data_category", "channel", "request_confirmed",
                                    "request_key", "continue_with", "offered_request")


def reset_flow() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FLOW_SLOTS]


class ValidateRequestForm(IdentitySlots, FormValidationAction):
    starting_intents = frozenset(REQUEST_INTENTS)

    def name(self) -> Text:
        return "validate_request_form"

    def fresh_flow_slots(self) -> Dict[Text, Any]:
        # a new request is confirmed and verified anew, under a new idempotency key
        return {**super().fresh_flow_slots(), "request_confirmed": None,
                "request_key": uuid.uuid4().hex}

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("flow_failed"):
            return []
        return flow.request_steps(
            tracker.get_slot("request_type") or "account_deletion",
            authenticated=is_authenticated(tracker),
            verified=identity_verified(tracker),
            confirmed=bool(tracker.get_slot("request_confirmed")),
        )

    async def validate_data_category(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        values = [v for v in (value or []) if v in DATA_CATEGORY_LABELS]
        return {"data_category": values or None}

    async def validate_channel(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        values = [v for v in (value or []) if v in CHANNEL_LABELS]
        return {"channel": values or None}

    async def extract_request_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        """A bare "是" / "好滴" while confirming is a yes, whatever intent the NLU gave it."""
        if tracker.get_slot("requested_slot") == "request_confirmed" and is_plain_yes(latest_text(tracker)):
            return {"request_confirmed": True}
        return {}

    async def validate_request_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is not True:
            return {"request_confirmed": None}
        request_type = tracker.get_slot("request_type")
        authenticated = is_authenticated(tracker)
        if authenticated and flow.needs_code(request_type, authenticated) and not identity_verified(tracker):
            return {"request_confirmed": True, **await send_code_to_bound_phone(dispatcher, tracker)}
        return {"request_confirmed": True}


class ActionAskDataCategory(Action):
    def name(self) -> Text:
        return "action_ask_data_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        say(dispatcher, flow.ask_data_category(knowledge(tracker)))
        return []


class ActionAskChannel(Action):
    def name(self) -> Text:
        return "action_ask_channel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        say(dispatcher, flow.ask_channel())
        return []


class ActionAskRequestConfirmed(Action):
    """Explains what the request does (from the app's knowledge base) and asks to confirm."""

    def name(self) -> Text:
        return "action_ask_request_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        say(dispatcher, flow.explain_request(
            knowledge(tracker), tracker.get_slot("request_type"),
            tracker.get_slot("data_category") or (), tracker.get_slot("channel") or (),
        ))
        return []


RETRY_SUBMIT = "retry_submit"  # offered_request: "确认" files the same request again


class ActionSubmitRequest(Action):
    """Files the confirmed, verified request and reports its id and due date."""

    def name(self) -> Text:
        return "action_submit_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("flow_failed") or not tracker.get_slot("request_confirmed"):
            return reset_flow()  # what went wrong was already said
        return await file_confirmed_request(dispatcher, tracker)


async def file_confirmed_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Files the request the flow confirmed. If the backend cannot be reached, the confirmed flow
    is kept (with its idempotency key) so that "确认" later files it — once, however often."""
    request_type = tracker.get_slot("request_type")
    try:
        filed = await call_backend(
            backend().file_request, app_id(tracker), request_type, subject=subject(tracker),
            categories=_list_or_none(tracker, "data_category", request_type == "info_deletion"),
            channels=_list_or_none(tracker, "channel", request_type == "unsubscribe"),
            idempotency_key=tracker.get_slot("request_key"),
            require_verified=flow.needs_code(request_type, is_authenticated(tracker)),
        )
    except InvalidSubject:  # the proof expired meanwhile: verify again
        dispatcher.utter_message(text=flow.identity_expired())
        return reset_flow() + [SlotSet("identity_verified", False)]
    except ValidationError as error:
        dispatcher.utter_message(text=f"申请未能提交：{error.message}")
        return reset_flow()
    except Unavailable as error:  # a timeout may have filed it: never say "not filed" then
        dispatcher.utter_message(text=flow.filing_to_retry(maybe_done=error.maybe_done))
        return [SlotSet("offered_request", RETRY_SUBMIT)]
    except BackendClientError:  # a refusal the user cannot fix here
        dispatcher.utter_message(text=flow.backend_unavailable())
        return reset_flow()
    dispatcher.utter_message(text=flow.filed_request(filed.request, filed.created))
    return reset_flow()


def _list_or_none(tracker: Tracker, slot: str, wanted: bool) -> Optional[List[str]]:
    return list(tracker.get_slot(slot) or []) if wanted else None


class ActionAbandonRequest(Action):
    """The user changed their mind mid-flow ("算了"): nothing is filed."""

    def name(self) -> Text:
        return "action_abandon_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=flow.abandoned())
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset_flow()
