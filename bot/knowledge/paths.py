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
    CATEGORY_WORDS, CHANNEL_WORDS, GENERIC_PATH_TOPIC_WORDS, NOT_A_RECORD, NOT_PERSONAL_DATA, OTHER_RECORD,
    PERMISSION_WORDS, PERSONAL_DATA_WORDS, PERSONALIZATION_WORDS, PRODUCT_EDITION, PURPOSE_VERBS,
    SPECIFIC_PATH_TOPIC_WORDS, TITLE_GENERIC_PATH_TOPIC_WORDS, TURN_BACK_ON, TURN_OFF_WORDS, TURN_ON_VERBS, matching, path_kind,
    platform_markers,
)
from bot.text import normalize

CATEGORY_TOPICS = ("view_or_correct_info", "delete_info", "withdraw_consent")
_CONTACT_STEP = re.compile(r"联系我们|联系客服|在线客服|人工客服|客服中心|^客服$|我的客服|帮助与客服$|意见反馈|问题反馈|^反馈$")
_NOT_SETTINGS_STEP = re.compile(r"政策|协议|声明|规则|关于")
_BACK_REFERENCE = re.compile(r"上述|前述|以上|这些|该等")
_SAME_PATH = re.compile(r"(?:此|该|上述|以上|前述)(?:路径|途径|入口|页面)")
# A path that controls who sees what ("…中可以控制你的浏览是否会被作者看到", "不对特定用户展示") is a
# privacy setting: it neither shows the user their data nor deletes it, nor grants a permission.
_VISIBILITY_CONTROL = re.compile(r"控制.{0,30}(?:是否|范围)|不对特定用户|不给谁看|谁可以看|(?:展示|可见|公开)范围")
_NOT_FOR_VISIBILITY = ("view_or_correct_info", "delete_info", "permissions")


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
        self.after = norm[path.end:clause_end]
        self.before = norm[clause_start:path.start]
        sentence_start = max((m.end() for m in re.finditer(r"[。!?]", norm[:path.start])), default=0)
        self.sentence_before = norm[sentence_start:path.start]
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
        if specific == ["permissions"] and not matching(PERMISSION_WORDS, context.steps):
            # "…→隐私权限设置】进行管理，…撤回您的授权": a settings page named after permissions
            # in general is for what its sentence (or heading) says it does
            intent = [topic for topic in matching(SPECIFIC_PATH_TOPIC_WORDS, f"{context.clause} {context.leaf_title}")
                      if topic != "permissions"]
            return intent or specific
        if specific:
            return specific
    if NOT_PERSONAL_DATA.search(context.clause) and not matching(SPECIFIC_PATH_TOPIC_WORDS, context.clause):
        return []
    clause = f"{context.clause} {context.same_path}"
    texts = [(clause, GENERIC_PATH_TOPIC_WORDS), (context.paragraph.norm, GENERIC_PATH_TOPIC_WORDS)]
    texts += [(title, TITLE_GENERIC_PATH_TOPIC_WORDS) for title in [context.leaf_title] + context.parent_titles]
    for text, generic_words in texts:
        specific = matching(SPECIFIC_PATH_TOPIC_WORDS, text)
        if specific == ["permissions"] and text != clause and not _names_permission(clause):
            # the permissions a paragraph or heading is about are not what this path's own
            # sentence does ("…请求通讯录权限…如果您不希望被推荐给朋友，可以在…中选择关闭")
            continue
        if specific:
            return specific
        if PERSONAL_DATA_WORDS.search(text) and not NOT_PERSONAL_DATA.search(text):
            generic = matching(generic_words, text)
            if generic:
                return generic
    return []


def _names_permission(text: str) -> bool:
    return "权限" in text or bool(matching(PERMISSION_WORDS, text))


def _qualifiers(topic: str, context: _Context) -> List[Tuple[Optional[str], Optional[str]]]:
    """(qualifier, subject) pairs: the vocabulary value the path is for, and the words the policy
    uses for it ("观看记录" for browsing_history); a record the vocabulary has no value for gives
    (None, "收听记录"), so the path is not served for every category."""
    nearest = f"{context.path.sublabel} {context.last_step}"
    if topic in CATEGORY_TOPICS:
        tiers = [nearest, context.steps, context.clause, context.leaf_title]
        found = _first_hit(CATEGORY_WORDS, tiers + context.parent_titles)
        if not found:
            return [(None, _other_record(context))]
        return [(value, _subject(CATEGORY_WORDS[value], context)) for value in found]
    if topic == "unsubscribe":
        tiers = [f"{context.path.sublabel} {context.steps}", context.clause, context.paragraph.norm]
        found = _first_hit(CHANNEL_WORDS, tiers + [context.leaf_title])
        return [(value, _subject(CHANNEL_WORDS[value], context)) for value in found] or [(None, None)]
    if topic == "permissions":
        clause = context.clause
        if _BACK_REFERENCE.search(clause) and not matching(PERMISSION_WORDS, clause):
            clause = f"{context.previous_clause} {clause}"
        # a heading names a permission only where it is about permissions ("信息的存储/公开范围"
        # is not the storage permission)
        titles = [context.leaf_title] if "权限" in context.leaf_title else []
        found = _first_hit(PERMISSION_WORDS, [nearest, clause] + titles)
    elif topic == "personalization":
        found = _first_hit(PERSONALIZATION_WORDS, [nearest, context.steps, context.clause])
    else:
        found = []
    return [(value, None) for value in found] or [(None, None)]


