"""Status and cancellation of filed requests: only ever the verified user's own."""
from __future__ import annotations

import abc

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import (
    app_id,
    backend,
    call_backend,
    entity_values,
    identity_verified,
    is_authenticated,
    subject,
)
from actions.identity import IDENTITY_FLOW_SLOTS, IdentitySlots
from bot.backend.client import BackendClientError, Conflict, InvalidSubject, NotFound
from bot.dialogue import requests as flow

def end_of_lookup() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in IDENTITY_FLOW_SLOTS + ("continue_with", "request_id")]


class _IdentityForm(IdentitySlots, FormValidationAction):
    """A form that only proves who the user is (no name: rasa_sdk skips abstract classes)."""

    @abc.abstractmethod
    def name(self) -> Text:
        ...

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("flow_failed"):
            return []
        return flow.identity_steps(authenticated=is_authenticated(tracker),
                                   verified=identity_verified(tracker))


class ValidateStatusForm(_IdentityForm):
    starting_intents = frozenset({"check_request_status"})

    def name(self) -> Text:
        return "validate_status_form"


class ValidateCancelForm(_IdentityForm):
    starting_intents = frozenset({"cancel_request"})

    def name(self) -> Text:
        return "validate_cancel_form"


def _request_id(tracker: Tracker) -> Optional[str]:
    values = entity_values(tracker, "request_id")
    return values[0] if values else tracker.get_slot("request_id")


class ActionCheckRequestStatus(Action):
    """One request by id, or the user's recent requests."""

    def name(self) -> Text:
        return "action_check_request_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        events = end_of_lookup() + [SlotSet("last_topic", "check_request_status")]
        if tracker.get_slot("flow_failed"):
            return events
        who, request_id = subject(tracker), _request_id(tracker)
        client = backend()
        try:
            if request_id:
                request = await call_backend(client.get_request, app_id(tracker), request_id, who)
                dispatcher.utter_message(text=flow.request_summary(request))
            else:
                requests = await call_backend(client.list_requests, app_id(tracker), who)
                dispatcher.utter_message(text=flow.status_report(requests))
        except NotFound:
            dispatcher.utter_message(text=flow.request_not_found(request_id))
        except InvalidSubject:
            dispatcher.utter_message(text=flow.identity_expired())
            events.append(SlotSet("identity_verified", False))
        except BackendClientError:
            dispatcher.utter_message(text=flow.lookup_unavailable())
        return events


class ActionCancelRequest(Action):
    """Withdraws the request the user means: by id, or their only cancellable one."""

    def name(self) -> Text:
        return "action_cancel_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        events = end_of_lookup() + [SlotSet("last_topic", "cancel_request")]
        if tracker.get_slot("flow_failed"):
            return events
        who = subject(tracker)
        client, app = backend(), app_id(tracker)
        try:
            requests = await call_backend(client.list_requests, app, who)
            target, candidates = flow.pick_request(requests, _request_id(tracker))
            if target is None:
                text = (flow.choose_request_to_cancel(candidates) if candidates
                        else flow.request_not_found(_request_id(tracker)) if _request_id(tracker)
                        else flow.nothing_to_cancel())
            elif not target.cancellable:
                text = flow.not_cancellable(target)
            else:
                cancelled = await call_backend(client.cancel_request, app, target.id, who,
                                               reason="用户在客服对话中撤回")
                text = flow.cancelled_request(cancelled)
        except Conflict:
            text = flow.nothing_to_cancel()
        except InvalidSubject:
            text = flow.identity_expired()
            events.append(SlotSet("identity_verified", False))
        except BackendClientError:
            text = flow.lookup_unavailable()
        dispatcher.utter_message(text=text)
        return events
