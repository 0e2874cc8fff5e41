"""Reading a policy line by line: what each line is before the section tree is built.

A line is a heading (numbered 一、 （一） 1、 1.1 （1） ① 第一条…, Markdown ``#``, an appendix, a
heading word such as 引言, or a short unnumbered line between paragraphs), a list item (numbered or
bulleted sentence) or body text. Lines of a table of contents are marked so the tree skips them.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from bot.text import normalize

MAX_TITLE = 30
MAX_SHORT_HEADING = 30
MAX_BARE_HEADING = 20

_CN = "一二三四五六七八九十百零〇两"
# (style, rank, pattern on normalised text). Rank: the conventional depth when a style first
# appears; the document's own order wins afterwards.
_NUMBERING: Tuple[Tuple[str, float, re.Pattern], ...] = tuple(
    (style, rank, re.compile(pattern)) for style, rank, pattern in (
        ("chapter", 0.0, rf"第[{_CN}\d]+[章部]分?\s*"),
        ("di_section", 0.5, rf"第[{_CN}\d]+节\s*"),
        ("article", 1.0, rf"第[{_CN}\d]+条\s*"),
        ("cn_dun", 1.0, r"[一二三四五六七八九十]{1,3}\s*[、.](?!\d)\s*"),
        ("cn_paren", 2.0, r"\(\s*[一二三四五六七八九十]{1,3}\s*\)\s*"),
        ("decimal", 3.5, r"\d{1,2}(?:\.\d{1,2})+\.?(?![\d])\s*"),
        # "1 我们如何收集…" over "1.1 账号服务": the top of a decimal outline, headings only
        ("decimal0", 3.5, r"\d{1,2}\s+(?=[\u4e00-\u9fff])"),
        ("ar_dun", 3.0, r"\d{1,2}\s*、\s*"),
        ("ar_dot", 3.0, r"\d{1,2}\s*\.(?![\d])\s*"),
        ("ar_paren", 4.0, r"\(\s*\d{1,2}\s*\)\s*"),
        ("ar_half", 4.5, r"\d{1,2}\s*\)\s*"),
        ("circled", 5.0, r"[\u2460-\u2473\u2776-\u277f]\s*"),
        ("latin_paren", 6.0, r"\(\s*[a-zA-Z]\s*\)\s*"),
        ("latin", 6.0, r"[a-zA-Z]\s*[、)](?=\S)\s*"),
    )
)
_WHOLE_LINE_HEADINGS = {"chapter", "di_section", "article"}
_BULLET = re.compile(r"^(?:[●•▪■◆◇○◎★☆►▶·]\s*|[-*+]\s+)")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?=\S)")
APPENDIX = re.compile(rf"^(?:附录|附件|附表)[{_CN}\d]*|^附\s*[:、]")
_HEADING_WORDS = re.compile(
    r"^[\[【]?(?:引言|前言|导言|序言|总则|附则|目录|定义|名词解释|特别提示|重要提示|"
    r"概述|适用范围|联系我们)[\]】]?$"
)
_SENTENCE_PUNCT = re.compile(r"[。;!?]")
BARE_FORBIDDEN = re.compile(r"[。,;:!?]")
TERMINAL = ("。", "!", "?", ";", ":", ")", "”", "」", "】", "』", ".")
_LABEL_COLON = re.compile(r"((?:[^:;。,!?()]|\([^:;。,!?()]{1,8}\)){1,20}):\s*")
_TITLE_CUT = re.compile(r"[,。;:(!?]")
_DATE_LINE = re.compile(r"\d{4}\s*年|\d{4}[-./]\d{1,2}")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class RawLine:
    """One non-blank line as classified before the tree is built."""
    text: str
    norm: str
    start: int
    kind: str = "body"            # body | item | heading
    style: str = ""
    rank: float = 0.0
    title: str = ""
    body_offset: Optional[int] = None   # where the text after a "label:" heading starts
    numbered_style: str = ""      # numbering style even when the line stays an item
    number: int = 0               # the item/heading number (一 → 1, 3 → 3), 0 when unknown
    toc: bool = False


def short_title(text: str, norm: str) -> str:
    """A heading as written, cut at its first punctuation when long (still findable)."""
    if len(norm) <= MAX_TITLE:
        return text
    for match in _TITLE_CUT.finditer(norm):
        if 4 <= match.start() <= MAX_TITLE:
            return text[:match.start()]
        if match.start() > MAX_TITLE:
            break
    return text[:MAX_TITLE] + "…"


def _numbering(norm: str) -> Optional[Tuple[str, float, int]]:
    for style, rank, pattern in _NUMBERING:
        match = pattern.match(norm)
        if match and style == "decimal0" and not _is_short_heading(norm[match.end():]):
            continue                # "3 年内我们会保存…" is a sentence, not heading 3
        if match:
            if style == "decimal":
                depth = match.group(0).strip().rstrip(".").count(".")
                return f"decimal{depth}", rank + depth / 10, match.end()
            return style, rank, match.end()
    return None


def split_lines(text: str) -> List[RawLine]:
    raws, offset = [], 0
    norm_text = normalize(text)
    for line in text.split("\n"):
        if line.strip():
            raws.append(RawLine(line, norm_text[offset:offset + len(line)], offset))
        offset += len(line) + 1
    return raws


_CN_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}


def _number_value(marker: str) -> int:
    digits = re.findall(r"\d+", marker)
    if digits:
        return int(digits[-1])
    chars = [c for c in marker if c in _CN_VALUES or c == "十"]
    if not chars:
        return 0
    if "十" in chars:
        index = chars.index("十")
        tens = _CN_VALUES.get(chars[index - 1], 1) if index > 0 else 1
        ones = _CN_VALUES.get(chars[index + 1], 0) if index + 1 < len(chars) else 0
        return tens * 10 + ones
    return _CN_VALUES[chars[0]]


def _classify_all(raws: List[RawLine]) -> None:
    for index, raw in enumerate(raws):
        _classify_line(raw, raws[index + 1] if index + 1 < len(raws) else None)


def _classify_line(raw: RawLine, following: Optional[RawLine]) -> None:
    norm, skip = raw.norm, 0
    markdown = _MARKDOWN_HEADING.match(norm)
    if markdown:
        raw.kind, raw.style, raw.rank = "heading", "bare", 1.0
        raw.title = short_title(raw.text[markdown.end():], norm[markdown.end():])
        return
    bullet = _BULLET.match(norm)
    if bullet:
        skip = bullet.end()
    numbered = _numbering(norm[skip:])
    if numbered:
        style, rank, length = numbered
        raw.numbered_style, raw.rank = style, rank
        raw.number = _number_value(norm[skip:skip + length])
        _classify_numbered(raw, skip, skip + length, following)
        return
    if bullet:
        raw.kind = "item"
        return
    if APPENDIX.match(norm) and len(norm) <= 80:
        raw.kind, raw.style, raw.rank = "heading", "appendix", 0.0
        raw.title = short_title(raw.text, norm)
    elif _HEADING_WORDS.match(norm):
        raw.kind, raw.style, raw.rank, raw.title = "heading", "bare", 1.0, raw.text


def _classify_numbered(raw: RawLine, skip: int, rest_at: int, following: Optional[RawLine]) -> None:
    rest = raw.norm[rest_at:]
    raw.kind, raw.style = "item", raw.numbered_style
    if raw.numbered_style in _WHOLE_LINE_HEADINGS:
        raw.kind = "heading"
        if len(rest) <= MAX_SHORT_HEADING and not _SENTENCE_PUNCT.search(rest):
            raw.title = raw.text[skip:]
        else:
            raw.title = raw.text[skip:rest_at].strip()
            raw.body_offset = rest_at
        return
    label = _LABEL_COLON.match(rest)
    if label and len(label.group(1).strip()) >= 3 and CJK.search(label.group(1)) and label.end() < len(rest):
        raw.kind = "heading"
        raw.title = raw.text[skip:rest_at + len(label.group(1))].rstrip()
        raw.body_offset = rest_at + label.end()
        return
    if _is_short_heading(rest) and (len(rest) <= 15 or not _same_style(following, raw.numbered_style)):
        raw.kind, raw.title = "heading", raw.text[skip:]
        return
    raw.title = short_title(raw.text[skip:], raw.norm[skip:])   # used if a sibling heading is open


_CONTACT_VALUE = re.compile(r"@|https?://|www\.|\d{5,}")


def _is_short_heading(rest: str) -> bool:
    """A short numbered line without sentence punctuation is a heading — unless it holds a
    contact value ("3、发送邮件至a@b.com" is the third way to reach us, not a section)."""
    return (
        0 < len(rest) <= MAX_SHORT_HEADING
        and not _SENTENCE_PUNCT.search(rest)
        and not _CONTACT_VALUE.search(rest)
        and not rest.endswith((",", "、"))
        and (len(rest) <= 15 or "," not in rest)
    )


def _same_style(raw: Optional[RawLine], style: str) -> bool:
    if raw is None:
        return False
    norm = raw.norm
    bullet = _BULLET.match(norm)
    numbered = _numbering(norm[bullet.end():] if bullet else norm)
    return bool(numbered) and numbered[0] == style


def _mark_bare_headings(raws: List[RawLine]) -> None:
    for index, raw in enumerate(raws):
        if raw.kind != "body" or index == 0:
            continue
        norm = raw.norm
        if (len(norm) > MAX_BARE_HEADING or BARE_FORBIDDEN.search(norm) or not CJK.search(norm)
                or _DATE_LINE.search(norm)):
            continue
        previous = raws[index - 1]
        following = raws[index + 1] if index + 1 < len(raws) else None
        if following is None:
            continue
        previous_closed = previous.kind == "heading" or previous.norm.endswith(TERMINAL)
        following_body = (
            following.kind in ("item", "heading") and following.numbered_style != ""
            or len(following.norm) >= 25 or following.norm.endswith(("。", ";", ":"))
        )
        if previous_closed and following_body and not _inside_numbered_run(raws, index, following):
            raw.kind, raw.style, raw.rank, raw.title = "heading", "bare", 1.0, raw.text


def _inside_numbered_run(raws: List[RawLine], index: int, following: RawLine) -> bool:
    """A short line between two headings of one numbering ("2.1.1 基本原则 … 接入合作方SDK目录
    2.1.2 委托处理") is a caption or link left in the text, not a heading above them both."""
    if following.kind != "heading" or not following.numbered_style:
        return False
    for raw in reversed(raws[:index]):
        if raw.kind == "heading" and not raw.toc:
            return raw.numbered_style == following.numbered_style
    return False


def _heading_key(raw: RawLine) -> str:
    norm = raw.norm
    bullet = _BULLET.match(norm)
    norm = norm[bullet.end():] if bullet else norm
    numbered = _numbering(norm)
    if numbered:
        norm = norm[numbered[2]:]
    return re.sub(r"[\W_]+", "", norm)


def _toc_candidate(raw: RawLine) -> bool:
    if raw.kind == "heading" and raw.body_offset is None:
        return True
    return bool(raw.numbered_style) and len(raw.norm) <= 40 and not _SENTENCE_PUNCT.search(raw.norm)


def _mark_table_of_contents(raws: List[RawLine]) -> None:
    """Runs of ≥3 heading-like lines with nothing between them, whose titles recur later. A run
    stops at a title it already holds: that is the first real heading right after the outline."""
    index = 0
    while index < len(raws):
        end, keys = index, []
        while end < len(raws) and _toc_candidate(raws[end]):
            key = _heading_key(raws[end])
            if key and key in keys:
                break
            keys.append(key)
            end += 1
        if end - index >= 3:
            later = [_heading_key(raw) for raw in raws[end:] if _toc_candidate(raw)]
            recurring = sum(1 for key in keys if _recurs(key, later))
            if recurring * 2 >= len(keys):
                for raw in raws[index:end]:
                    raw.toc = True
        index = max(end, index + 1)


def _recurs(key: str, others: List[str]) -> bool:
    if len(key) < 2:
        return False
    for other in others:
        if not other:
            continue
        shorter, longer = sorted((key, other), key=len)
        if shorter in longer and len(shorter) * 2 >= len(longer):
            return True
        if difflib.SequenceMatcher(None, key, other).ratio() >= 0.6:
            return True
    return False




def classify(text: str) -> List[RawLine]:
    """The non-blank lines of a cleaned policy, each classified, the outline marked."""
    raws = split_lines(text)
    _classify_all(raws)
    _mark_bare_headings(raws)
    _mark_table_of_contents(raws)
    return raws