def _subject(pattern: Pattern[str], context: _Context) -> Optional[str]:
    for text in (context.clause, f"{context.path.sublabel} {context.last_step}", context.steps):
        match = pattern.search(text)
        if match:
            return match.group()
    return None


def _other_record(context: _Context) -> Optional[str]:
    for text in (context.clause, context.steps):
        for match in OTHER_RECORD.finditer(text):
            if not NOT_A_RECORD.match(match.group(1)):
                return match.group(1)
    return None


def _purpose(context: _Context) -> Optional[str]:
    """The policy's verb for what the path does: the first after it in its clause, else the
    last before it."""
    after = PURPOSE_VERBS.search(context.after)
    if after:
        return after.group()
    before = list(PURPOSE_VERBS.finditer(context.before))
    return before[-1].group() if before else None


def _turns_on(context: _Context, purpose: Optional[str]) -> bool:
    """"如您关闭后希望重新接收促销信息，可在“…”中重新开启": a way back in, not out."""
    text = f"{context.previous_clause} {context.clause}"
    if TURN_BACK_ON.search(text):
        return True
    return bool(purpose and TURN_ON_VERBS.fullmatch(purpose)) and not TURN_OFF_WORDS.search(text)


def _other_product(context: _Context, app_name: str) -> bool:
    """A path the policy gives for another edition it also covers ("如您使用的是快看极速版App，…")."""
    name = normalize(app_name or "")
    for text in (context.sentence_before, context.leaf_title):
        for match in PRODUCT_EDITION.finditer(text):
            edition = match.group(1)
            if not name or edition not in name:
                return True
    return False


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


def extract_paths(document: Document, app_name: str = "") -> Tuple[List[dict], List[dict]]:
    """(settings paths, in-app contact paths) of a parsed policy, in document order; paths written
    for another edition of the product than ``app_name`` are left out."""
    paths: List[dict] = []
    contact_paths: List[dict] = []
    seen = set()
    lead_ins: List[Tuple[int, Tuple[str, ...], List[dict]]] = []
    paragraph_of: Dict[int, int] = {}          # id(path) → the paragraph it came from
    for number, paragraph in enumerate(document.paragraphs):
        if paragraph.section.superseded:
            continue
        for found in find_paths(paragraph.text, paragraph.norm):
            context = _Context(paragraph, found)
            first_of_path = len(paths)
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
            if _NOT_SETTINGS_STEP.search(context.last_step) or _other_product(context, app_name):
                continue
            record["purpose"] = _purpose(context)
            visibility = bool(_VISIBILITY_CONTROL.search(context.clause))
            for topic in _topics(context):
                if visibility and topic in _NOT_FOR_VISIBILITY:
                    continue
                if topic in ("unsubscribe", "personalization") and _turns_on(context, record["purpose"]):
                    continue
                for qualifier, subject in _qualifiers(topic, context):
                    key = (topic, qualifier, platform, tuple(found.steps))
                    if key in seen:
                        continue
                    seen.add(key)
                    paths.append({"topic": topic, "qualifier": qualifier, "subject": subject, **record})
                    paragraph_of[id(paths[-1])] = number
            if context.after.rstrip().endswith(":"):
                lead_ins.append((number, tuple(found.steps), paths[first_of_path:]))
    return _confirmed_by_items(paths, lead_ins, paragraph_of, document), contact_paths


def _confirmed_by_items(paths: List[dict], lead_ins: List[Tuple[int, Tuple[str, ...], List[dict]]],
                        paragraph_of: Dict[int, int], document: Document) -> List[dict]:
    """"您也可以通过「个人」→「个人设置」页面…进行访问、更正及删除：1、您可通过【个人设置】…访问和更正；
    …4、您可通过【消息】…删除好友及对话": a lead-in's verbs sum up the items after it. Where items
    give paths through the lead-in's page, the lead-in path serves only what they do there."""
    dropped = set()
    for number, steps, own in lead_ins:
        items = _following_items(document, number)
        confirmed = {path["topic"] for path in paths
                     if paragraph_of[id(path)] in items and steps[-1] in path["steps"]}
        if confirmed:
            dropped.update(id(path) for path in own if path["topic"] not in confirmed)
    return [path for path in paths if id(path) not in dropped]


def _following_items(document: Document, number: int) -> set:
    """The numbers of the list-item paragraphs right after paragraph ``number``."""
    items = set()
    for following in range(number + 1, len(document.paragraphs)):
        if not document.paragraphs[following].marker:
            break
        items.add(following)
    return items
