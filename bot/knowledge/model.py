"""What the bot knows about one app, as the dialogue layer and the backend use it.

Built from ``knowledge.yml`` (plus the operator's overrides) by ``bot.knowledge.store``; nothing
here reads the policy text. Items are frozen dataclasses; every one carries the section title it
came from so answers can cite it.
"""
from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.knowledge.vocab import (
    CATEGORIES, CHANNELS, CONTACT_KINDS, PATH_KINDS, PATH_TOPICS, PERMISSIONS, PERSONALIZATION_KINDS, PLATFORMS,
    QUESTION_TOPICS, path_kind,
)


class InvalidKnowledge(ValueError):
    """knowledge.yml or overrides.yml does not have the expected shape (the message says where)."""


@dataclass(frozen=True)
class Deadline:
    """A reply or handling deadline the policy states. ``applies_to`` is the request type it is
    written for (a copy within 10 working days: "data_export"), None for the general one."""
    days: int
    working_days: bool
    section: str
    quote: str
    applies_to: Optional[str] = None


@dataclass(frozen=True)
class Period:
    days: int
    section: str
    quote: str


@dataclass(frozen=True)
class SettingsPath:
    """A way to do something the policy describes. ``kind`` says how to phrase it: "menu" — the
    steps are UI labels to navigate in order (我的 › 设置 › 账号注销); "instruction" — the step is
    an action to perform (回复“TD”, 根据短信内容提示)."""
    topic: str
    qualifier: Optional[str]
    platform: str
    steps: Tuple[str, ...]
    note: Optional[str]
    section: str
    quote: str
    kind: str = "menu"
    purpose: Optional[str] = None     # the policy's verb for what it does: 关闭, 删除, 查看…
    subject: Optional[str] = None     # what the policy says it is for: 观看记录, 营销短信…


@dataclass(frozen=True)
class Contact:
    kind: str
    value: str
    section: str
    quote: str = ""


@dataclass(frozen=True)
class RetentionRule:
    subject: str
    period: str
    days: Optional[int]
    section: str
    quote: str


@dataclass(frozen=True)
class Sdk:
    name: str
    purpose: Optional[str]
    data: Optional[str]
    section: str
    package: Optional[str] = None


@dataclass(frozen=True)
class MinorsRule:
    ages: Tuple[int, ...]
    section: str
    quote: str


@dataclass(frozen=True)
class CancellationTerms:
    """What the policy (often its 注销须知) says about cancelling an account: the conditions the
    account must meet and what the user loses, each as the policy words it."""
    conditions: Tuple[str, ...]
    consequences: Tuple[str, ...]
    section: str
    quote: str


@dataclass(frozen=True)
class Clause:
    section: str
    text: str
    topics: Tuple[str, ...] = ()
    superseded: bool = False


@dataclass(frozen=True)
class Hit:
    """A passage found for a question.

    ``score`` is the BM25 score (topic-boosted): it ranks the hits of one search and means
    nothing across apps or questions. ``coverage`` (0–1) says how much of the question the
    passage covers, comparably everywhere: the share of the question's informative words —
    normalised, stopwords and question words (怎么, 吗, 多少…) left out — that the passage (or its
    section title) contains, itself or through a synonym (删号 → 注销, 帐户 → 账号), each word
    weighted by how rare it is among the app's passages, so that a passage sharing only a word
    every passage has (信息) covers little, and a word the policy never uses counts fully against
    every passage. A long word the passage lacks counts by the share of its parts it has
    (刷脸登录 → 刷脸, 登录). 1.0: every word is there; around 0.5 or less: the passage shares only
    part of the question — e.g. 1号店's "● 支付信息…（如，银行账号）" for "怎么注销账号" has 0.36,
    holding 账号 but not 注销.
    """
    section: str
    text: str
    score: float
    coverage: float = 1.0


QUALIFIERS = frozenset(CATEGORIES + CHANNELS + PERMISSIONS + PERSONALIZATION_KINDS)
REQUEST_TYPES: Tuple[str, ...] = ("account_deletion", "info_deletion", "data_export", "unsubscribe")
# Categories a user can ask to have deleted (the account itself is account_deletion).
_NOT_DELETABLE = frozenset({"account_info", "phone_number"})
_TRANSACTION_SUBJECT = re.compile(r"交易|订单|商品和服务信息")
_CANCELLATION_CONTEXT = re.compile(r"注销")


