"""Cutting and joining passage text: a long paragraph into quotable pieces, adjacent pieces of
the policy into one text, a lead-in with as many of its list entries as fit (then "等").

Everything returned is the policy's own text, whitespace aside; the only word added is "等" after
a list that was cut.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from bot.knowledge.sections import clause_spans, sentence_spans
from bot.text import normalize

MAX_PASSAGE = 220
MIN_TAIL = 15                   # a sentence tail shorter than this is not a passage of its own
TRUNCATED = "等"                # ends a lead-in whose list did not fit

_TRAILING_PUNCT = "；;，,。、:： "
_NO_SPACE_AFTER = set("。;:,!?、)]}”」』】》")


def join(left: str, right: str, spaced: bool = False) -> str:
    """Two adjacent pieces of the policy as one text: Chinese runs on without a space, Latin
    words and "label: value" fields (``spaced``) keep one between them."""
    left, right = left.rstrip(), right.strip()
    if not left:
        return right
    last = normalize(left[-1])
    if spaced:
        space = last not in _NO_SPACE_AFTER
    else:
        space = last.isascii() and last.isalnum() and right[:1].isascii() and right[:1].isalnum()
    return left + (" " if space else "") + right


def split_lead(text: str) -> Tuple[List[str], str]:
    """A lead-in paragraph as (the chunks before its last one, its last chunk)."""
    chunks = chunk_text(text, keep_tail=True)
    return chunks[:-1], chunks[-1]


def fill(opening: str, entries: Sequence[str], spaced: Sequence[bool]) -> Tuple[str, List[str]]:
    """The opening with as many whole entries as fit (or the start of the first one), and the
    entries not quoted in full; "等" marks the cut."""
    text, taken = opening.rstrip(), 0
    for entry, space in zip(entries, spaced):
        joined = join(text, entry, space)
        if len(joined) + len(TRUNCATED) > MAX_PASSAGE and not (taken == len(entries) - 1 and len(joined) <= MAX_PASSAGE):
            break
        text, taken = joined, taken + 1
    if taken == 0 and entries:
        start = cut_at_break(entries[0], MAX_PASSAGE - len(text) - len(TRUNCATED) - 1)
        if start is None:
            return "", list(entries)
        return join(text, start, spaced[0]).rstrip(_TRAILING_PUNCT) + TRUNCATED, list(entries)
    if taken < len(entries):
        text = text.rstrip(_TRAILING_PUNCT) + TRUNCATED
    return text, list(entries[taken:])


def cut_at_break(text: str, room: int) -> Optional[str]:
    """The longest start of ``text`` ending at a sentence or clause break within ``room``."""
    if room < MIN_TAIL:
        return None
    norm = normalize(text)
    best = None
    for pattern in (r"[。!?;]", r"[,]"):
        for match in re.finditer(pattern, norm[:room]):
            if match.end() >= MIN_TAIL:
                best = match.end()
        if best:
            return text[:best]
    return None


def chunk_text(text: str, keep_tail: bool = False) -> List[str]:
    """``text`` in pieces of at most MAX_PASSAGE characters, cut between sentences (between
    clauses or commas inside an over-long one); a short tail joins the piece before it or, when
    that would be too long, is dropped (unless ``keep_tail``)."""
    norm = normalize(text)
    if len(norm) <= MAX_PASSAGE:
        return [text]
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
    texts = [text[start:end].strip() for start, end in chunks]
    if len(texts) > 1 and len(texts[-1]) < MIN_TAIL and not keep_tail:
        texts.pop()
    return [t for t in texts if t]


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
