"""Contact channels a policy gives: email, phone, address, online service, privacy officer, URL —
each with the section and sentence it came from. Only what the text states is returned.

A privacy officer (个人信息保护负责人, 专职部门…) is a contact only with a way to reach them: the
value is the role and the channel the policy gives for it ("个人信息保护负责人邮箱 a@b.com"); a
role named without an email or phone is not a contact.
"""
from __future__ import annotations

import re
from typing import List, Optional

from bot.knowledge.facts import live_paragraphs, quote_at, section_titles, sentence_at
from bot.knowledge.sections import Document, Paragraph, sentence_spans
from bot.knowledge.vocab import CONTACT_TITLE

_EMAIL = re.compile(r"(?<![A-Za-z0-9.+_%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONES = re.compile(
    r"(?<![A-Za-z0-9@.-])(?:(?:400|800)[- ]?\d{3}[- ]?\d{4}|1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}|9[56]\d{3,4})"
    r"(?![A-Za-z0-9@])"
)
_PHONE_CONTEXT = re.compile(r"电话|热线|拨打|致电|客服|联系|tel|号码|手机", re.I)
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+|www\.[A-Za-z0-9.-]+\.[A-Za-z]{2,}[A-Za-z0-9/._-]*")
_URL_CONTEXT = re.compile(r"联系|客服|咨询|查询|投诉|反馈|举报")
_SDK_LINK = re.compile(r"隐私政策|隐私权政策|SDK|官网链接")
_ADDRESS = re.compile(
    r"(?:(?:联系|通讯|邮寄|办公|注册|公司|常用办公|经营)?地址(?:\s*[/、或及和]\s*[\u4e00-\u9fff]{0,6}地址)*\s*(?:为|是|:)?|"
    r"邮寄至|寄至|邮寄到)\s*([^,;。()/:]{6,60})"
)
_ADDRESS_SHAPE = re.compile(r"[省市区县].*[路街道号楼室层座厦心园]")
_OFFICER = re.compile(r"个人信息保护(?:负责人|专职部门|专员|联系人|官)|数据保护官|DPO")
_ONLINE = re.compile(r"(?:通过|可通过|访问|使用|联系|登录)?([\u4e00-\u9fff]{0,4}?在线客服)")
_OFFICER_CONTEXT = re.compile(r"联系|联络|邮箱|电话|发起|投诉|设立|指定|咨询|反馈")
_OFFICER_NOT = re.compile(r"变化|变更|发生")
_ONLINE_CONTEXT = re.compile(r"联系|通过|访问|咨询|反馈")
# Service accounts on WeChat and QQ: "微信客服：zuji02", "官方QQ群：656107562", "关注“X”微信公众号".
_SERVICE_ACCOUNT = re.compile(
    r"(微信客服|微信公众号|公众号|微信号|客服微信|QQ群|QQ客服|客服QQ|官方QQ|QQ)(?:号|号码)?\s*[:为是]\s*([A-Za-z0-9_-]{4,30})", re.I)
_PUBLIC_ACCOUNT = re.compile(r"关注[“\"「]([^”\"」]{2,20})[”\"」](?:的)?\s*(微信公众号|公众号|微信服务号|服务号)")
# An in-app entry named in quotes: "通过“邮箱/问题反馈”的方式联系我们客服".
_IN_APP_ENTRY = re.compile(r"通过[“\"「【]([^”\"」】]{2,12})[”\"」】](?:的方式|功能|入口|页面)?.{0,6}(?:联系|反馈|咨询)")

# A channel's name alone, with no account, number or address to reach it by.
_BARE_CHANNEL = re.compile(r"^(?:QQ|微信|微博|电话|手机|邮箱|邮件|短信|客服)$", re.I)

CONTACT_ORDER = ("email", "phone", "address", "online_service", "privacy_officer", "url")
CJK_START = re.compile(r"[\u4e00-\u9fff]")
MAX_OFFICER_LINES = 4


