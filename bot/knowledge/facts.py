"""Facts stated in a policy: reply deadline, cooling-off period, retention rules, minors' age
thresholds and effective/updated dates — each with the section and sentence it came from (contact
channels are in ``bot.knowledge.contacts``). Only what the text states is returned; an absent
fact is None or an empty list.
"""
from __future__ import annotations

import datetime
import re
from typing import Iterable, List, Optional, Tuple

from bot.knowledge.sections import Document, Paragraph, clause_spans, sentence_spans
from bot.knowledge.vocab import MINORS_TITLE
from bot.text import normalize

NUMBER = r"(\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
MAX_QUOTE = 150


def to_int(number: str) -> int:
    """'15', '十五', '三十', '二十一', '一百' → int."""
    if number.isdigit():
        return int(number)
    total, current = 0, 0
    for char in number:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[char]
    return total + current


def live_paragraphs(document: Document) -> Iterable[Paragraph]:
    return (p for p in document.paragraphs if not p.section.superseded)


def quote_at(paragraph: Paragraph, position: int) -> str:
    """The sentence around ``position``, or just its clause when the sentence is long."""
    for start, end in sentence_spans(paragraph.norm):
        if start <= position < end:
            if end - start <= MAX_QUOTE:
                return paragraph.text[start:end].strip()
            break
    for start, end in clause_spans(paragraph.norm):
        if start <= position < end:
            return paragraph.text[start:end].strip()
    return paragraph.text.strip()


def sentence_at(paragraph: Paragraph, position: int) -> str:
    for start, end in sentence_spans(paragraph.norm):
        if start <= position < end:
            return paragraph.norm[start:end]
    return paragraph.norm


def section_titles(paragraph: Paragraph) -> str:
    return " ".join(normalize(section.title) for section in paragraph.section.chain)


# --- reply deadline and cooling-off ------------------------------------------------------------

_DEADLINE = re.compile(
    NUMBER + r"\s*(?:个)?\s*(工作日|自然日|天|日|个月|月)\s*(?:内|之内|以内)"
    r"[^。;]{0,12}?(?:答复|回复|响应|处理|反馈|作出|做出|予以|提供|完成|办理)"
)
_DEADLINE_BEFORE = re.compile(r"(?:不超过|最迟|最长不超过)\s*" + NUMBER + r"\s*(?:个)?\s*(工作日|自然日|天|日)")
_COOLING = re.compile(r"冷静期|犹豫期|等待期|考虑期|缓冲期|冻结期|(?:账号|账户|帐号|帐户)?(?:将)?(?:被)?冻结")
# A freeze is a cooling-off period only when it follows a cancellation request.
_FREEZE = re.compile(r"冻结")
_CANCELLATION = re.compile(r"注销")
# Which request a deadline is written for, from its sentence (then its section titles).
_REQUEST_TYPE_WORDS = (
    ("data_export", re.compile(r"副本|复制|导出|下载(?:您的)?(?:个人)?(?:信息|数据)|可携|转移")),
    ("account_deletion", re.compile(r"注销")),
    ("unsubscribe", re.compile(r"退订|取消订阅")),
    ("info_deletion", re.compile(r"删除")),
)
_GENERAL_REQUEST = re.compile(r"(?:您的|上述|相关|这些|任何)(?:请求|申请|要求)|答复您|回复您|响应您")
_PERIOD = re.compile(r"(?<![\d年月])" + NUMBER + r"\s*(?:个)?\s*(工作日|自然日|天|日)(?![\d])")


def _days(number: str, unit: str) -> int:
    value = to_int(number)
    return value * 30 if "月" in unit else value


def _applies_to(sentence: str, titles: str) -> Optional[str]:
    """The request type a deadline sentence is about, or None for a general reply deadline. The
    sentence decides; the section title only when the sentence names no request at all."""
    for text in (sentence,) if _GENERAL_REQUEST.search(sentence) else (sentence, titles):
        for request_type, words in _REQUEST_TYPE_WORDS:
            if words.search(text) and not (request_type == "info_deletion" and _GENERAL_REQUEST.search(sentence)):
                return request_type
    return None


