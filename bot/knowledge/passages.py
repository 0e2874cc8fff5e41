"""Quotable passages of a policy and the question topics each one answers.

A passage is a paragraph, or a few of its sentences when it is long — short enough to quote back
to a user, never a whole chapter. Topics come from two generic signals, so they work on policies
nobody has read: the section headings above the passage (strong, nearest heading strongest) and
the topic's keywords in the passage itself; passages holding an extracted fact (a deadline, a
contact, a settings path…) get a bonus for that fact's topic.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Tuple

from bot.knowledge.sections import Document, Paragraph, clause_spans, sentence_spans
from bot.knowledge.vocab import ACTION_TOPICS, QUESTION_TOPIC_WORDS, QUESTION_TOPICS, RIGHTS_TITLE
from bot.text import normalize

MAX_PASSAGE = 220
MIN_PASSAGE = 8
TOPIC_THRESHOLD = 2.0
FALLBACK_THRESHOLD = 1.5        # a topic nothing reaches the threshold for takes weaker passages
FALLBACK_ANSWERS = 2
ANSWERS_PER_TOPIC = 4
HEADING_WEIGHTS = (3.0, 2.0, 1.5)
EVIDENCE_BONUS = 2.5
MAX_CONTENT_HITS = 3


def _chunks(paragraph: Paragraph) -> List[Tuple[int, int]]:
    norm = paragraph.norm
    if len(norm) <= MAX_PASSAGE:
        return [(0, len(norm))]
    pieces: List[Tuple[int, int]] = []
    for start, end in sentence_spans(norm):
        if end - start <= MAX_PASSAGE:
            pieces.append((start, end))
        else:
            pieces.extend(_split_long(norm, start, end))
    chunks: List[Tuple[int, int]] = []
    for start, end in pieces:
        if chunks and end - chunks[-1][0] <= MAX_PASSAGE:
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start, end))
    return chunks


def _split_long(norm: str, start: int, end: int) -> List[Tuple[int, int]]:
    parts = [(start + a, start + b) for a, b in clause_spans(norm[start:end])]
    result: List[Tuple[int, int]] = []
    for a, b in parts:
        while b - a > MAX_PASSAGE:
            cut = norm.rfind(",", a, a + MAX_PASSAGE)
            cut = cut + 1 if cut > a + MAX_PASSAGE // 2 else a + MAX_PASSAGE
            result.append((a, cut))
            a = cut
        result.append((a, b))
    return result


def build_passages(document: Document) -> List[dict]:
    """Passages in document order: section breadcrumb, text, whether the section is superseded."""
    passages = []
    for paragraph in document.paragraphs:
        for start, end in _chunks(paragraph):
            text = paragraph.text[start:end].strip()
            if len(text) < MIN_PASSAGE:
                continue
            passages.append({
                "section": paragraph.section.breadcrumb,
                "text": text,
                "titles": [normalize(section.title) for section in reversed(paragraph.section.chain)],
                "superseded": paragraph.section.superseded,
            })
    return passages


def topic_score(topic: str, titles: Sequence[str], norm_text: str) -> float:
    heading_pattern, content_pattern = QUESTION_TOPIC_WORDS[topic]
    heading = 0.0
    for depth, title in enumerate(titles):
        if heading_pattern.search(title):
            heading = HEADING_WEIGHTS[min(depth, len(HEADING_WEIGHTS) - 1)]
            break
    matches = [match.group().lower() for match in content_pattern.finditer(norm_text)]
    distinct = len(set(matches))
    repeated = 0.25 * (len(matches) - distinct)
    rights = 1.0 if topic in ACTION_TOPICS and distinct and any(RIGHTS_TITLE.search(t) for t in titles) else 0.0
    return heading + min(distinct + repeated, MAX_CONTENT_HITS) + rights


def assign_topics(passages: List[dict], evidence: Dict[str, Iterable[str]]) -> Dict[str, List[dict]]:
    """Scores every passage for every question topic; sets ``passage["topics"]`` and returns the
    best passages per topic (best first). ``evidence`` maps a topic to quotes of facts extracted
    for it: a passage containing one is a strong answer to that topic."""
    evidence_norm = {topic: [normalize(q) for q in quotes if q] for topic, quotes in evidence.items()}
    ranked: Dict[str, List[Tuple[float, int, dict]]] = {topic: [] for topic in QUESTION_TOPICS}
    for order, passage in enumerate(passages):
        norm = normalize(passage["text"])
        passage["topics"] = []
        if passage["superseded"]:
            continue
        for topic in QUESTION_TOPICS:
            score = topic_score(topic, passage["titles"], norm)
            if any(_overlaps(norm, quote) for quote in evidence_norm.get(topic, ())):
                score += EVIDENCE_BONUS
            if score >= TOPIC_THRESHOLD:
                passage["topics"].append(topic)
            if score >= FALLBACK_THRESHOLD:
                ranked[topic].append((-score, order, passage))
    answers = {}
    for topic, items in ranked.items():
        items.sort(key=lambda item: item[:2])
        strong = [p for score, _, p in items if -score >= TOPIC_THRESHOLD]
        chosen = strong[:ANSWERS_PER_TOPIC] or [p for _, _, p in items[:FALLBACK_ANSWERS]]
        answers[topic] = [{"section": p["section"], "text": p["text"]} for p in chosen]
    return answers


def _overlaps(passage: str, quote: str) -> bool:
    """The quote (or, for a quote longer than the passage, the passage) lies inside the other."""
    if len(quote) <= len(passage):
        return quote in passage
    return passage in quote


def strip_internal(passages: List[dict]) -> List[dict]:
    """What knowledge.yml keeps of each passage."""
    kept = []
    for passage in passages:
        item = {"section": passage["section"], "text": passage["text"], "topics": passage.get("topics", [])}
        if passage["superseded"]:
            item["superseded"] = True
        kept.append(item)
    return kept