class _Contacts:
    """Collects contact channels; a mention in a contact section wins for the section cited."""

    def __init__(self) -> None:
        self.found: dict = {}

    def add(self, kind: str, value: str, paragraph: Paragraph, position: int) -> None:
        key = (kind, value)
        in_contact = bool(CONTACT_TITLE.search(section_titles(paragraph)))
        if key in self.found and (self.found[key][0] or not in_contact):
            return
        self.found[key] = (in_contact, {"kind": kind, "value": value, "section": paragraph.section.breadcrumb,
                                        "quote": quote_at(paragraph, position)})

    def officers(self, paragraph: Paragraph, following: List[Paragraph]) -> None:
        """A privacy officer or department the user can reach (not one a policy change mentions),
        with the email, phone or address given for them in the same sentence — or on the "label:
        value" lines after it when the sentence ends in "：" (个人信息保护负责人联系方式：…)."""
        seen = set()
        for match in _OFFICER.finditer(paragraph.norm):
            start, end = _sentence_span(paragraph.norm, match.start())
            sentence = paragraph.norm[start:end]
            if sentence in seen or not _OFFICER_CONTEXT.search(sentence) or _OFFICER_NOT.search(sentence):
                continue
            seen.add(sentence)
            role = paragraph.text[match.start():match.end()]
            channels = _channels(sentence)
            if not channels and sentence.rstrip().endswith(":"):
                for line in following[:MAX_OFFICER_LINES]:
                    if len(line.norm) > 80:
                        break
                    channels += _channels(line.norm, line.text)
            for label, value in channels:
                self.add("privacy_officer", f"{role}{label} {value}", paragraph, match.start())

    def emails_phones_addresses(self, paragraph: Paragraph) -> None:
        norm, text = paragraph.norm, paragraph.text
        for match in _EMAIL.finditer(norm):
            self.add("email", match.group(), paragraph, match.start())
        for match in _PHONES.finditer(norm):
            window = norm[max(0, match.start() - 12):match.end() + 8]
            if _PHONE_CONTEXT.search(window) and not re.search(r"QQ|qq", window):
                self.add("phone", match.group().replace(" ", ""), paragraph, match.start())
        for match in _ADDRESS.finditer(norm):
            value = match.group(1).strip()
            if _ADDRESS_SHAPE.search(value) and CJK_START.match(value):
                start = match.start(1) + (len(match.group(1)) - len(match.group(1).lstrip()))
                self.add("address", text[start:start + len(value)], paragraph, match.start())

    def service_accounts(self, paragraph: Paragraph) -> None:
        """WeChat/QQ service accounts and quoted in-app entries the policy offers for contact."""
        norm, text = paragraph.norm, paragraph.text
        for match in _SERVICE_ACCOUNT.finditer(norm):
            label = text[match.start(1):match.end(1)]
            if label.upper() == "QQ" and not _ONLINE_CONTEXT.search(sentence_at(paragraph, match.start())):
                continue
            self.add("online_service", f"{label} {match.group(2)}", paragraph, match.start())
        for match in _PUBLIC_ACCOUNT.finditer(norm):
            self.add("online_service", f"{text[match.start(2):match.end(2)]} {text[match.start(1):match.end(1)]}",
                     paragraph, match.start())
        for match in _IN_APP_ENTRY.finditer(norm):
            if _BARE_CHANNEL.match(match.group(1)):
                continue            # 通过“QQ”联系客服: a platform with no account to reach
            self.add("online_service", text[match.start(1):match.end(1)], paragraph, match.start())

    def online(self, paragraph: Paragraph) -> None:
        """在线客服 (its URL when one is written right before it) and other contact URLs."""
        norm, text = paragraph.norm, paragraph.text
        online_urls = set()
        for match in _ONLINE.finditer(norm):
            if not _ONLINE_CONTEXT.search(sentence_at(paragraph, match.start())):
                continue
            url = _URL.search(norm, max(0, match.start() - 60), match.start())
            if url and url.end() >= match.start() - 2:
                online_urls.add(url.group())
                self.add("online_service", url.group(), paragraph, match.start())
            else:
                prefix = re.match(r"^(?:.*(?:的|内|中|在|过|用|及|或|和))?", norm[match.start(1):match.end(1) - 4]).end()
                self.add("online_service", text[match.start(1) + prefix:match.end(1)], paragraph, match.start(1))
        for match in _URL.finditer(norm):
            if match.group() in online_urls or _SDK_LINK.search(norm[max(0, match.start() - 12):match.start()]):
                continue
            if _URL_CONTEXT.search(sentence_at(paragraph, match.start())):
                self.add("url", match.group().rstrip(".,;"), paragraph, match.start())

    def in_app(self, contact_paths: List[dict]) -> None:
        """In-app paths to customer service (我的 › 联系我们) found by the path finder."""
        for path in contact_paths:
            key = ("online_service", " › ".join(path["steps"]))
            if key not in self.found:
                self.found[key] = (True, {"kind": "online_service", "value": key[1], "section": path["section"],
                                          "quote": path["quote"]})

    def sorted(self) -> List[dict]:
        return sorted((item for _, item in self.found.values()), key=lambda item: CONTACT_ORDER.index(item["kind"]))


def contacts(document: Document, contact_paths: List[dict]) -> List[dict]:
    """Contact channels by kind (email, phone, address, online service, privacy officer, URL)."""
    collector = _Contacts()
    paragraphs = list(live_paragraphs(document))
    for index, paragraph in enumerate(paragraphs):
        collector.officers(paragraph, paragraphs[index + 1:index + 1 + MAX_OFFICER_LINES])
        collector.emails_phones_addresses(paragraph)
        collector.service_accounts(paragraph)
        collector.online(paragraph)
    collector.in_app(contact_paths)
    return collector.sorted()


def _sentence_span(norm: str, position: int):
    for start, end in sentence_spans(norm):
        if start <= position < end:
            return start, end
    return 0, len(norm)


def _channels(norm: str, text: Optional[str] = None) -> List[tuple]:
    """("邮箱", address), ("电话", number) and ("地址", postal address) pairs in a text (its
    normalised form; ``text``, the original, gives the address as written)."""
    found = [("邮箱", match.group()) for match in _EMAIL.finditer(norm)]
    for match in _PHONES.finditer(norm):
        window = norm[max(0, match.start() - 12):match.end() + 8]
        if _PHONE_CONTEXT.search(window) and not re.search(r"QQ|qq", window):
            found.append(("电话", match.group().replace(" ", "")))
    if text is not None:
        for match in _ADDRESS.finditer(norm):
            value = match.group(1).strip()
            if _ADDRESS_SHAPE.search(value) and CJK_START.match(value):
                start = match.start(1) + (len(match.group(1)) - len(match.group(1).lstrip()))
                found.append(("地址", text[start:start + len(value)]))
    return found
