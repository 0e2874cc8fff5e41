"""Which question topics each policy passage answers, and the passages to quote first per topic.

The first passage for a topic should be the one a privacy lawyer would quote as the direct
answer. Policies say what a section is about in its heading, so headings decide and content words
only break ties, from generic signals that work on policies nobody has read:

* **heading** — the strongest title in the passage's section chain that names the topic, nearest
  weighing most; a title naming several topics ("我们如何收集和使用…") counts less than one naming
  only this topic ("个人信息的使用规则"); a sub-heading that is a word of its parent's title
  ("（一）提供" under "…提供、转移、公开…") names what the parent names; a related word ("第三方SDK"
  for sharing) counts half and does not name the topic;
* **content** — the topic's keywords in the passage. A passage that mentions the topic under a
  heading naming it outranks every other passage; among those, mentioning it at all is what
  counts (a lead paragraph is not outranked by one that repeats a keyword), plus a few cue
  phrases that mark the direct answer ("我们收集的信息类型包括…", "我们使用Cookie是为了…").
  Without such a heading the keywords are all there is, and a rights section ("您如何管理…")
  helps the topics a user acts on;
* **evidence** — the passage holds a fact extracted for the topic (a deadline, a contact, a
  settings path…): decisive where no heading names the topic, a tie-break where one does.

Ties go to the earlier passage: a section's lead comes first. Tables, records and lead-ins whose
list did not follow are kept for search but rank below everything else.
"""
from __future__ import annotations

import functools
import re
from typing import Dict, Iterable, List, Sequence, Tuple

from bot.knowledge.vocab import ACTION_TOPICS, QUESTION_TOPIC_WORDS, QUESTION_TOPICS, RIGHTS_TITLE
from bot.text import normalize

TOPIC_THRESHOLD = 2.0
FALLBACK_THRESHOLD = 1.5        # a topic nothing reaches the threshold for takes weaker passages
FALLBACK_ANSWERS = 2
ANSWERS_PER_TOPIC = 4
HEADING_WEIGHTS = (3.0, 2.0, 1.5)
WEAK_HEADING = 0.5
MAX_CONTENT_HITS = 3
CUE_BONUS = 0.5
RIGHTS_BONUS = 1.0
EVIDENCE_BONUS = 2.5            # a fact for the topic, where no heading names it
EVIDENCE_TIEBREAK = 0.75        # the same inside a section that does
TABLE_PENALTY = 1.5
BARE_LEAD_PENALTY = 1.0
_NUMBERING = re.compile(r"^[\s(\[【]*(?:第?[一二三四五六七八九十\d.]+[章节条]?)[)\]】、.:\s]*")


@functools.lru_cache(maxsize=4096)
def _specificity(title: str) -> float:
    """1 for a title naming one question topic, less for one naming several."""
    named = sum(1 for words in QUESTION_TOPIC_WORDS.values() if words.heading.search(title))
    return 1.0 / (1.0 + 0.5 * max(named - 1, 0))


def heading_score(topic: str, titles: Sequence[str]) -> Tuple[float, bool]:
    """How strongly the section chain (nearest title first) says it is about ``topic``, and
    whether a title names the topic itself (not just something related). A title that is one of
    the words of a parent title naming the topic ("（一）提供" under "三、我们如何提供、转移、公开您的
    个人信息") names it too."""
    words = QUESTION_TOPIC_WORDS[topic]
    best, named = 0.0, False
    for depth, title in enumerate(titles):
        weight = HEADING_WEIGHTS[min(depth, len(HEADING_WEIGHTS) - 1)]
        if words.heading.search(title):
            best, named = max(best, weight * _specificity(title)), True
        elif _part_of_parent(title, titles[depth + 1:], words.heading):
            best, named = max(best, weight), True
        elif words.weak_heading is not None and words.weak_heading.search(title):
            best = max(best, weight * WEAK_HEADING)
    return best, named


def _part_of_parent(title: str, parents: Sequence[str], heading: re.Pattern) -> bool:
    core = _NUMBERING.sub("", title).strip()
    return len(core) >= 2 and any(core in parent and heading.search(parent) for parent in parents)


