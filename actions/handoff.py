"""Handing over to a human agent: a ticket with a masked summary, then the bot pauses.

Besides the words for the user, the handoff is announced to the channel as a custom message
``{"handoff": {"ticket": id, "reason": reason}}``: a channel with its own agent tools (WeChat's
``transfer_customer_service``) hands the user over there.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import (
    NoAppConfigured,
    app_id,
    backend,
    call_backend,
    knowledge,
    latest_text,
    subject,
)
from bot.backend.client import BackendClientError
from bot.dialogue import handoff as wording
from bot.dialogue.requests import open_requests
from bot.knowledge import UnknownApp
from bot.redaction import mask


def conversation_turns(tracker: Tracker) -> List[wording.Turn]:
    turns = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            turns.append(wording.Turn("user", event["text"], intent))
        elif event.get("event") == "bot" and event.get("text"):
            turns.append(wording.Turn("bot", event["text"]))
    return turns


async def _open_request_ids(tracker: Tracker) -> List[str]:
    """The user's open requests, if the conversation proves who the user is."""
    try:
        requests = await call_backend(backend().list_requests, app_id(tracker), subject(tracker))
    except BackendClientError:  # nobody proven (yet), or the backend is down: no list
        return []
    return [r.id for r in open_requests(requests)]


async def _for_this_user(function, tracker: Tracker, **kwargs) -> Dict[str, Any]:
    """A ticket about this conversation; the backend ties it to the user if anything proves one."""
    return await call_backend(function, app_id(tracker), tracker.sender_id, subject=subject(tracker),
                              **kwargs)


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker,
                    reason: str) -> List[Dict[Text, Any]]:
    """Files a handoff ticket with a summary, tells the user, pauses the conversation."""
    try:
        app_name = knowledge(tracker).name
    except (UnknownApp, NoAppConfigured):
        app_name = "未知应用"
    summary = wording.conversation_summary(
        app_name, reason, conversation_turns(tracker),
        await _open_request_ids(tracker),
    )
    try:
        ticket = await _for_this_user(backend().create_handoff, tracker, reason=reason, summary=summary)
    except (BackendClientError, NoAppConfigured):
        dispatcher.utter_message(text=wording.handoff_unavailable())
        return []
    dispatcher.utter_message(json_message={"handoff": {"ticket": ticket.get("id"), "reason": reason}})
    if reason == "incident":
        return [SlotSet("handoff_ticket", ticket.get("id")), ConversationPaused()]
    dispatcher.utter_message(text=wording.handoff_message(ticket.get("id")))
    return [SlotSet("handoff_ticket", ticket.get("id")), SlotSet("offered_request", None),
            ConversationPaused()]


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        return await hand_over(dispatcher, tracker, "user_request")


class ActionReportIncident(Action):
    """Records the incident, hands over with priority, and tells the user what to do now."""

    def name(self) -> Text:
        return "action_report_incident"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        kind = wording.incident_kind(text)
        try:
            incident = await _for_this_user(backend().report_incident, tracker, kind=kind,
                                            description=mask(text))
        except (BackendClientError, NoAppConfigured):
            dispatcher.utter_message(text=wording.handoff_unavailable())
            return []
        events = await hand_over(dispatcher, tracker, "incident")
        dispatcher.utter_message(text=wording.incident_message(kind, incident.get("id")))
        return events
