"""Suggested replies for a user message, composed by the assistant's own answer logic.

For the message's top intents (Rasa's ranking) the assistant's answer is composed with
``bot.dialogue.answers.answer`` — the same words, policy clause and settings path the bot would
give — for the user's platform and the entities the message names. A "do it for me" intent gets
the matching how-to (what the user can do themselves; the next best action does it for them). A
greeting, thanks, a goodbye or an out-of-scope question, when it is the top intent, gets a short
reply in the agent's voice; an unsure message also gets the best policy passage found for it.

A bare follow-up ("那邮件呢？", intent ``inform``) is read as the previous user message's question
with the new entities, as the bot reads it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from bot.dialogue.answers import Question, answer, contact_line, quote
from bot.dialogue.vocabulary import (
    QUESTION_TOPICS, REQUEST_TYPE_LABELS, SELF_SERVICE_TOPICS, STATUS_LABELS, platform_in,
)

MAX_SUGGESTIONS = 3
FALLBACK_INTENT = "nlu_fallback"
FOLLOW_UP_INTENT = "inform"
POLICY_SEARCH = "policy_search"
MIN_SEARCH_COVERAGE = 0.5
ANSWERABLE = frozenset(SELF_SERVICE_TOPICS) | frozenset(QUESTION_TOPICS)
# "do it for me" → the how-to the assistant answers with
REQUEST_ANSWERS = {"request_account_deletion": "how_delete_account", "request_info_deletion": "how_delete_info",
                   "request_data_export": "how_get_data_copy", "request_unsubscribe": "how_unsubscribe"}
QUALIFIER_ENTITIES = ("data_category", "channel", "permission")
_KB_KEYWORDS = {"data_category": "category", "channel": "channel", "permission": "permission"}
# replies in the agent's own voice, offered only when the intent is the message's top one
AGENT_PHRASES = {
    "greet": "您好，我是人工客服，很高兴为您服务。请问有什么可以帮您？",
    "bot_challenge": "您好，现在是人工客服在为您服务。请问有什么可以帮您？",
    "human_handoff": "您好，我是人工客服，已经看到您之前的对话记录。请问还有什么需要帮您处理的？",
    "thank": "不客气！还有其他可以帮您的吗？",
    "goodbye": "感谢您的咨询，祝您生活愉快！如有其他问题，欢迎随时联系我们。",
    "report_privacy_incident": ("非常抱歉给您带来困扰。请您先修改登录密码，不要向任何人透露验证码。"
                                "能具体说说发生了什么吗？我来帮您处理。"),
}


@dataclass(frozen=True)
class Parsed:
    """A message as the NLU understood it."""

    text: str
    intent: str
    confidence: float
    ranking: tuple = ()  # ((intent, confidence), ...), best first
    entities: dict = field(default_factory=dict)  # entity → canonical values, in message order

    @classmethod
    def from_rasa(cls, data: dict) -> "Parsed":
        intent = data.get("intent") or {}
        ranking = tuple((r.get("name"), float(r.get("confidence") or 0.0))
                        for r in data.get("intent_ranking") or [] if r.get("name"))
        entities: dict = {}
        for entity in data.get("entities") or []:
            name, value = entity.get("entity"), entity.get("value")
            if isinstance(name, str) and isinstance(value, str) and value not in entities.get(name, ()):
                entities[name] = entities.get(name, ()) + (value,)
        return cls(data.get("text") or "", intent.get("name") or FALLBACK_INTENT,
                   float(intent.get("confidence") or 0.0), ranking or ((intent.get("name"), 0.0),), entities)

    def values(self, entity: str) -> tuple:
        return tuple(self.entities.get(entity, ()))


@dataclass(frozen=True)
class Suggestion:
    intent: str
    confidence: float
    text: str
    sections: tuple = ()
    steps: tuple = ()

    def view(self) -> dict:
        return {"intent": self.intent, "confidence": round(self.confidence, 3), "text": self.text,
                "sections": list(self.sections), "steps": list(self.steps)}


def with_follow_up(parsed: Parsed, previous: Optional[Parsed]) -> Parsed:
    """A bare value after a question ("那邮件呢？") asks that question again with the new value."""
    if parsed.intent != FOLLOW_UP_INTENT or previous is None:
        return parsed
    asked = REQUEST_ANSWERS.get(previous.intent, previous.intent)
    if asked not in ANSWERABLE:
        return parsed
    entities = {**{k: v for k, v in previous.entities.items() if k in QUALIFIER_ENTITIES}, **parsed.entities}
    ranking = ((asked, parsed.confidence),) + tuple(r for r in previous.ranking if r[0] != asked)
    return Parsed(parsed.text, asked, parsed.confidence, ranking, entities)


def suggest(kb, parsed: Parsed, platform: str, requests: Sequence[dict] = ()) -> list[Suggestion]:
    """Up to three suggested replies, best first, for one user message."""
    platform = platform_in(parsed.text) or platform
    suggestions: list[Suggestion] = []
    answered: set = set()
    for rank, (intent, confidence) in enumerate(parsed.ranking):
        if len(suggestions) >= MAX_SUGGESTIONS:
            break
        target = REQUEST_ANSWERS.get(intent, intent)
        if target in answered:
            continue
        suggestion = None
        if target in ANSWERABLE:
            suggestion = _policy_answer(kb, parsed, target, confidence, platform)
        elif rank == 0:  # small talk only when sure of it: an unsure question is no greeting
            suggestion = _agent_reply(kb, intent, confidence, requests)
        if suggestion is not None:
            answered.add(target)
            suggestions.append(suggestion)
    if len(suggestions) < MAX_SUGGESTIONS and parsed.intent == FALLBACK_INTENT:
        found = _policy_search(kb, parsed.text)
        if found is not None:
            suggestions.append(found)
    return suggestions


def _policy_answer(kb, parsed: Parsed, intent: str, confidence: float, platform: str) -> Suggestion:
    question = Question(intent=intent, text=parsed.text, platform=platform,
                        data_categories=parsed.values("data_category"), channels=parsed.values("channel"),
                        permissions=parsed.values("permission"))
    reply = answer(kb, question)
    return Suggestion(intent, confidence, reply.text, tuple(reply.sections), _steps(kb, question))


def _steps(kb, question: Question) -> tuple:
    """The settings path the answer walks the user through, as steps (self-service intents)."""
    topic = SELF_SERVICE_TOPICS.get(question.intent)
    if topic is None:
        return ()
    qualifier = question.qualifier(topic.qualifier)
    keyword = {_KB_KEYWORDS[topic.qualifier]: qualifier} if qualifier else {}
    paths = kb.paths(topic.name, platform=question.platform, **keyword)
    return tuple(paths[0].steps) if paths else ()


def _agent_reply(kb, intent: str, confidence: float, requests: Sequence[dict]) -> Optional[Suggestion]:
    if intent in AGENT_PHRASES:
        return Suggestion(intent, confidence, AGENT_PHRASES[intent])
    if intent == "out_of_scope":
        contact = contact_line(kb, kinds=("phone", "online_service"))
        where = f"请联系{kb.name}客服：{contact}" if contact else f"请通过{kb.name}应用内的在线客服咨询"
        return Suggestion(intent, confidence, "抱歉，这边是个人信息保护服务，订单、物流、退款、登录等问题"
                                              f"不在服务范围内，{where}。")
    if intent == "check_request_status":
        return Suggestion(intent, confidence, status_reply(requests))
    if intent == "cancel_request":
        cancellable = [r for r in requests if r.get("cancellable")]
        if cancellable:
            first = cancellable[0]
            return Suggestion(intent, confidence, f"您是想撤回申请 {first['id']}（{_type_label(first)}）吗？"
                                                  "确认后我为您办理。")
        return Suggestion(intent, confidence, "请问您要撤回的是哪一份申请？请提供申请编号（形如 PR-XXXXXXXXXX）。")
    return None


def status_reply(requests: Sequence[dict]) -> str:
    """The user's requests, in a few lines: status and due date (or the reason it was rejected)."""
    if not requests:
        return "请您提供申请编号（形如 PR-XXXXXXXXXX），我来为您查询办理进度。"
    lines = ["为您查询到以下申请："]
    for request in list(requests)[:3]:
        line = f"{request['id']}（{_type_label(request)}）：{STATUS_LABELS.get(request['status'], request['status'])}"
        if request.get("due_date") and request["status"] in ("pending", "in_progress"):
            line += f"，预计 {request['due_date']} 前办结"
        if request.get("rejection_reason"):
            line += f"，原因：{request['rejection_reason']}"
        lines.append(line + "。")
    return "\n".join(lines)


def _type_label(request: dict) -> str:
    return REQUEST_TYPE_LABELS.get(request.get("type"), request.get("type") or "")


def _policy_search(kb, text: str) -> Optional[Suggestion]:
    hits = kb.search(text, k=1, min_coverage=MIN_SEARCH_COVERAGE) if text.strip() else []
    if not hits:
        return None
    hit = hits[0]
    return Suggestion(POLICY_SEARCH, 0.0, f"{quote(hit.text)}\n（依据：{hit.section}）", (hit.section,))
