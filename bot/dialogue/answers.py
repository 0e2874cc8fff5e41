"""Answers to policy questions and self-service how-tos, composed from an app's knowledge base.

Every answer is short, names the policy section it rests on, and gives settings paths as numbered
steps in the variant for the user's platform. What the policy does not say is said to be absent,
with the app's contact channels instead — never invented.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from bot.dialogue.vocabulary import (
    CHANNEL_LABELS,
    DATA_CATEGORY_LABELS,
    PERMISSION_LABELS,
    PLATFORM_LABELS,
    QUESTION_TOPICS,
    REQUEST_TYPE_LABELS,
    SELF_SERVICE_TOPICS,
    Topic,
)

MAX_QUOTE_CHARS = 160
MAX_CANCELLATION_ITEMS = 2
MAX_SDKS_LISTED = 5
CONTACT_KIND_LABELS = {
    "privacy_officer": "个人信息保护负责人", "email": "邮箱", "phone": "电话",
    "online_service": "在线客服", "address": "地址", "url": "网址",
}
QUALIFIER_LABELS = {
    "data_category": DATA_CATEGORY_LABELS, "channel": CHANNEL_LABELS, "permission": PERMISSION_LABELS,
}
YES_NO_BUTTONS = (("好的，帮我办理", "/affirm"), ("不用了", "/deny"))


@dataclass(frozen=True)
class Question:
    """What the user asked, as the NLU and the channel understood it."""

    intent: str
    text: str = ""
    platform: str = "app"
    data_categories: Tuple[str, ...] = ()
    channels: Tuple[str, ...] = ()
    permissions: Tuple[str, ...] = ()

    def qualifier(self, entity: Optional[str]) -> Optional[str]:
        values = {"data_category": self.data_categories, "channel": self.channels,
                  "permission": self.permissions}.get(entity or "", ())
        return values[0] if values else None


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: Tuple[Tuple[str, str], ...] = ()
    offer: Optional[str] = None                  # request type a "好的" would start
    offer_details: Tuple[str, ...] = ()          # its categories / channels
    sections: Tuple[str, ...] = field(default=())  # policy sections cited


def answer(kb, question: Question) -> Reply:
    """The reply to a policy question or a self-service how-to."""
    if question.intent in SELF_SERVICE_TOPICS:
        return _self_service_answer(kb, question, SELF_SERVICE_TOPICS[question.intent])
    if question.intent == "ask_contact":
        return _contact_answer(kb)
    if question.intent == "ask_response_time":
        return _response_time_answer(kb)
    if question.intent in QUESTION_TOPICS:
        return _clause_answer(kb, question, QUESTION_TOPICS[question.intent])
    raise ValueError(f"no policy answer for intent {question.intent!r}")


# self-service paths ---------------------------------------------------------------------------

def _self_service_answer(kb, question: Question, topic: Topic) -> Reply:
    qualifier = question.qualifier(topic.qualifier)
    paths = kb.paths(topic.name, platform=question.platform,
                     **({_kb_keyword(topic.qualifier): qualifier} if qualifier else {}))
    task = _task_label(topic, qualifier)
    lines, sections = [], []
    if paths:
        best = paths[0]
        if best.kind == "instruction":
            lines.append(f"{task}的方法：{'，'.join(best.steps)}。")
        else:
            lines.append(_path_heading(task, best.platform, question.platform))
            lines += [f"{number}. {step}" for number, step in enumerate(best.steps, 1)]
        if best.note:
            lines.append(f"（{best.note}）")
        sections.append(best.section)
    else:
        lines.append(f"抱歉，{kb.name}的隐私政策没有写明{task}的具体操作路径。")
        clause = _pathless_clause(kb, question, topic.name)
        if clause is not None:
            lines.append(quote(clause.text))
            sections.append(clause.section)
        contact = contact_line(kb)
        if contact:
            lines.append(f"您可以通过以下方式联系{kb.name}办理：{contact}")
    if topic.name == "account_deletion":
        cooling = cooling_off_line(kb)
        if cooling:
            lines.append(cooling)
    return _with_citation_and_offer(lines, sections, topic, qualifier)


def _pathless_clause(kb, question: Question, topic: str):
    """A passage to quote after "没有写明…路径" — never one that holds a path (it would contradict
    the reply)."""
    best = _best_clause(kb, question, topic)
    for clause in [best] + kb.clauses_for(topic):
        if clause is not None and not _holds_path(kb, clause.text):
            return clause
    return None


def _holds_path(kb, text: str) -> bool:
    return any(path.quote and (path.quote in text or text in path.quote) for path in kb.all_paths) or any(
        len(path.steps) > 1 and all(step in text for step in path.steps) for path in kb.all_paths)


def _kb_keyword(entity: Optional[str]) -> str:
    return {"data_category": "category", "channel": "channel", "permission": "permission"}[entity]


def _task_label(topic: Topic, qualifier: Optional[str]) -> str:
    if qualifier is None:
        return topic.label
    label = QUALIFIER_LABELS[topic.qualifier][qualifier]
    if topic.name == "unsubscribe":
        return f"退订{label}"
    if topic.name == "permissions":
        return f"管理{label}权限"
    if topic.name == "delete_info":
        return f"删除{label}"
    return f"查看或更正{label}"


def _path_heading(task: str, path_platform: str, user_platform: str) -> str:
    where = PLATFORM_LABELS.get(path_platform, path_platform)
    if path_platform == user_platform or (path_platform == "app" and user_platform in ("ios", "android")):
        return f"{task}，请在{where}中按以下步骤操作："
    return f"{task}：隐私政策写明的是{where}上的路径，步骤如下："


def _with_citation_and_offer(
    lines: list, sections: Sequence[str], topic: Topic, qualifier: Optional[str]
) -> Reply:
    if sections:
        lines.append(f"（依据：{sections[0]}）")
    if topic.offer is None:
        return Reply("\n".join(lines), sections=tuple(sections))
    lines.append(f"需要我直接帮您提交“{REQUEST_TYPE_LABELS[topic.offer]}”申请吗？")
    return Reply(
        "\n".join(lines), YES_NO_BUTTONS, topic.offer,
        (qualifier,) if qualifier else (), tuple(sections),
    )


# questions answered from clauses --------------------------------------------------------------

def _clause_answer(kb, question: Question, topic: str) -> Reply:
    clause = _best_clause(kb, question, topic)
    if clause is None:
        contact = contact_line(kb)
        text = f"抱歉，{kb.name}的隐私政策中没有找到这方面的说明。"
        return Reply(text + (f"\n您可以联系：{contact}" if contact else ""))
    lines = [quote(clause.text)]
    lines += _topic_facts(kb, topic)
    lines.append(f"（依据：{clause.section}）")
    return Reply("\n".join(lines), sections=(clause.section,))


def _best_clause(kb, question: Question, topic: str):
    """The passage to quote: the one about the user's own words within the topic (a partner, a
    court, recovering a cancelled account), else the topic's lead passage."""
    return kb.passage_for(topic, question.text)


