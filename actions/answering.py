"""Policy answers, follow-ups, offers, fallback and out-of-scope: Rasa's side of bot.dialogue."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import (
    NoAppConfigured,
    entity_values,
    knowledge,
    latest_intent,
    latest_text,
    platform,
    say,
    unknown_app_message,
)
from actions.handoff import hand_over
from actions.request_flow import RETRY_SUBMIT, file_confirmed_request
from bot.dialogue import clarify
from bot.dialogue.answers import Question, answer
from bot.dialogue.fallback import fallback_reply, out_of_scope_reply, should_hand_over
from bot.dialogue.vocabulary import QUESTION_TOPICS, REQUEST_INTENTS, SELF_SERVICE_TOPICS, platform_in
from bot.knowledge import UnknownApp

ANSWERABLE = set(SELF_SERVICE_TOPICS) | set(QUESTION_TOPICS)
CLARIFY_PREFIX = clarify.OFFER + ":"


def _question(tracker: Tracker, intent: str, carry_over: bool) -> Question:
    """The question as understood; a follow-up keeps the qualifiers it does not replace."""
    def values(entity: str, slot: str):
        found = entity_values(tracker, entity)
        if found or not carry_over:
            return found
        return tuple(tracker.get_slot(slot) or ())

    text = latest_text(tracker)
    return Question(
        intent=intent, text=text,
        platform=platform_in(text) or (tracker.get_slot("platform_asked") if carry_over else None)
        or platform(tracker),
        data_categories=values("data_category", "data_category"),
        channels=values("channel", "channel"),
        permissions=values("permission", "permission"),
    )


async def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str,
                          carry_over: bool = False) -> List[Dict[Text, Any]]:
    try:
        kb = knowledge(tracker)
    except (UnknownApp, NoAppConfigured) as error:
        dispatcher.utter_message(text=unknown_app_message(error))
        return []
    question = _question(tracker, intent, carry_over)
    reply = answer(kb, question)
    say(dispatcher, reply)
    return [
        SlotSet("last_topic", intent),
        SlotSet("offered_request", reply.offer),
        SlotSet("data_category", list(question.data_categories) or None),
        SlotSet("channel", list(question.channels) or None),
        SlotSet("permission", list(question.permissions) or None),
        SlotSet("platform_asked", platform_in(question.text) or
                (tracker.get_slot("platform_asked") if carry_over else None)),
        SlotSet("fallback_count", 0),
    ]


class ActionAnswerQuestion(Action):
    """A policy question or a self-service how-to, answered from the app's knowledge base."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        return await answer_question(dispatcher, tracker, latest_intent(tracker))


class ActionHandleInform(Action):
    """A bare value outside a form: a follow-up ("那邮件呢？") or a request id to look up."""

    def name(self) -> Text:
        return "action_handle_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        last_topic = tracker.get_slot("last_topic")
        if entity_values(tracker, "request_id"):
            form = "cancel_form" if last_topic == "cancel_request" else "status_form"
            return [SlotSet("continue_with", form)]
        if last_topic in ANSWERABLE:
            return await answer_question(dispatcher, tracker, last_topic, carry_over=True)
        dispatcher.utter_message(
            text="请问您想了解或办理什么呢？例如“怎么退订短信”“帮我注销账号”“查询申请进度”。")
        return [SlotSet("fallback_count", 0)]


class ActionHandleAffirm(Action):
    """"好的" after an offer starts it (a request, or a human agent); otherwise acknowledged."""

    def name(self) -> Text:
        return "action_handle_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        offer = tracker.get_slot("offered_request")
        if offer == "handoff":
            return await hand_over(dispatcher, tracker, "misunderstanding")
        if offer == RETRY_SUBMIT:  # "确认" again after the backend could not be reached
            return await file_confirmed_request(dispatcher, tracker)
        if offer and offer.startswith(CLARIFY_PREFIX):  # "是的" to "您是想…吗？": its first option
            return await _take_interpretation(dispatcher, tracker, offer[len(CLARIFY_PREFIX):])
        if offer:
            return [SlotSet("request_type", offer), SlotSet("offered_request", None),
                    SlotSet("continue_with", "request_form")]
        dispatcher.utter_message(text="好的。还有其他可以帮您的吗？")
        return []


class ActionHandleDeny(Action):
    def name(self) -> Text:
        return "action_handle_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if (tracker.get_slot("offered_request") or "").startswith(CLARIFY_PREFIX):
            dispatcher.utter_message(text=clarify.rephrase_prompt())
            return [SlotSet("offered_request", None)]
        dispatcher.utter_message(text="好的。还有其他可以帮您的吗？")
        return [SlotSet("offered_request", None)]


async def _take_interpretation(dispatcher: CollectingDispatcher, tracker: Tracker,
                               intent: str) -> List[Dict[Text, Any]]:
    if intent in ANSWERABLE:
        return await answer_question(dispatcher, tracker, intent)
    if intent in REQUEST_INTENTS:
        return [SlotSet("request_type", REQUEST_INTENTS[intent]), SlotSet("offered_request", None),
                SlotSet("continue_with", "request_form")]
    if intent == "human_handoff":
        return await hand_over(dispatcher, tracker, "user_request")
    dispatcher.utter_message(text=clarify.rephrase_prompt())
    return [SlotSet("offered_request", None)]


class ActionPolicyFallback(Action):
    """A message the NLU is unsure about: first "您是想……吗？" with the likeliest meanings, then
    an answer from the policy text or a request to rephrase, then a human."""

    def name(self) -> Text:
        return "action_policy_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        misses = int(tracker.get_slot("fallback_count") or 0) + 1
        if should_hand_over(misses):
            return await hand_over(dispatcher, tracker, "misunderstanding")
        try:
            kb = knowledge(tracker)
        except (UnknownApp, NoAppConfigured) as error:
            dispatcher.utter_message(text=unknown_app_message(error))
            return []
        choices = clarify.options(tracker.latest_message.get("intent_ranking") or [])
        if misses == 1 and choices:
            reply = clarify.clarify_reply(choices, tracker.latest_message.get("entities") or [])
            say(dispatcher, reply)
            return [SlotSet("fallback_count", misses),
                    SlotSet("offered_request", CLARIFY_PREFIX + choices[0][0])]
        reply = fallback_reply(kb, latest_text(tracker), misses)
        say(dispatcher, reply)
        return [SlotSet("fallback_count", misses), SlotSet("offered_request", reply.offer)]


class ActionDeclineOutOfScope(Action):
    def name(self) -> Text:
        return "action_decline_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            dispatcher.utter_message(text=out_of_scope_reply(knowledge(tracker)))
        except (UnknownApp, NoAppConfigured) as error:
            dispatcher.utter_message(text=unknown_app_message(error))
        return [SlotSet("fallback_count", 0)]