def _platform_rank(platform: str, wanted: Optional[str]) -> int:
    if platform == wanted:
        return 0
    if platform == "app":
        return 1
    return 2


@dataclass(frozen=True)
class KnowledgeBase:
    app_id: str
    name: str
    effective_date: Optional[datetime.date]
    updated_date: Optional[datetime.date]
    response_deadline: Optional[Deadline]
    cooling_off: Optional[Period]
    contacts: List[Contact]
    retention: List[RetentionRule]
    sdks: List[Sdk]
    minors: Optional[MinorsRule]
    other_deadlines: List[Deadline] = field(default_factory=list)
    cancellation: Optional[CancellationTerms] = None
    all_paths: Tuple[SettingsPath, ...] = field(default=(), repr=False)
    answers: Mapping[str, Tuple[Clause, ...]] = field(default_factory=dict, repr=False)
    clauses: Tuple[Clause, ...] = field(default=(), repr=False)

    def paths(self, topic: str, *, category: Optional[str] = None, channel: Optional[str] = None,
              permission: Optional[str] = None, platform: Optional[str] = None) -> List[SettingsPath]:
        """Paths for ``topic``, best first: exact qualifier before unqualified, then the exact
        platform, then the generic mobile-app variant, then the others; policy order within."""
        if topic not in PATH_TOPICS:
            raise ValueError(f"unknown path topic {topic!r}; expected one of {', '.join(PATH_TOPICS)}")
        if platform is not None and platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")
        wanted = category or channel or permission
        ranked = []
        for order, path in enumerate(self.all_paths):
            if path.topic != topic:
                continue
            # an unqualified path serves every qualifier only when it names no record of its own
            if wanted is not None and path.qualifier != wanted and (path.qualifier or path.subject):
                continue
            qualifier_rank = 0 if wanted is None or path.qualifier == wanted else 1
            ranked.append((qualifier_rank, _platform_rank(path.platform, platform), order, path))
        ranked.sort(key=lambda item: item[:3])
        return [item[-1] for item in ranked]

    def deletable_categories(self) -> List[Tuple[str, str]]:
        """(category, the policy's word for it) for each data category the policy gives a deletion
        path for, in policy order: ("browsing_history", "观看记录") for a video app."""
        found: Dict[str, str] = {}
        for path in self.all_paths:
            if path.topic == "delete_info" and path.qualifier and path.qualifier not in _NOT_DELETABLE:
                found.setdefault(path.qualifier, path.subject or path.qualifier)
        return list(found.items())

    def deadline_for(self, request_type: str) -> Optional[Deadline]:
        """The deadline the policy publishes for ``request_type`` (account_deletion, info_deletion,
        data_export, unsubscribe): its own if the policy states one, else the general one, else None."""
        if request_type not in REQUEST_TYPES:
            raise ValueError(f"unknown request type {request_type!r}; expected one of {', '.join(REQUEST_TYPES)}")
        for deadline in [self.response_deadline, *self.other_deadlines]:
            if deadline is not None and deadline.applies_to == request_type:
                return deadline
        return self.response_deadline

    def transaction_retention(self) -> Optional[RetentionRule]:
        """How long the policy says transaction records are kept (after cancellation when it says
        so), or None when it names no period for them."""
        rules = [rule for rule in self.retention if rule.days and _TRANSACTION_SUBJECT.search(rule.subject)]
        after_cancellation = [rule for rule in rules
                              if _CANCELLATION_CONTEXT.search(rule.quote) or _CANCELLATION_CONTEXT.search(rule.section)]
        return (after_cancellation or rules or [None])[0]

    def clauses_for(self, topic: str) -> List[Clause]:
        """Policy passages answering a question topic, best first."""
        if topic not in QUESTION_TOPICS:
            raise ValueError(f"unknown question topic {topic!r}; expected one of {', '.join(QUESTION_TOPICS)}")
        return list(self.answers.get(topic, ()))

    def passage_for(self, topic: str, question: str = "") -> Optional[Clause]:
        """The passage to quote for a question on ``topic``: the one about the user's own words
        within the topic (a partner, a court, recovering a cancelled account) when one covers
        them clearly better, else the topic's lead passage; None when the policy does not
        address the topic."""
        clauses = self.clauses_for(topic)
        lead = clauses[0] if clauses else None
        if not question.strip() or lead is None:
            return lead
        return self._index.best_within(topic, question, lead)

    def search(self, question: str, k: int = 3, topic: Optional[str] = None,
               min_coverage: float = 0.0) -> List[Hit]:
        """The ``k`` passages that best match ``question`` (BM25 over jieba tokens), best first;
        hits whose ``coverage`` is below ``min_coverage`` are left out (see ``Hit``)."""
        if topic is not None and topic not in QUESTION_TOPICS:
            raise ValueError(f"unknown question topic {topic!r}; expected one of {', '.join(QUESTION_TOPICS)}")
        if not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be between 0 and 1, not {min_coverage!r}")
        return self._index.search(question, k=k, topic=topic, min_coverage=min_coverage)

    @functools.cached_property
    def _index(self):
        from bot.knowledge.retrieval import ClauseIndex
        return ClauseIndex(self.clauses)