def deadlines(document: Document) -> List[dict]:
    """Every reply deadline the policy states, best candidate for "the" deadline first: one in
    a sentence about requests, in a rights/response section, ahead of a generic "we reply". Each
    says which request type it is written for (``applies_to``, None when general)."""
    found = []
    for order, paragraph in enumerate(live_paragraphs(document)):
        for pattern in (_DEADLINE, _DEADLINE_BEFORE):
            for match in pattern.finditer(paragraph.norm):
                sentence = sentence_at(paragraph, match.start())
                if _COOLING.search(sentence):
                    continue
                titles = section_titles(paragraph)
                score = (3 * ("请求" in sentence) + 2 * bool(re.search(r"响应|请求|权利", titles))
                         + ("答复" in sentence) - 2 * ("注销" in sentence))
                found.append((-score, order, match.start(), {
                    "days": _days(match.group(1), match.group(2)),
                    "working_days": match.group(2) == "工作日",
                    "section": paragraph.section.breadcrumb,
                    "quote": quote_at(paragraph, match.start()),
                    "applies_to": _applies_to(sentence, titles),
                }))
    found.sort(key=lambda item: item[:3])
    unique, seen = [], set()
    for *_, item in found:
        key = (item["days"], item["working_days"], item["quote"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def cooling_off(document: Document) -> Optional[dict]:
    """The account-cancellation cooling-off period (冷静期/犹豫期/冻结期…), when the policy has one;
    a freeze counts only in a sentence (or section) about cancelling the account."""
    for paragraph in live_paragraphs(document):
        for keyword in _COOLING.finditer(paragraph.norm):
            if _FREEZE.search(keyword.group()) and not (
                    _CANCELLATION.search(sentence_at(paragraph, keyword.start()))
                    or _CANCELLATION.search(section_titles(paragraph))):
                continue
            for start, end in clause_spans(paragraph.norm):
                if not start <= keyword.start() < end:
                    continue
                periods = list(_PERIOD.finditer(paragraph.norm, start, end))
                if periods:
                    nearest = min(periods, key=lambda m: abs(m.start() - keyword.start()))
                    return {
                        "days": _days(nearest.group(1), nearest.group(2)),
                        "section": paragraph.section.breadcrumb,
                        "quote": quote_at(paragraph, keyword.start()),
                    }
    return None


# --- retention ---------------------------------------------------------------------------------

_KEEP = re.compile(r"保存|保留|留存|存储|储存|保管")
_DURATION = re.compile(
    r"(?<![\d年月])(?:(自[^,。;]{1,15}?起)\s*)?(不少于|不低于|至少|最少|不超过|最长|最多|长达)?\s*"
    + NUMBER + r"\s*(?:个)?\s*(年|个月|月|天|日)(?![\d])(以上|以内|及以上|甚至更长(?:的时间)?)?"
)
_NOT_RETENTION = re.compile(r"提前|冷静|周岁|岁")
_SUBJECT_CUT = re.compile(r".*(?:要求|规定|其中|:|》|对于|对)")
_SUBJECT_MODAL = re.compile(r"(?:我们|本公司|平台|可能|须|应|将|会|需|均|在|一般|至少|通常).*$")
_SUBJECT_OWNER = re.compile(r"^(?:您的|用户的|您)")
_PURPOSE = re.compile(r"([^,。;:]{2,40}?(?:期限|期间|时限))内(?:保存|保留|存储|储存|留存)")
_PURPOSE_PREFIX = re.compile(r"^.*在|^(?:我们|只会|仅会|将|会|仅|只)+")


def retention(document: Document) -> List[dict]:
    rules, seen = [], set()
    for paragraph in live_paragraphs(document):
        norm = paragraph.norm
        for start, end in clause_spans(norm):
            for rule in _numeric_rules(paragraph, start, end) + _purpose_rules(paragraph, start, end):
                key = (rule["subject"], rule["period"])
                if key not in seen:
                    seen.add(key)
                    rules.append(rule)
    # Stated durations (3 years for transaction records) say more than "as long as needed".
    return sorted(rules, key=lambda rule: rule["days"] is None)


def _numeric_rules(paragraph: Paragraph, start: int, end: int) -> List[dict]:
    norm, text, rules = paragraph.norm, paragraph.text, []
    if not _KEEP.search(norm, start, end):
        return rules
    for match in _DURATION.finditer(norm, start, end):
        keep = None
        for candidate in _KEEP.finditer(norm, start, match.start()):
            keep = candidate
        if keep is None or _NOT_RETENTION.search(norm[max(start, match.start() - 6):match.end() + 2]):
            continue
        if re.match(r"\s*内(?:答复|回复|处理|响应)", norm[match.end():]):
            continue
        commas = [m.end() for m in re.finditer(",", norm[start:keep.start()])]
        part_start = start + (commas[-1] if commas else 0)
        subject_norm = norm[part_start:keep.start()]
        cut = _SUBJECT_CUT.match(subject_norm)
        offset = part_start + (cut.end() if cut else 0)
        owner = _SUBJECT_OWNER.match(norm, offset)
        offset = owner.end() if owner else offset
        subject_norm = norm[offset:keep.start()]
        modal = _SUBJECT_MODAL.search(subject_norm)
        subject_end = offset + (modal.start() if modal else len(subject_norm))
        subject = text[offset:subject_end].strip() or "个人信息"
        period_start = match.start(1) if match.group(1) else (match.start(2) if match.group(2) else match.start(3))
        rules.append({
            "subject": subject,
            "period": text[period_start:match.end()].strip(),
            "days": to_int(match.group(3)) * {"年": 365, "个月": 30, "月": 30}.get(match.group(4), 1),
            "section": paragraph.section.breadcrumb,
            "quote": quote_at(paragraph, match.start()),
        })
    return rules


def _purpose_rules(paragraph: Paragraph, start: int, end: int) -> List[dict]:
    norm, text, rules = paragraph.norm, paragraph.text, []
    if "个人信息" not in norm[start:end]:
        return rules
    for match in _PURPOSE.finditer(norm, start, end):
        phrase = match.group(1)
        prefix = _PURPOSE_PREFIX.match(phrase)
        offset = match.start(1) + (prefix.end() if prefix else 0)
        period = text[offset:match.end(1)].strip()
        if len(period) < 4:
            continue
        rules.append({
            "subject": "个人信息",
            "period": period,
            "days": None,
            "section": paragraph.section.breadcrumb,
            "quote": quote_at(paragraph, match.start()),
        })
    return rules


# --- minors ------------------------------------------------------------------------------------

_AGE = re.compile(r"(?:不满|未满|低于)?\s*" + NUMBER + r"\s*(?:周岁|岁)")
_MINOR_CONTEXT = re.compile(r"未成年|儿童|监护|青少年|孩子")


def minors(document: Document) -> Optional[dict]:
    ages, first, first_in_section = set(), None, None
    for paragraph in live_paragraphs(document):
        in_section = bool(MINORS_TITLE.search(section_titles(paragraph)))
        for match in _AGE.finditer(paragraph.norm):
            if not _MINOR_CONTEXT.search(sentence_at(paragraph, match.start())):
                continue
            age = to_int(match.group(1))
            if not 6 <= age <= 18:
                continue
            ages.add(age)
            hit = (paragraph, match.start())
            first = first or hit
            if in_section and first_in_section is None:
                first_in_section = hit
    if not ages:
        return None
    paragraph, position = first_in_section or first
    return {"ages": sorted(ages), "section": paragraph.section.breadcrumb,
            "quote": quote_at(paragraph, position)}


# --- dates -------------------------------------------------------------------------------------

_CN_DIGIT = "〇零一二三四五六七八九"
_DATE = (rf"(\d{{4}}|[{_CN_DIGIT}]{{4}})\s*(?:年|[-./])\s*(\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})\s*(?:月|[-./])\s*"
         rf"(\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})\s*日?")
_LABEL_END = r"\s*[\]】)]?\s*[:为于是]?\s*"
_EFFECTIVE = re.compile(r"(?:生效日期|生效时间|生效日|施行日期|实施日期|正式生效)" + _LABEL_END + _DATE)
_UPDATED = re.compile(r"(?:更新日期|更新时间|最近更新|最新更新日期|最后更新|修订日期|修订时间|发布日期|发布时间|版本日期|更新于)"
                      + _LABEL_END + _DATE)
_DATE_THEN_EFFECTIVE = re.compile(_DATE + r"\s*(?:起)?\s*(?:发布)?\s*(?:并)?\s*(?:同时)?\s*(?:正式)?\s*(?:生效|施行|实施)")
_DATE_THEN_UPDATED = re.compile(_DATE + r"\s*(?:修订|更新|发布)")


def _date_number(value: str) -> int:
    """'2023', '二〇二三' (digit by digit), '十二', '三十一' → int."""
    if value.isdigit():
        return int(value)
    if "十" in value:
        return to_int(value.replace("〇", "零"))
    return int("".join(str(_DIGITS[char]) for char in value))


def _date(match: re.Match) -> Optional[datetime.date]:
    try:
        return datetime.date(*(_date_number(match.group(i)) for i in (1, 2, 3)))
    except (ValueError, KeyError):
        return None


def dates(document: Document) -> Tuple[Optional[datetime.date], Optional[datetime.date]]:
    """(effective date, updated date) when the policy states them."""
    effective = updated = None
    for paragraph in live_paragraphs(document):
        short = len(paragraph.norm) <= 40
        for line in paragraph.lines:
            norm = line.norm
            effective = effective or _first_date(_EFFECTIVE, norm)
            updated = updated or _first_date(_UPDATED, norm)
            if short:
                effective = effective or _first_date(_DATE_THEN_EFFECTIVE, norm)
                updated = updated or _first_date(_DATE_THEN_UPDATED, norm)
    return effective, updated


def _first_date(pattern: re.Pattern, text: str) -> Optional[datetime.date]:
    match = pattern.search(text)
    return _date(match) if match else None
