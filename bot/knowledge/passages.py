"""Quotable passages of a policy.

A passage is a paragraph, or a few of its sentences when it is long — short enough to quote back
to a user, never a whole chapter. Text that means nothing on its own is joined to what completes
it instead of standing alone:

* a lead-in ("…包括：", "…但以下情况除外：", "请通过以下方式与我们联系。") carries the list items, the
  "label: value" lines or the paragraph that complete it, as many as fit; when some are left out
  the passage ends in "等" and the rest follow as passages of their own;
* a "label:" heading ("1、存储期限：…", "● 合作伙伴：") stays in front of its text;
* runs of "label: value" lines, links and table cells become record or table passages (kept for
  search, never preferred as answers); a stray one is added to the passage before it or dropped.

Which question topics each passage answers is decided by ``bot.knowledge.topics``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from bot.knowledge.chunks import MAX_PASSAGE, TRUNCATED, chunk_text, fill, join, split_lead
from bot.knowledge.sections import Document, Section, sentence_spans
from bot.text import normalize

__all__ = ["MAX_PASSAGE", "TRUNCATED", "build_passages", "strip_internal"]

MIN_PASSAGE = 8
MAX_FRAGMENT = 60               # a line this short without a full stop is a label, a cell or a link
MIN_SENTENCE = 12               # shorter than this even with a full stop: a heading or a stray word
SELF_CONTAINED = 30             # a list item this long is a passage of its own when not quoted

_SENTENCE_PUNCT = re.compile(r"[。!?;]")
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+=%-]+|www\.[A-Za-z0-9.-]+[A-Za-z0-9/._-]*")
_KEY = re.compile(r"^\s*([^:,。;()]{1,15}):")
_LIST_WORDS = re.compile(r"以下|如下|下列")


@dataclass
class _Unit:
    """A paragraph as passages see it: its text (after its heading's label, if any), where it
    sits among the policy's lines, and its list marker."""
    section: Section
    text: str
    norm: str
    first: int
    last: int
    marker: str
    table: bool
    labelled: bool

    @property
    def fragment(self) -> bool:
        """A cell, a link or a "label: value" line rather than a sentence (a numbered list item
        is a sentence unless it is a "label:" one)."""
        if self.table:
            return True
        if self.marker and not self.labelled:
            return False
        bare = _URL.sub("", self.norm).strip()
        if len(bare) < MIN_SENTENCE:
            return True
        return not _SENTENCE_PUNCT.search(bare) and (len(bare) <= MAX_FRAGMENT or bool(_KEY.match(bare)))


def _units(document: Document) -> List[_Unit]:
    units = []
    for paragraph in document.paragraphs:
        text = paragraph.label + paragraph.text
        units.append(_Unit(paragraph.section, text, normalize(paragraph.label) + paragraph.norm,
                           paragraph.lines[0].index, paragraph.lines[-1].index, paragraph.marker,
                           paragraph.is_table, bool(paragraph.label)))
    return units


def _lead_kind(unit: _Unit) -> Optional[str]:
    """How a paragraph announces what follows: "colon" (…包括：), "words" (…通过以下方式与我们联系。)
    or "open" (a sentence left unfinished, completed by numbered items)."""
    norm = unit.norm.rstrip()
    if norm.endswith(":"):
        return "colon"
    if _LIST_WORDS.search(_SENTENCE_PUNCT.split(norm.rstrip("。!?;"))[-1]):
        return "words"
    if norm and (norm[-1] in ",、" or "\u4e00" <= norm[-1] <= "\u9fff") and not unit.marker:
        return "open"
    return None


def _within(section: Section, ancestor: Section) -> bool:
    node: Optional[Section] = section
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


class _Builder:
    def __init__(self, document: Document) -> None:
        self.units = _units(document)
        self.used = [False] * len(self.units)
        self.passages: List[dict] = []

    # -- what a lead-in carries ----------------------------------------------------------------
    def _follows(self, index: int, after: _Unit, lead: _Unit) -> bool:
        if index >= len(self.units) or self.used[index]:
            return False
        unit = self.units[index]
        return unit.first == after.last + 1 and _within(unit.section, lead.section)

    def carried(self, index: int) -> List[List[_Unit]]:
        """The entries (each an item with its own continuation) the lead-in at ``index`` carries."""
        lead = self.units[index]
        kind = _lead_kind(lead)
        if kind is None or not self._follows(index + 1, lead, lead):
            return []
        first = self.units[index + 1]
        if first.marker and first.marker != lead.marker:
            return self._items(index + 1, lead, first.marker)
        if first.marker:
            return []
        if first.fragment and kind != "open":
            return self._fragments(index + 1, lead)
        if kind == "colon":
            self.used[index + 1] = True
            return [[first]]
        return []

    def _items(self, index: int, lead: _Unit, marker: str) -> List[List[_Unit]]:
        entries: List[List[_Unit]] = []
        after = lead
        while self._follows(index, after, lead) and self.units[index].marker == marker:
            self.used[index] = True
            entry = [self.units[index]]
            if _lead_kind(self.units[index]) == "colon":
                for sub in self.carried(index):
                    entry.extend(sub)
            after = entry[-1]
            entries.append(entry)
            index += len(entry)
        return entries

    def _fragments(self, index: int, lead: _Unit) -> List[List[_Unit]]:
        """The "label: value" lines (or cells) after a lead-in, up to the end of the first record
        (SDK名称：… SDK名称：… — the next records are passages of their own)."""
        entries: List[List[_Unit]] = []
        after = lead
        first_key = _KEY.match(self.units[index].norm)
        while self._follows(index, after, lead) and not self.units[index].marker and self.units[index].fragment:
            key = _KEY.match(self.units[index].norm)
            if entries and first_key and key and key.group(1).strip() == first_key.group(1).strip():
                break
            self.used[index] = True
            after = self.units[index]
            entries.append([after])
            index += 1
        return entries

    # -- building ------------------------------------------------------------------------------
    def build(self) -> List[dict]:
        index = 0
        while index < len(self.units):
            if self.used[index]:
                index += 1
                continue
            unit = self.units[index]
            self.used[index] = True
            entries = self.carried(index)
            if entries:
                self._list(unit, entries)
            elif unit.fragment:
                index = self._block(index)
                continue
            else:
                bare = _lead_kind(unit) == "colon"
                for text in chunk_text(unit.text):
                    self._emit(unit, text, "prose", bare_lead=bare, last=unit.last)
            index += 1
        return self.passages

    def _emit(self, unit: _Unit, text: str, kind: str, bare_lead: bool = False, last: int = -1,
              first: Optional[int] = None, context: Optional[_Unit] = None) -> None:
        """Adds a passage citing ``unit``'s section; its topics are judged from the headings
        above ``context`` (the lead-in of a list whose items the parser made sections)."""
        text = text.strip().lstrip("。；;，,、 ")
        if len(text) < MIN_PASSAGE:
            return
        self.passages.append({
            "section": unit.section.breadcrumb,
            "text": text,
            "titles": [normalize(section.title) for section in reversed((context or unit).section.chain)],
            "superseded": unit.section.superseded,
            "kind": kind,
            "bare_lead": bare_lead,
            "first": unit.first if first is None else first,
            "last": last,
            "section_node": unit.section,
        })

    def _list(self, lead: _Unit, entries: List[List[_Unit]]) -> None:
        head, opening = split_lead(lead.text)
        texts = [_joined(entry) for entry in entries]
        spaced = [entry[0].fragment for entry in entries]
        quoted, rest = fill(opening, texts, spaced)
        if not quoted and len(sentence_spans(normalize(opening))) > 1:
            spans = sentence_spans(normalize(opening))
            head.append(opening[:spans[-1][0]])
            opening = opening[spans[-1][0]:]
            quoted, rest = fill(opening, texts, spaced)
        for text in head:
            for chunk in chunk_text(text):
                self._emit(lead, chunk, "prose", last=lead.last)
        carried = len(texts) - len(rest)
        last = entries[carried - 1][-1].last if carried else lead.last
        self._emit(lead, quoted or opening, "list", bare_lead=not quoted, last=last)
        remaining = entries[len(entries) - len(rest):]
        for pack, pack_entries in _packs(rest, remaining):
            kind = "table" if all(entry[0].fragment for entry in pack_entries) else "list"
            self._emit(pack_entries[0][0], pack, kind, first=pack_entries[0][0].first,
                       last=pack_entries[-1][-1].last, context=lead)

    def _block(self, index: int) -> int:
        """A run of fragments (with the sentences between them) in one section: a table or a set
        of "label: value" records. A lone fragment joins the passage before it, or is dropped."""
        block = [self.units[index]]
        section = block[0].section
        index += 1
        while index < len(self.units) and not self.used[index]:
            unit = self.units[index]
            if unit.section is not section or unit.first != block[-1].last + 1 or _lead_kind(unit) in ("colon", "words"):
                break
            if not unit.fragment:
                following = self.units[index + 1] if index + 1 < len(self.units) else None
                if not (following is not None and following.section is section and following.fragment
                        and following.first == unit.last + 1 and not self.used[index + 1]):
                    break
            self.used[index] = True
            block.append(unit)
            index += 1
        if len(block) == 1 and not block[0].table:
            self._attach(block[0])
            return index
        for record in _records(block):
            for text, first, last in _pack_lines(record):
                self._emit(record[0], text, "table", first=first, last=last)
        return index

    def _attach(self, unit: _Unit) -> None:
        previous = self.passages[-1] if self.passages else None
        if previous is None or previous["section_node"] is not unit.section or previous["last"] + 1 != unit.first:
            return
        joined = join(previous["text"], unit.text, spaced=True)
        if len(joined) <= MAX_PASSAGE:
            previous["text"], previous["last"] = joined, unit.last


def build_passages(document: Document) -> List[dict]:
    """Passages in document order: section breadcrumb, text, whether the section is superseded,
    and (internal) what kind of passage it is."""
    return _Builder(document).build()


# --- lists, records ---------------------------------------------------------------------------

def _joined(units: Sequence[_Unit]) -> str:
    result = ""
    for unit in units:
        result = join(result, unit.text, spaced=unit.fragment)
    return result


def _packs(texts: Sequence[str], entries: Sequence[List[_Unit]]):
    """Entries not quoted with their lead-in as passages of their own: an item that says
    something by itself stands alone, short ones ("（7）基于学术研究而使用；") join their neighbours
    in the same section (items the parser made sections of, "7.小米推送：…", keep their own)."""
    pack, pack_entries = "", []
    for text, entry in zip(texts, entries):
        joined = join(pack, text, entry[0].fragment)
        if pack and (len(joined) > MAX_PASSAGE or (len(text) >= SELF_CONTAINED and len(pack) >= SELF_CONTAINED)
                     or entry[0].section is not pack_entries[-1][0].section):
            yield pack, pack_entries
            pack, pack_entries, joined = "", [], text
        if len(joined) > MAX_PASSAGE:
            chunks = chunk_text(text)
            for chunk in chunks[:-1]:
                yield chunk, [entry]
            joined = chunks[-1]
        pack, pack_entries = joined, pack_entries + [entry]
    if pack:
        yield pack, pack_entries


def _records(block: List[_Unit]) -> List[List[_Unit]]:
    """A block split where its first "label:" comes round again (SDK名称：… SDK名称：…)."""
    first_key = _KEY.match(block[0].norm)
    records: List[List[_Unit]] = [[]]
    for unit in block:
        key = _KEY.match(unit.norm)
        if records[-1] and first_key and key and key.group(1).strip() == first_key.group(1).strip():
            records.append([])
        records[-1].append(unit)
    return records


def _pack_lines(record: List[_Unit]) -> List[Tuple[str, int, int]]:
    packed: List[Tuple[str, int, int]] = []
    for unit in record:
        pieces = chunk_text(unit.text) if len(unit.text) > MAX_PASSAGE else [unit.text]
        for piece in pieces:
            if packed and len(packed[-1][0]) + 1 + len(piece) <= MAX_PASSAGE:
                text, first, _ = packed[-1]
                packed[-1] = (text + " " + piece.strip(), first, unit.last)
            else:
                packed.append((piece.strip(), unit.first, unit.last))
    return packed


def strip_internal(passages: List[dict]) -> List[dict]:
    """What knowledge.yml keeps of each passage."""
    kept = []
    for passage in passages:
        item = {"section": passage["section"], "text": passage["text"], "topics": passage.get("topics", [])}
        if passage["superseded"]:
            item["superseded"] = True
        kept.append(item)
    return kept