def _topic_facts(kb, topic: str) -> list:
    if topic == "third_party_sharing" and kb.sdks:
        names = "、".join(sdk.name for sdk in kb.sdks[:MAX_SDKS_LISTED])
        more = f"等 {len(kb.sdks)} 个" if len(kb.sdks) > MAX_SDKS_LISTED else ""
        return [f"接入的第三方 SDK 包括：{names}{more}。"]
    if topic == "storage_retention" and kb.retention:
        return [f"保存期限：{rule.subject}——{rule.period}。" for rule in kb.retention[:2]]
    if topic == "minors" and kb.minors is not None and kb.minors.ages:
        ages = "、".join(f"{age}周岁" for age in kb.minors.ages)
        return [f"政策中涉及的年龄界限：{ages}。"]
    return []


def _contact_answer(kb) -> Reply:
    contact = contact_line(kb)
    if not contact:
        return Reply(f"抱歉，{kb.name}的隐私政策中没有列出专门的联系方式，建议您通过应用内的在线客服咨询。")
    section = kb.contacts[0].section
    return Reply(f"您可以通过以下方式联系{kb.name}：\n{contact}\n（依据：{section}）", sections=(section,))


def contact_line(kb, kinds: Optional[Sequence[str]] = None) -> str:
    """The app's contact channels (of ``kinds``, default all) in one line, privacy officer first."""
    order = list(CONTACT_KIND_LABELS)
    contacts = sorted((c for c in kb.contacts if kinds is None or c.kind in kinds),
                      key=lambda c: order.index(c.kind) if c.kind in order else len(order))
    shown: list = []
    for contact in contacts:
        if not any(contact.value in text for text in shown):  # the officer's email, listed again
            shown.append(_contact_text(contact))
    return "；".join(shown[:4])


def _contact_text(contact) -> str:
    label = CONTACT_KIND_LABELS.get(contact.kind, contact.kind)
    # values that already name their channel ("个人信息保护负责人邮箱 x@y", "微信客服 zuji02",
    # "特购在线客服") are not labelled again ("在线客服：在线客服")
    if contact.kind == "privacy_officer" or label in contact.value or re.search(r"客服|微信|QQ|公众号|反馈", contact.value):
        return contact.value
    if contact.kind == "online_service" and "›" in contact.value:
        return f"应用内“{contact.value}”"
    return f"{label}：{contact.value}"


