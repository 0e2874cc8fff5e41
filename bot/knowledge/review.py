"""What an operator should check in an app's knowledge before users see it
(``python -m bot.knowledge show ID --review``): paths with unusual steps, contacts that look
garbled, path topics with no path, facts with no section, and the deadlines the backend will use.

Each finding is a ``Finding(kind, item, reason)``; none of them is necessarily wrong — they are
the places where extraction from a policy nobody has read is most often wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List

from bot.knowledge.model import KnowledgeBase
from bot.knowledge.vocab import PATH_TOPICS

MAX_STEP = 14
_SENTENCE_STEP = re.compile(r"您|我们|予以|进行|可以|如果|以便|是否")
_PUNCTUATION_STEP = re.compile(r"[()（）\[\]【】“”\"「」,，。;；:：!！?？]")
_GARBLED_VALUE = re.compile(r"^[^\w\u4e00-\u9fff]|[:：]|地址|联系方式")
_ADDRESS_SHAPE = re.compile(r"[省市区县]")


@dataclass(frozen=True)
class Finding:
    kind: str        # path | contact | topic | section | deadline
    item: str
    reason: str


def _path_findings(kb: KnowledgeBase) -> Iterable[Finding]:
    for path in kb.all_paths:
        item = f"{path.topic} [{path.platform}] {' › '.join(path.steps)}"
        for step in path.steps:
            if len(step) > MAX_STEP:
                yield Finding("path", item, f"step “{step}” is long for a menu label")
            elif path.kind == "menu" and _SENTENCE_STEP.search(step):
                yield Finding("path", item, f"step “{step}” reads like part of a sentence")
            elif _PUNCTUATION_STEP.search(step):
                yield Finding("path", item, f"step “{step}” holds punctuation or a bracket")
        if any(a == b for a, b in zip(path.steps, path.steps[1:])):
            yield Finding("path", item, "the same step twice in a row")
        if path.kind == "menu" and len(path.steps) == 1:
            yield Finding("path", item, "a single step: is it the whole way there?")


def _contact_findings(kb: KnowledgeBase) -> Iterable[Finding]:
    for contact in kb.contacts:
        item = f"{contact.kind}: {contact.value}"
        if contact.kind in ("address", "phone", "email", "url") and _GARBLED_VALUE.search(contact.value):
            yield Finding("contact", item, "the value holds a label or starts with punctuation")
        if contact.kind == "address" and not _ADDRESS_SHAPE.search(contact.value):
            yield Finding("contact", item, "does not look like a postal address")
        if contact.kind == "online_service" and contact.value.strip() in ("在线客服", "客服"):
            yield Finding("contact", item, "names the service without saying where to find it")
        if len(contact.value) > 60:
            yield Finding("contact", item, "unusually long")


def _topic_findings(kb: KnowledgeBase) -> Iterable[Finding]:
    for topic in PATH_TOPICS:
        if not kb.paths(topic):
            yield Finding("topic", topic, "no settings path: the bot will say the policy does not write one")


def _section_findings(kb: KnowledgeBase) -> Iterable[Finding]:
    facts = [("deadline", d) for d in [kb.response_deadline, *kb.other_deadlines] if d is not None]
    facts += [("cooling_off", kb.cooling_off)] if kb.cooling_off else []
    facts += [("cancellation", kb.cancellation)] if kb.cancellation else []
    facts += [("minors", kb.minors)] if kb.minors else []
    facts += [("contact", c) for c in kb.contacts] + [("retention", r) for r in kb.retention]
    facts += [("sdk", s) for s in kb.sdks] + [("path", p) for p in kb.all_paths]
    for kind, fact in facts:
        if not getattr(fact, "section", ""):
            yield Finding("section", f"{kind}: {fact}", "no section: the bot cannot cite where it comes from")


def _deadline_findings(kb: KnowledgeBase) -> Iterable[Finding]:
    if kb.response_deadline is None:
        yield Finding("deadline", "response_deadline", "the policy publishes no general reply deadline: "
                      "the backend's 15-working-day target applies and is not presented as the app's")
    for deadline in kb.other_deadlines:
        if deadline.applies_to:
            unit = "个工作日" if deadline.working_days else "天"
            yield Finding("deadline", f"{deadline.applies_to}: {deadline.days} {unit}",
                          f"a deadline for this request type only: “{deadline.quote}”")


def review(kb: KnowledgeBase) -> List[Finding]:
    """Everything an operator should look at, by kind."""
    findings: List[Finding] = []
    for source in (_path_findings, _contact_findings, _topic_findings, _section_findings, _deadline_findings):
        findings.extend(source(kb))
    return findings