# --- from knowledge.yml ------------------------------------------------------------------------

def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise InvalidKnowledge(f"{where}: missing field {key!r}")
    return mapping[key]


def _date(value: Any, where: str) -> Optional[datetime.date]:
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidKnowledge(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _deadline(data: Any, where: str) -> Optional[Deadline]:
    if data is None:
        return None
    applies_to = data.get("applies_to")
    if applies_to is not None and applies_to not in REQUEST_TYPES:
        raise InvalidKnowledge(f"{where}: unknown request type {applies_to!r}; expected one of {', '.join(REQUEST_TYPES)}")
    return Deadline(days=int(_require(data, "days", where)), working_days=bool(data.get("working_days", False)),
                    section=str(data.get("section", "")), quote=str(data.get("quote", "")), applies_to=applies_to)


def _cancellation(data: Any) -> Optional[CancellationTerms]:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidKnowledge("cancellation: expected a mapping")
    return CancellationTerms(conditions=tuple(str(c) for c in data.get("conditions") or ()),
                             consequences=tuple(str(c) for c in data.get("consequences") or ()),
                             section=str(data.get("section", "")), quote=str(data.get("quote", "")))


def _path(data: Mapping[str, Any], where: str) -> SettingsPath:
    topic = _require(data, "topic", where)
    platform = data.get("platform") or "app"
    qualifier = data.get("qualifier")
    steps = _require(data, "steps", where)
    kind = data.get("kind")
    if topic not in PATH_TOPICS:
        raise InvalidKnowledge(f"{where}: unknown topic {topic!r}")
    if platform not in PLATFORMS:
        raise InvalidKnowledge(f"{where}: unknown platform {platform!r}")
    if qualifier is not None and qualifier not in QUALIFIERS:
        raise InvalidKnowledge(f"{where}: unknown qualifier {qualifier!r}")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s for s in steps):
        raise InvalidKnowledge(f"{where}: steps must be a non-empty list of labels")
    if kind is not None and kind not in PATH_KINDS:
        raise InvalidKnowledge(f"{where}: unknown kind {kind!r}; expected one of {', '.join(PATH_KINDS)}")
    return SettingsPath(topic=topic, qualifier=qualifier, platform=platform, steps=tuple(steps),
                        note=data.get("note"), section=str(data.get("section", "")),
                        quote=str(data.get("quote", "")), kind=kind or path_kind(steps),
                        purpose=data.get("purpose"), subject=data.get("subject"))


def _contact(data: Mapping[str, Any], where: str) -> Contact:
    kind = _require(data, "kind", where)
    if kind not in CONTACT_KINDS:
        raise InvalidKnowledge(f"{where}: unknown contact kind {kind!r}")
    return Contact(kind=kind, value=str(_require(data, "value", where)), section=str(data.get("section", "")),
                   quote=str(data.get("quote", "")))