def _response_time_answer(kb) -> Reply:
    deadline = kb.response_deadline
    own = [d for d in kb.other_deadlines if d.applies_to]
    if deadline is None and not own:
        contact = contact_line(kb)
        return Reply(f"{kb.name}的隐私政策没有写明答复期限。" + (f"\n您可以联系：{contact}" if contact else ""))
    lines, sections = [], []
    if deadline is not None:
        lines += [f"{kb.name}的隐私政策写明在 {deadline.days} {_unit(deadline)}内答复您的请求。", f"“{quote(deadline.quote)}”"]
        sections.append(deadline.section)
    else:
        lines.append(f"{kb.name}的隐私政策没有写明一般请求的答复期限，只写明了：")
    for item in own[:2]:
        lines.append(f"{REQUEST_TYPE_LABELS.get(item.applies_to, item.applies_to)}：{item.days} {_unit(item)}内（“{quote(item.quote)}”）")
        sections.append(item.section)
    lines.append(f"（依据：{sections[0]}）")
    return Reply("\n".join(lines), sections=tuple(sections))


def _unit(deadline) -> str:
    return "个工作日" if deadline.working_days else "天"


# facts of a request flow, from the app's policy ----------------------------------------------

def cooling_off_line(kb) -> Optional[str]:
    """The policy's cooling-off (冷静期/冻结期) after a cancellation request, with its section."""
    cooling = kb.cooling_off
    if cooling is None:
        return None
    return f"依据{kb.name}的隐私政策，注销申请提交后有 {cooling.days} 天冷静期（“{quote(cooling.quote)}”，{cooling.section}）。"


def transaction_retention_line(kb, legal_minimum_years: int) -> str:
    """How long transaction records outlive the account: the app's own period with its section,
    or — when its policy names none — the legal minimum, said as the law's."""
    rule = kb.transaction_retention()
    if rule is not None:
        return f"{kb.name}的隐私政策写明：“{quote(rule.quote)}”（{rule.section}）"
    return (f"{kb.name}的隐私政策未写明交易记录的保存期限；依照《电子商务法》第三十一条，"
            f"交易记录自交易完成之日起保存不少于 {legal_minimum_years} 年（法律规定的最低要求）。")


def cancellation_lines(kb) -> List[str]:
    """What the policy's cancellation notice says the user loses and must meet, else the one
    consequence every cancellation has."""
    terms = kb.cancellation
    if terms is None or not (terms.consequences or terms.conditions):
        return ["注销后您将无法再登录和使用该账号。"]
    lines = []
    if terms.consequences:
        lines.append("注销后：" + "；".join(terms.consequences[:MAX_CANCELLATION_ITEMS]) +
                     ("等" if len(terms.consequences) > MAX_CANCELLATION_ITEMS else "") + f"（{terms.section}）")
    if terms.conditions:
        lines.append("注销需满足的条件包括：" + "；".join(terms.conditions[:MAX_CANCELLATION_ITEMS]) +
                     ("等" if len(terms.conditions) > MAX_CANCELLATION_ITEMS else "") + f"（{terms.section}）")
    return lines


_SENTENCE_END = re.compile(r"(?<=[。！？；;])")
_LIST_MARKER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十\d]+条\s*|[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[a-zA-Z])\s*[)）]\s*|"
    r"(?:\d{1,2}(?:\.\d{1,2})*|[一二三四五六七八九十]{1,3}|[a-zA-Z])\s*[、.．)）]\s*(?!\d)|[●•▪■◆◇○◎★☆►▶·]\s*)")
_CLAUSE_BREAK = re.compile(r"(?<=[，,：:])")


def quote(text: str) -> str:
    """The leading whole sentences of ``text`` that fit in a few lines, without the list marker
    in front; a single over-long sentence is cut after a comma, with "…"."""
    text = _LIST_MARKER.sub("", re.sub(r"\s+", " ", text).strip(), count=1)
    quoted = ""
    for sentence in _SENTENCE_END.split(text):
        if quoted and len(quoted) + len(sentence) > MAX_QUOTE_CHARS:
            break
        quoted += sentence
    if len(quoted) > MAX_QUOTE_CHARS + 40:
        cut = ""
        for part in _CLAUSE_BREAK.split(quoted):
            if cut and len(cut) + len(part) > MAX_QUOTE_CHARS:
                break
            cut += part
        quoted = (cut if len(cut) <= MAX_QUOTE_CHARS + 40 else quoted[:MAX_QUOTE_CHARS]).rstrip("，,：:、 ") + "…"
    return quoted
