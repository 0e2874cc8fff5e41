"""Policy text → section tree with paragraphs, so every extracted item can cite where it came from.

Chinese policies number their headings in many styles (一、 （一） 1、 1. 1.1 （1） 1） ① 第一条),
mix them with unnumbered headings, Markdown ``#`` headings and appendices (附录/附件), repeat their
outline as a table of contents, and number plain list items exactly like headings. The parser:

* takes each line as classified by ``bot.knowledge.lines`` (table of contents dropped);
* nests headings by the order in which numbering styles appear, falling back to the usual
  convention (一、 > （一） > 1、 > （1） > ①) when a style shows up for the first time;
* keeps long numbered sentences as list items of the current section, unless a heading of the
  same style is already open (then it is that heading's sibling).

Offsets refer to the cleaned text; ``norm`` fields are ``bot.text.normalize`` of the same span.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from bot.knowledge.lines import (
    APPENDIX, BARE_FORBIDDEN, CJK, MAX_BARE_HEADING, TERMINAL, RawLine, classify, short_title,
)
from bot.knowledge.vocab import SUPERSEDED_TITLE
from bot.text import normalize

BREADCRUMB_SEPARATOR = " › "


@dataclass(eq=False)
class Section:
    title: str
    style: str
    rank: float
    parent: Optional["Section"] = None
    superseded: bool = False

    @property
    def chain(self) -> List["Section"]:
        node, chain = self, []
        while node is not None and node.style != "root":
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def breadcrumb(self) -> str:
        return BREADCRUMB_SEPARATOR.join(section.title for section in self.chain)


@dataclass(eq=False)
class Line:
    text: str
    norm: str
    start: int
    section: Section
    index: int = -1               # position among the policy's non-blank lines (adjacency)


@dataclass(eq=False)
class Paragraph:
    section: Section
    lines: List[Line] = field(default_factory=list)
    is_item: bool = False
    is_table: bool = False
    marker: str = ""              # numbering style of its first line, "bullet", or "" for plain text
    label: str = ""               # the "1、存储期限：" a heading line gave before this, its body

    @property
    def text(self) -> str:
        return _join([line.text for line in self.lines], self.is_table)

    @property
    def norm(self) -> str:
        return _join([line.norm for line in self.lines], self.is_table)

    @property
    def start(self) -> int:
        return self.lines[0].start


@dataclass
class Document:
    text: str
    sections: List[Section]
    paragraphs: List[Paragraph]
    source_lines: List[Line]      # every line outside the table of contents, headings included


def _join(parts: List[str], spaced: bool) -> str:
    return (" " if spaced else "").join(parts)


class _TreeBuilder:
    def __init__(self, preamble_title: str, top_rank: float = 1.0) -> None:
        self.root = Section(title="", style="root", rank=-1.0)
        self.preamble = Section(title=preamble_title, style="preamble", rank=0.0, parent=self.root)
        self.sections: List[Section] = [self.preamble]
        self.stack: List[Section] = []
        self.items: dict = {}
        # an unnumbered heading (概要, 引言) gives way to the document's top numbering, whatever
        # style that is: "1 我们如何收集…" after "概要" is its sibling, not its child
        self.top_rank = max(1.0, top_rank)

    @property
    def current(self) -> Section:
        return self.stack[-1] if self.stack else self.preamble

    def open(self, raw: RawLine) -> Section:
        style, rank = raw.style, raw.rank
        if style == "appendix":
            self.stack = []
        elif style == "bare":
            self.stack = [section for section in self.stack if section.style == "appendix"][:1]
        elif any(section.style == style for section in self.stack):
            while self.stack[-1].style != style:
                self.stack.pop()
            self.stack.pop()
        else:
            while self.stack and self.stack[-1].style != "appendix" and (
                self.stack[-1].rank > rank or (self.stack[-1].style == "bare" and rank <= self.top_rank)
            ):
                self.stack.pop()
        parent = self.stack[-1] if self.stack else self.root
        section = Section(title=raw.title, style=style, rank=rank, parent=parent)
        section.superseded = parent.superseded or (
            style in ("appendix", "bare") and bool(SUPERSEDED_TITLE.search(normalize(raw.title)))
        )
        self.stack.append(section)
        self.sections.append(section)
        return section

    def has_open(self, style: str) -> bool:
        return any(section.style == style for section in self.stack)

    def place_item(self, style: str, number: int) -> Section:
        """The section a numbered list item belongs to. "2、" after "1、 … (2)… (3)…" closes the
        headings opened since "1、": the item continues its ancestor's list."""
        for depth in range(len(self.stack) - 1, -1, -1):
            last = self.items.get(id(self.stack[depth]), {}).get(style)
            if last is not None and 0 < last < number:
                del self.stack[depth + 1:]
                break
        self.items.setdefault(id(self.current), {})[style] = number
        return self.current


def _preamble_title(raws: List[RawLine]) -> Tuple[str, bool]:
    """The document's title line when it has one, else its first words; and whether the first
    line is a title (then it is not body text)."""
    if not raws:
        return "", False
    first = raws[0]
    if first.kind == "body" and len(first.norm) <= MAX_BARE_HEADING and not BARE_FORBIDDEN.search(first.norm):
        return first.text, True
    return short_title(first.text, first.norm), False