def _clause(data: Mapping[str, Any], where: str) -> Clause:
    return Clause(section=str(data.get("section", "")), text=str(_require(data, "text", where)),
                  topics=tuple(data.get("topics") or ()), superseded=bool(data.get("superseded", False)))


def _items(data: Mapping[str, Any], key: str) -> List[Mapping[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise InvalidKnowledge(f"{key}: expected a list")
    return value


def knowledge_base(data: Mapping[str, Any]) -> KnowledgeBase:
    """A KnowledgeBase from knowledge.yml's structure (overrides already applied)."""
    if not isinstance(data, Mapping):
        raise InvalidKnowledge("knowledge.yml: expected a mapping at the top level")
    minors = data.get("minors")
    cooling = data.get("cooling_off")
    return KnowledgeBase(
        app_id=str(_require(data, "app_id", "knowledge.yml")),
        name=str(data.get("name") or data["app_id"]),
        effective_date=_date(data.get("effective_date"), "effective_date"),
        updated_date=_date(data.get("updated_date"), "updated_date"),
        response_deadline=_deadline(data.get("response_deadline"), "response_deadline"),
        cooling_off=None if cooling is None else Period(
            days=int(_require(cooling, "days", "cooling_off")), section=str(cooling.get("section", "")),
            quote=str(cooling.get("quote", ""))),
        contacts=[_contact(item, f"contacts[{i}]") for i, item in enumerate(_items(data, "contacts"))],
        retention=[RetentionRule(subject=str(_require(item, "subject", f"retention[{i}]")),
                                 period=str(_require(item, "period", f"retention[{i}]")),
                                 days=None if item.get("days") is None else int(item["days"]),
                                 section=str(item.get("section", "")), quote=str(item.get("quote", "")))
                   for i, item in enumerate(_items(data, "retention"))],
        sdks=[Sdk(name=str(_require(item, "name", f"sdks[{i}]")), purpose=item.get("purpose"),
                  data=item.get("data"), section=str(item.get("section", "")), package=item.get("package"))
              for i, item in enumerate(_items(data, "sdks"))],
        minors=None if minors is None else MinorsRule(
            ages=tuple(int(age) for age in _require(minors, "ages", "minors")),
            section=str(minors.get("section", "")), quote=str(minors.get("quote", ""))),
        other_deadlines=[_deadline(item, f"other_deadlines[{i}]")
                         for i, item in enumerate(_items(data, "other_deadlines"))],
        cancellation=_cancellation(data.get("cancellation")),
        all_paths=tuple(_path(item, f"paths[{i}]") for i, item in enumerate(flat_paths(data))),
        answers={topic: tuple(_clause(item, f"answers.{topic}[{i}]") for i, item in enumerate(items or []))
                 for topic, items in grouped_answers(data).items()},
        clauses=tuple(_clause(item, f"clauses[{i}]") for i, item in enumerate(_items(data, "clauses"))),
    )


def flat_paths(data: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """knowledge.yml groups paths by topic for review; the runtime wants one list."""
    grouped = data.get("paths") or {}
    if isinstance(grouped, list):
        return [dict(item) for item in grouped]
    if not isinstance(grouped, Mapping):
        raise InvalidKnowledge("paths: expected a mapping of topic → list of paths")
    flat = []
    for topic, items in grouped.items():
        for item in items or []:
            flat.append({"topic": topic, **item})
    return flat


def grouped_answers(data: Mapping[str, Any]) -> Dict[str, List[Mapping[str, Any]]]:
    """Answers by question topic, from the grouped (knowledge.yml) or flat (overrides) form."""
    answers = data.get("answers") or {}
    if isinstance(answers, Mapping):
        return {topic: list(items or []) for topic, items in answers.items()}
    if not isinstance(answers, list):
        raise InvalidKnowledge("answers: expected a mapping of topic → list of passages")
    grouped: Dict[str, List[Mapping[str, Any]]] = {}
    for index, item in enumerate(answers):
        topic = _require(item, "topic", f"answers[{index}]")
        if topic not in QUESTION_TOPICS:
            raise InvalidKnowledge(f"answers[{index}]: unknown question topic {topic!r}")
        grouped.setdefault(topic, []).append({k: v for k, v in item.items() if k != "topic"})
    return grouped
