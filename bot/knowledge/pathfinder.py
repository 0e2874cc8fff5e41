"""Finding settings paths in a paragraph: ordered step labels, with notes, exactly as written.

Policies write paths as separator chains (我的-设置-隐私, 首页--“我的”--右上角“设置”, A→B, A>B,
A—B, A－B, A/B), as runs of quoted steps joined by words (进入“我的”页面，点击“设置”; “A”页面的“B”
菜单), in 「」 『』 【】 as well as “”, as unquoted "X页面的Y菜单", and as "回复TD". Everything is
matched on the normalised paragraph (same length as the original) and labels are cut from the
original text, so a step is always something the policy says. Nothing is guessed: a candidate
that does not look like navigation (a label that is a sentence, talks about 您/我们, or is too
long) is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from bot.knowledge.steps import (
    BRACKETS, CHANNEL_STEP, CHOSEN_ACTION, CJK, COMMON_YI, CONNECTIVE, CONNECTIVE_RESIDUAL, CONTINUATION, HARD_STOP,
    LEADING_WORDS, LIST_MARKER, MAX_QUOTED_SINGLE, NAV_BEFORE, NOT_A_LABEL, PAGE_OF_MENU, POSITION, REPLY_CODE,
    SEPARATOR, SMS_INSTRUCTION, SMS_INSTRUCTION_LEAD, Segment, SETTINGS_WORDS, SINGLE_AFTER, SINGLE_BEFORE, Span,
    TRAILING_ACTION, TRIGGER, WEB_PRECONDITION, clause_bounds, clean_label, find_separators, plausible_unquoted,
    position_note, quote_spans, slash_only, split_enter,
)


_PATHS_JOINED = re.compile(r"^\s*(?:或者?|、|和|及|以及|与|/)?\s*$")


@dataclass
class FoundPath:
    steps: List[str]
    start: int                   # paragraph offsets of the text the path was read from
    end: int
    notes: List[str] = field(default_factory=list)
    sublabel: str = ""           # normalised "X:" label right before the path (what it is for)
    kind: str = "chain"          # chain | quoted | page_menu | reply


class _Finder:
    def __init__(self, text: str, norm: str) -> None:
        self.text, self.norm = text, norm
        self.spans = quote_spans(norm)
        self.found: List[FoundPath] = []

    # -- separator chains -------------------------------------------------------------------
    def chains(self) -> None:
        norm = self.norm
        for clause_start, clause_end in clause_bounds(norm):
            separators = find_separators(norm, clause_start, clause_end)
            if any(norm[a:b].strip() != "/" for a, b in separators):
                separators = [(a, b) for a, b in separators if norm[a:b].strip() != "/"]
            cuts = [(a, b, "sep") for a, b in separators]
            cuts += [(i, i + 1, "stop") for i in range(clause_start, clause_end)
                     if norm[i] in HARD_STOP and not self._inside_quote(i)]
            cuts += [(i, i, "stop") for i in self._between_quoted_paths(clause_start, clause_end)]
            cuts.sort()
            run: List[Segment] = []
            previous_end = clause_start
            for start, end, kind in cuts + [(clause_end, clause_end, "stop")]:
                run.append((previous_end, start))
                if kind == "stop":
                    self._chain(run)
                    run = []
                previous_end = end

    def _between_quoted_paths(self, lo: int, hi: int) -> List[int]:
        """Where one quoted path ends and the next begins ("“我的-订单”或“我的-设置-地址管理”"): two
        paths side by side, not one. Quoted single steps joined by 、 stay one path."""
        spans = [s for s in self.spans if not s.pseudo and lo <= s.open and s.close < hi]
        cuts = []
        for first, second in zip(spans, spans[1:]):
            if not _PATHS_JOINED.match(self.norm[first.close + 1:second.open]):
                continue
            if all(find_separators(self.norm, *span.inner) for span in (first, second)):
                cuts.append(first.close + 1)
        return cuts

    def _inside_quote(self, index: int) -> bool:
        return any(span.open < index < span.close for span in self.spans if not span.pseudo)

    def _chain(self, run: List[Segment]) -> None:
        if len(run) < 2:
            return
        notes: List[str] = []
        labelled: List[Tuple[List[str], int]] = []
        quoted = False
        for position, (lo, hi) in enumerate(run):
            role = "first" if position == 0 else "last" if position == len(run) - 1 else "middle"
            labels, has_quote, end = self._segment(lo, hi, role, notes)
            quoted |= has_quote
            labelled.append((labels, end))
        # A chain breaks at a segment that is not a step: keep the longest valid stretch.
        best, current = (0, 0), None
        for index, (labels, _) in enumerate(labelled + [([], 0)]):
            if labels:
                current = (current[0], index + 1) if current else (index, index + 1)
            elif current:
                if current[1] - current[0] > best[1] - best[0]:
                    best = current
                current = None
        if best[1] - best[0] < 2:
            return
        steps = [label for labels, _ in labelled[best[0]:best[1]] for label in labels]
        if not quoted and not plausible_unquoted(steps, run, self.norm):
            return
        if quoted and len(steps) < 3 and slash_only(run[best[0]:best[1]], self.norm) \
                and any(CHANNEL_STEP.fullmatch(step) for step in steps):
            return              # “邮箱/问题反馈”: two ways to reach us, not a path
        start, end = run[best[0]][0], labelled[best[1] - 1][1]
        self._add(FoundPath(steps, start, end, notes, self._sublabel(run[best[0]][0]), "chain"), end)

    def _segment(self, lo: int, hi: int, role: str, notes: List[str]) -> Tuple[List[str], bool, int]:
        """The step label(s) in one segment of a chain, whether they were quoted, and where the
        last label ends (what follows it is the sentence, not the path)."""
        norm, text = self.norm, self.text
        while lo < hi and norm[lo].isspace():
            lo += 1
        while hi > lo and norm[hi - 1].isspace():
            hi -= 1
        if role == "first":
            marker = LIST_MARKER.match(norm, lo, hi)
            if marker and marker.end() < hi:
                lo = marker.end()   # "a) 【我】-【≡】-…": the item's marker is not the first step
        if lo >= hi:
            return [], False, hi
        crossing = [s for s in self.spans if not s.pseudo and (s.open < lo <= s.close or s.open < hi <= s.close)
                    and not (lo <= s.open and s.close < hi)]
        if crossing:
            span = crossing[0]
            end = hi
            if span.open < lo and span.close >= hi:            # wholly inside a quoted path
                a, b = lo, hi
            elif span.open >= lo:                               # the quoted path opens here
                a, b = span.open + 1, hi
            else:                                               # the quoted path closes here
                a, b, end = lo, span.close, span.close + 1
            label = clean_label(text[a:b], norm[a:b], notes, quoted=True)
            return ([label] if label else []), True, end
        inner = self._step_quotes(lo, hi, role)
        if inner:
            labels, end = self._quoted_segment(lo, hi, inner, role, notes)
            return labels, True, end
        a, b = split_enter(norm, lo, hi)
        if role == "first":
            a = self._after_trigger(a, b)
        if role == "last":
            b = self._before_action(a, b)
        label = clean_label(text[a:b], norm[a:b], notes)
        return ([label] if label else []), False, b

    def _step_quotes(self, lo: int, hi: int, role: str) -> List[Span]:
        """Quotes inside a segment that mark steps. 【】 only count when verbs and connectives
        surround them: in 我的【某某商城】 they are part of the label."""
        inner = [s for s in self.spans if lo <= s.open and s.close < hi]
        quotes = [s for s in inner if self.norm[s.open] not in BRACKETS]
        brackets = [s for s in inner if self.norm[s.open] in BRACKETS]
        if role == "last" and quotes and brackets and brackets[0].open < quotes[0].open \
                and not LEADING_WORDS.sub("", self.norm[lo:brackets[0].open]).strip():
            return brackets     # "【个人信息管理】关闭“个性化内容推荐”": the quote is the verb's object
        if quotes or not brackets:
            return quotes
        before = self.norm[lo:brackets[0].open]
        if before and not (NAV_BEFORE.search(before) or not LEADING_WORDS.sub("", before).strip()):
            return []
        if role == "last":
            return brackets
        after = self.norm[brackets[-1].close + 1:hi]
        return brackets if not CONNECTIVE_RESIDUAL.sub("", after) else []

    def _quoted_segment(self, lo: int, hi: int, inner: List[Span], role: str,
                        notes: List[str]) -> Tuple[List[str], int]:
        norm = self.norm
        groups: List[List[Span]] = [[inner[0]]]
        for span in inner[1:]:
            between = norm[groups[-1][-1].close + 1:span.open]
            if CONNECTIVE.match(between) and "进入" not in between:
                groups[-1].append(span)
            else:
                groups.append([span])
        group = groups[-1] if role == "first" else groups[0]
        end = group[-1].close + 1
        if role == "first" and len(norm[end:hi].strip()) > 6:
            return [], end
        if role == "last" and len(POSITION.sub("", norm[lo:group[0].open]).strip()) > 6:
            return [], end
        labels = []
        for span in group:
            label = self._span_label(span, notes, lo)
            if label is None:
                return [], end
            labels.append(label)
        alternative = re.match(r"^或(?:点击)?([\u4e00-\u9fff]{1,6}?)(?:进入|$)", norm[end:hi])
        if alternative:
            notes.append(f"也可点击{self.text[end + alternative.start(1):end + alternative.end(1)]}")
        return labels, end

    def _span_label(self, span: Span, notes: List[str], floor: int = 0) -> Optional[str]:
        a, b = span.inner
        label = clean_label(self.text[a:b], self.norm[a:b], notes, quoted=True)
        position = POSITION.search(self.norm[max(floor, span.open - 6):span.open])
        if label and position:
            notes.append(position_note(label, position.group()))
        return label

    def _after_trigger(self, a: int, b: int) -> int:
        last = None
        for match in TRIGGER.finditer(self.norm, a, b):
            if match.end() < b:
                last = match
        return last.end() if last else a

    def _before_action(self, a: int, b: int) -> int:
        depth = 0
        for index in range(a, b):
            char = self.norm[index]
            depth += char == "("
            depth -= char == ")" and depth > 0
            if depth == 0 and index >= a + 2 and TRAILING_ACTION.match(self.norm, index, b):
                return index
        return b

    def _sublabel(self, lo: int) -> str:
        norm = self.norm
        index = lo - 1
        while index >= 0 and norm[index].isspace():
            index -= 1
        if index < 0 or norm[index] != ":":
            return ""
        start = index
        while start > 0 and norm[start - 1] not in ",:;。!?\n" and not SEPARATOR.match(norm[start - 1]):
            start -= 1
        return norm[start:index]

    # -- quoted steps joined by words -------------------------------------------------------
    def quoted_runs(self) -> None:
        norm = self.norm
        groups: List[List[Span]] = []
        for span in self.spans:
            if self._claimed(span.open):
                continue
            if groups:
                last = groups[-1][-1]
                between = norm[last.close + 1:span.open]
                if len(between) <= 14 and CONNECTIVE.match(between) and not self._claimed_range(last.close, span.open):
                    groups[-1].append(span)
                    continue
            groups.append([span])
        for group in groups:
            self._quoted_run(group)

    def _quoted_run(self, group: List[Span]) -> None:
        norm = self.norm
        first = group[0]
        before = norm[max(0, first.open - 12):first.open]
        if len(group) == 1:
            after = norm[first.close + 1:first.close + 6]
            if first.pseudo or norm[first.open] in BRACKETS:
                return
            if not (SINGLE_BEFORE.search(before) and SINGLE_AFTER.match(after)):
                return
            a, b = first.inner
            if b - a > MAX_QUOTED_SINGLE or re.search(r"[、()]", norm[a:b]):
                return
        elif not NAV_BEFORE.search(before) and not any(
            re.search(r"点击|选择|进入", norm[a.close + 1:b.open]) for a, b in zip(group, group[1:])
        ):
            return
        notes: List[str] = []
        labels = []
        for span in group:
            label = self._span_label(span, notes)
            if label is None:
                return
            labels.append(label)
        if len(group) > 1 and len(set(labels)) == 1:
            return
        end = group[-1].close + (0 if group[-1].pseudo else 1)
        self._add(FoundPath(labels, first.open, end, notes, self._sublabel(first.open), "quoted"), end)

    def ocr_dashes(self) -> None:
        """“账户设置一设置一隐私”: scanned policies turn '—' into the character 一."""
        norm = self.norm
        for span in self.spans:
            if span.pseudo or norm[span.open] in BRACKETS or self._claimed(span.open):
                continue
            a, b = span.inner
            inner = norm[a:b]
            if "一" not in inner or COMMON_YI.search(inner) or find_separators(norm, a, b):
                continue
            cuts = [a + i for i, ch in enumerate(inner) if ch == "一"]
            bounds = [a] + [c + 1 for c in cuts]
            ends = cuts + [b]
            pieces = [(lo, hi) for lo, hi in zip(bounds, ends)]
            if len(pieces) < 2 or any(not 2 <= hi - lo <= 12 for lo, hi in pieces):
                continue
            if not any(SETTINGS_WORDS.search(norm[lo:hi]) for lo, hi in pieces):
                continue
            before = norm[max(0, span.open - 12):span.open]
            after = norm[span.close + 1:span.close + 6]
            if not (NAV_BEFORE.search(before) or SINGLE_AFTER.match(after)):
                continue
            notes: List[str] = []
            labels = [clean_label(self.text[lo:hi], norm[lo:hi], notes, quoted=True) for lo, hi in pieces]
            if all(labels):
                self._add(FoundPath(labels, span.open, span.close + 1, notes, self._sublabel(span.open), "quoted"),
                          span.close + 1)

    def _claimed(self, index: int) -> bool:
        return any(path.start <= index < path.end for path in self.found)

    def _claimed_range(self, lo: int, hi: int) -> bool:
        return any(lo < path.start < hi for path in self.found)

    # -- unquoted "X页面的Y菜单" and "回复TD" ---------------------------------------------------
    def page_menus(self) -> None:
        norm, text = self.norm, self.text
        for match in PAGE_OF_MENU.finditer(norm):
            if self._claimed(match.start()):
                continue
            start = lo = match.start()
            while lo > 0 and (CJK.match(norm[lo - 1]) or norm[lo - 1].isalnum()) and start - lo < 14:
                lo -= 1
            trigger = None
            for found in TRIGGER.finditer(norm, lo, start):
                trigger = found
            if trigger is None:
                continue
            notes: List[str] = []
            first = clean_label(text[trigger.end():start], norm[trigger.end():start], notes)
            second = clean_label(text[match.start(1):match.end(1)], match.group(1), notes)
            if first and second:
                self._add(FoundPath([first, second], trigger.end(), match.end(), notes, "", "page_menu"), match.end())

    def reply_codes(self) -> None:
        """"回复TD", and "根据短信内容提示(退订)": the SMS itself is the way out."""
        for match in SMS_INSTRUCTION.finditer(self.norm):
            if not self._claimed(match.start()):
                lead = SMS_INSTRUCTION_LEAD.match(self.norm, match.start(), match.end())
                start = lead.end() if lead else match.start()
                self.found.append(FoundPath([self.text[start:match.end()]], match.start(), match.end(),
                                            [], "", "reply"))
        for match in REPLY_CODE.finditer(self.norm):
            if match.group(1):            # quoted codes: keep the policy's wording, “T”或“TD”
                label = self.text[match.start(1):match.end(3)].strip()
            else:
                label = self.text[match.start(2):match.end(3)].strip()
            self.found.append(FoundPath([f"回复{label}"], match.start(), match.end(), [], "", "reply"))

    # -- shared -----------------------------------------------------------------------------
    def _add(self, path: FoundPath, end: int) -> None:
        path.steps.extend(self._continuation(end, path.notes))
        precondition = self._web_precondition(path.start)
        if precondition and precondition not in path.steps:
            path.steps.insert(0, precondition)
        note = re.match(r"^\s*\(([^()]{1,40})\)", self.norm[path.end:])
        if note:
            path.notes.append(self.text[path.end + note.start(1):path.end + note.end(1)])
        self.found.append(path)

    def _web_precondition(self, start: int) -> Optional[str]:
        """"打开www.example.com并登录，进入“账户设置-隐私设置”": the page to open first, when the
        same sentence says so right before the path."""
        sentence_start = max((m.end() for m in re.finditer(r"[。!?;]", self.norm[:start])), default=0)
        found = None
        for match in WEB_PRECONDITION.finditer(self.norm, sentence_start, start):
            found = match
        if found is None or start - found.end() > 8:
            return None
        return self.text[found.start():found.end()].strip()

    def _continuation(self, end: int, notes: List[str]) -> List[str]:
        extra = []
        for _ in range(3):
            match = CONTINUATION.match(self.norm[end:end + 30])
            if not match:
                break
            group = next(i for i in (1, 2, 3) if match.group(i))
            a, b = end + match.start(group), end + match.end(group)
            label = clean_label(self.text[a:b], self.norm[a:b], notes, quoted=group != 3)
            if not label or NOT_A_LABEL.match(label) or (
                    group == 3 and "选择" in match.group(0) and CHOSEN_ACTION.match(label)):
                break           # "中选择关闭…", "中选择相应内容": what the user does there, not a step
            extra.append(label)
            end += match.end()
        return extra


def find_paths(text: str, norm: str) -> List[FoundPath]:
    """Every settings path written in one paragraph, in reading order."""
    finder = _Finder(text, norm)
    finder.chains()
    finder.ocr_dashes()
    finder.quoted_runs()
    finder.page_menus()
    finder.reply_codes()
    return sorted(finder.found, key=lambda path: path.start)