def _top_rank(raws: List[RawLine]) -> float:
    """The rank of the document's top numbering: the lowest among its numbered headings."""
    ranks = [raw.rank for raw in raws if raw.kind == "heading" and raw.numbered_style and not raw.toc]
    return min(ranks, default=1.0)


def parse(text: str) -> Document:
    """The section tree and paragraphs of a cleaned policy text."""
    raws = classify(text)
    title, first_is_title = _preamble_title(raws)
    builder = _TreeBuilder(title, _top_rank(raws))
    paragraphs: List[Paragraph] = []
    source_lines: List[Line] = []
    for index, raw in enumerate(raws):
        if raw.toc or (index == 0 and first_is_title):
            continue
        marker = raw.numbered_style or ("bullet" if raw.kind == "item" else "")
        promoted = raw.kind == "item" and bool(raw.numbered_style) and builder.has_open(raw.numbered_style)
        if promoted:
            # A long numbered sentence beside a heading of the same style is that heading's
            # sibling: it opens a section (titled by its first words) and stays its text.
            raw.kind, raw.style = "heading", raw.numbered_style
            section = builder.open(raw)
            source_lines.append(Line(raw.text, raw.norm, raw.start, section, index))
            _add_line(paragraphs, section, raw, index, item=True, marker=marker)
            continue
        if raw.kind == "heading":
            section = builder.open(raw)
            source_lines.append(Line(raw.text, raw.norm, raw.start, section, index))
            if raw.body_offset is not None and raw.body_offset < len(raw.text):
                body = RawLine(raw.text[raw.body_offset:], raw.norm[raw.body_offset:], raw.start + raw.body_offset)
                _add_line(paragraphs, section, body, index, item=False, marker=marker,
                          label=raw.text[:raw.body_offset])
            continue
        section = builder.current
        if raw.kind == "item" and raw.numbered_style:
            section = builder.place_item(raw.numbered_style, raw.number)
        source_lines.append(Line(raw.text, raw.norm, raw.start, section, index))
        _add_line(paragraphs, section, raw, index, item=raw.kind == "item", marker=marker)
    return Document(text=text, sections=builder.sections, paragraphs=paragraphs, source_lines=source_lines)


_NEW_ENTRY = re.compile(r"^[^,。:;]{1,15}:|^[(\[【“]")


def _add_line(paragraphs: List[Paragraph], section: Section, raw: RawLine, index: int, item: bool,
              marker: str = "", label: str = "") -> None:
    """Body lines continue the previous paragraph when it was cut mid-sentence (PDF and OCR line
    wraps); runs of short unpunctuated lines are table cells and stay together."""
    line = Line(raw.text, raw.norm, raw.start, section, index)
    previous = paragraphs[-1] if paragraphs and paragraphs[-1].section is section else None
    if previous is not None and not item and not label:
        last = previous.lines[-1].norm
        fresh = bool(_NEW_ENTRY.match(raw.norm) or APPENDIX.match(raw.norm))
        wrapped = not fresh and (last.endswith((",", "、", "(")) or (
            len(last) >= 60 and bool(CJK.match(last[-1])) and not previous.is_item) or _wrapped_before_word(last, previous))
        if wrapped and not previous.is_table:
            previous.lines.append(line)
            return
        short = len(raw.norm) < 25 and not raw.norm.endswith(TERMINAL)
        if short and (previous.is_table or (len(last) < 25 and not last.endswith(TERMINAL))):
            previous.is_table = True
            previous.lines.append(line)
            return
    paragraphs.append(Paragraph(section=section, lines=[line], is_item=item, marker=marker, label=label))


def _wrapped_before_word(last: str, previous: Paragraph) -> bool:
    """PDF exports break Chinese lines at the space before a Latin word, so a wrapped line can end
    in "…可能是Cookie，Flash" well short of the page width: a Chinese sentence ending in a Latin
    word, with no full stop, goes on on the next line."""
    return (len(last) >= MIN_WRAPPED_BEFORE_WORD and last[-1].isascii() and last[-1].isalpha()
            and bool(CJK.search(last)) and not previous.is_item)


MIN_WRAPPED_BEFORE_WORD = 30
_CLAUSE_END = re.compile(r"[。!?;]+")


def clause_spans(norm: str) -> List[Tuple[int, int]]:
    """(start, end) of each clause — a sentence, or a part of one ending in ；."""
    spans, start = [], 0
    for match in _CLAUSE_END.finditer(norm):
        if match.end() > start:
            spans.append((start, match.end()))
        start = match.end()
    if start < len(norm):
        spans.append((start, len(norm)))
    return [(s, e) for s, e in spans if norm[s:e].strip()]


def sentence_spans(norm: str) -> List[Tuple[int, int]]:
    """(start, end) of each sentence (ending in 。！？)."""
    spans, start = [], 0
    for match in re.finditer(r"[。!?]+", norm):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(norm):
        spans.append((start, len(norm)))
    return [(s, e) for s, e in spans if norm[s:e].strip()]
