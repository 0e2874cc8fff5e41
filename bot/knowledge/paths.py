"""Settings paths: what each path found in the policy is for (topic and qualifier), where
(platform) and how it is followed (kind: "menu" steps to navigate, or an "instruction" such as
回复“TD”), with the section and sentence it came from.

Context is read from the nearest text outward — the step labels and the "X:" label in front of
the path, then its clause, its paragraph, and finally the titles of its sections — and the first
level that says something decides. A path nothing points to a topic for is dropped rather than
guessed (e.g. "首页-消息", where policy updates are announced).
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Pattern, Tuple

from bot.knowledge.pathfinder import FoundPath, find_paths
from bot.knowledge.sections import Document, Paragraph, clause_spans
from bot.knowledge.vocab import (
    CATEGORY_WORDS, CHANNEL_WORDS, GENERIC_PATH_TOPIC_WORDS, NOT_PERSONAL_DATA, PERMISSION_WORDS,
    PERSONAL_DATA_WORDS, PERSONALIZATION_WORDS, SPECIFIC_PATH_TOPIC_WORDS, TITLE_GENERIC_PATH_TOPIC_WORDS,
    matching, path_kind, platform_markers,
)
from bot.text import normalize

CATEGORY_TOPICS = ("view_or_correct_info", "delete_info", "withdraw_consent")
_CONTACT_STEP = re.compile(r"联系我们|联系客服|在线客服|人工客服|客服中心|^客服$")
_NOT_SETTINGS_STEP = re.compile(r"政策|协议|声明|规则|关于")
_BACK_REFERENCE = re.compile(r"上述|前述|以上|这些|该等")
_SAME_PATH = re.compile(r"(?:此|该|上述|以上|前述)(?:路径|途径|入口|页面)")


class _Context:
    """The texts around one path, nearest first."""

    def __init__(self, paragraph: Paragraph, path: FoundPath) -> None:
        norm = paragraph.norm
        spans = clause_spans(norm)
        index = next((i for i, (a, b) in enumerate(spans) if a <= path.start < b), 0)
        clause_start, clause_end = spans[index] if spans else (0, len(norm))
        self.paragraph = paragraph
        self.path = path
        # The clause without the path itself: "地址管理" must not make a path a "管理" one.
        self.clause = norm[clause_start:path.start] + " " + norm[path.end:clause_end]
        self.previous_clause = norm[spans[index - 1][0]:spans[index - 1][1]] if index > 0 else ""
        # Later sentences that say what "this path" also does (您可通过此路径…进行删除).
        self.same_path = " ".join(norm[a:b] for a, b in spans[index + 1:] if _SAME_PATH.search(norm[a:b]))
        self.quote = paragraph.text[clause_start:clause_end].strip()
        self.steps = normalize(" ".join(path.steps))
        self.last_step = normalize(path.steps[-1])
        chain = paragraph.section.chain
        self.leaf_title = normalize(chain[-1].title) if chain else ""
        self.parent_titles = [normalize(section.title) for section in reversed(chain[:-1])]


def _first_hit(table: Dict[str, Pattern[str]], tiers: Iterable[str]) -> List[str]:
    for text in tiers:
        found = matching(table, text)
        if found:
            return found
    return []


def _topics(context: _Context) -> List[str]:
    """Specific topics (注销, 撤回, 退订…) from the steps outward; the generic rights (view,
    delete) only from text about the user's data. A sentence about the policy itself (我们会在
    “首页-消息”发布本政策的变更) gives no topic at all."""
    for steps in (context.last_step, context.steps):
        specific = matching(SPECIFIC_PATH_TOPIC_WORDS, steps)
        if specific:
            return specific
    if NOT_PERSONAL_DATA.search(context.clause) and not matching(SPECIFIC_PATH_TOPIC_WORDS, context.clause):
        return []
    clause = f"{context.clause} {context.same_path}"
    texts = [(clause, GENERIC_PATH_TOPIC_WORDS), (context.paragraph.norm, GENERIC_PATH_TOPIC_WORDS)]
    texts += [(title, TITLE_GENERIC_PATH_TOPIC_WORDS) for title in [context.leaf_title] + context.parent_titles]
    for text, generic_words in texts:
        specific = matching(SPECIFIC_PATH_TOPIC_WORDS, text)
        if specific:
            return specific
        if PERSONAL_DATA_WORDS.search(text) and not NOT_PERSONAL_DATA.search(text):
            generic = matching(generic_words, text)
            if generic:
                return generic
    return []


def _qualifiers(topic: str, context: _Context) -> List[Optional[str]]:
    nearest = f"{context.path.sublabel} {context.last_step}"
    if topic in CATEGORY_TOPICS:
        tiers = [nearest, context.steps, context.clause, context.leaf_title]
        found = _first_hit(CATEGORY_WORDS, tiers + context.parent_titles)
    elif topic == "unsubscribe":
        tiers = [f"{context.path.sublabel} {context.steps}", context.clause, context.paragraph.norm]
        found = _first_hit(CHANNEL_WORDS, tiers + [context.leaf_title])
    elif topic == "permissions":
        clause = context.clause
        if _BACK_REFERENCE.search(clause) and not matching(PERMISSION_WORDS, clause):
            clause = f"{context.previous_clause} {clause}"
        found = _first_hit(PERMISSION_WORDS, [nearest, clause, context.leaf_title])
    elif topic == "personalization":
        found = _first_hit(PERSONALIZATION_WORDS, [nearest, context.steps, context.clause])
    else:
        found = []
    return list(found) or [None]


def _platform(context: _Context) -> str:
    """The last platform named before the path (in its own lead-in too, e.g. "PC端您可以在“…”"),
    else one in brackets right after it, else in its section titles; "app" when none."""
    path = context.path
    markers = [
        (offset, platform) for offset, platform, marker in platform_markers(context.paragraph.norm[:path.end])
        if offset < path.start or marker.lower() not in context.steps.lower()
    ]
    if markers:
        return markers[-1][1]
    after = context.paragraph.norm[context.path.end:context.path.end + 12]
    markers = platform_markers(after) if after.lstrip().startswith("(") else []
    if markers:
        return markers[0][1]
    for title in [context.leaf_title] + context.parent_titles:
        markers = platform_markers(title)
        if markers:
            return markers[-1][1]
    return "app"


def _is_contact_path(path: FoundPath) -> bool:
    return bool(_CONTACT_STEP.search(normalize(path.steps[-1])))


def extract_paths(document: Document) -> Tuple[List[dict], List[dict]]:
    """(settings paths, in-app contact paths) of a parsed policy, in document order."""
    paths: List[dict] = []
    contact_paths: List[dict] = []
    seen = set()
    for paragraph in document.paragraphs:
        if paragraph.section.superseded:
            continue
        for found in find_paths(paragraph.text, paragraph.norm):
            context = _Context(paragraph, found)
            platform = _platform(context)
            record = {
                "platform": platform,
                "kind": "instruction" if found.kind == "reply" else path_kind(found.steps),
                "steps": list(found.steps),
                "note": "；".join(dict.fromkeys(found.notes)) or None,
                "section": paragraph.section.breadcrumb,
                "quote": context.quote,
            }
            if _is_contact_path(found):
                contact_paths.append(record)
                continue
            if _NOT_SETTINGS_STEP.search(context.last_step):
                continue
            for topic in _topics(context):
                for qualifier in _qualifiers(topic, context):
                    key = (topic, qualifier, platform, tuple(found.steps))
                    if key in seen:
                        continue
                    seen.add(key)
                    paths.append({"topic": topic, "qualifier": qualifier, **record})
    return paths, contact_paths