def content_hits(topic: str, norm_text: str) -> Tuple[int, int]:
    """(distinct keywords, all keyword occurrences) of ``topic`` in a normalised text; variants
    of one keyword ("关闭权限", "关闭相应权限") are one keyword."""
    distinct = total = 0
    for term in _terms(topic):
        count = len(term.findall(norm_text))
        distinct += count > 0
        total += count
    return distinct, total


_TERMS: Dict[str, List[re.Pattern]] = {}


def _terms(topic: str) -> List[re.Pattern]:
    """The alternatives of a topic's content pattern, each compiled on its own."""
    terms = _TERMS.get(topic)
    if terms is None:
        pattern = QUESTION_TOPIC_WORDS[topic].content
        terms = [re.compile(part, pattern.flags) for part in _alternatives(pattern.pattern)]
        _TERMS[topic] = terms
    return terms


def _alternatives(pattern: str) -> List[str]:
    """``a|b(c|d)|e`` → ``[a, b(c|d), e]``: split at the top-level ``|`` only."""
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return [part for part in parts if part]


def topic_score(topic: str, titles: Sequence[str], norm_text: str, kind: str = "prose",
                bare_lead: bool = False, evidence: bool = False) -> Tuple[int, float]:
    """(tier, score): tier 1 for a passage that mentions the topic under a heading naming it —
    such a passage outranks any other — and the score within the tier."""
    words = QUESTION_TOPIC_WORDS[topic]
    heading, named = heading_score(topic, titles)
    distinct, total = content_hits(topic, norm_text)
    cue = CUE_BONUS if words.cue is not None and words.cue.search(norm_text) else 0.0
    if heading:
        tier = int(named and distinct > 0)
        score = heading + min(distinct, 1) + cue + (EVIDENCE_TIEBREAK if evidence else 0.0)
    else:
        tier = 0
        score = min(distinct + 0.25 * (total - distinct), MAX_CONTENT_HITS) + cue
        if topic in ACTION_TOPICS and distinct and any(RIGHTS_TITLE.search(t) for t in titles):
            score += RIGHTS_BONUS
        score += EVIDENCE_BONUS if evidence else 0.0
    if kind == "table" or bare_lead:
        tier = 0
        score -= TABLE_PENALTY if kind == "table" else BARE_LEAD_PENALTY
    return tier, score


def assign_topics(passages: List[dict], evidence: Dict[str, Iterable[str]]) -> Dict[str, List[dict]]:
    """Scores every passage for every question topic; sets ``passage["topics"]`` and returns the
    best passages per topic (best first). ``evidence`` maps a topic to quotes of facts extracted
    for it: a passage containing one is a strong answer to that topic."""
    evidence_norm = {topic: [_core(normalize(q)) for q in quotes if q] for topic, quotes in evidence.items()}
    ranked: Dict[str, List[Tuple[int, float, int, dict]]] = {topic: [] for topic in QUESTION_TOPICS}
    for order, passage in enumerate(passages):
        norm = normalize(passage["text"])
        passage["topics"] = []
        if passage["superseded"]:
            continue
        for topic in QUESTION_TOPICS:
            holds_fact = any(_overlaps(norm, quote) for quote in evidence_norm.get(topic, ()))
            tier, score = topic_score(topic, passage["titles"], norm, passage.get("kind", "prose"),
                                      passage.get("bare_lead", False), holds_fact)
            if score >= TOPIC_THRESHOLD:
                passage["topics"].append(topic)
            if score >= FALLBACK_THRESHOLD:
                ranked[topic].append((-tier, -score, order, passage))
    answers = {}
    for topic, items in ranked.items():
        items.sort(key=lambda item: item[:3])
        strong = [p for _, score, _, p in items if -score >= TOPIC_THRESHOLD]
        chosen = strong[:ANSWERS_PER_TOPIC] or [p for *_, p in items[:FALLBACK_ANSWERS]]
        answers[topic] = [{"section": p["section"], "text": p["text"]} for p in chosen]
    return answers


def _core(text: str) -> str:
    """A quote without its closing punctuation: a list passage may cut it there and add 等."""
    return text.strip().rstrip("。;；.!?")


def _overlaps(passage: str, quote: str) -> bool:
    """The quote (or, for a quote longer than the passage, the passage) lies inside the other."""
    if not quote:
        return False
    if len(quote) <= len(passage):
        return quote in passage
    return passage in quote
