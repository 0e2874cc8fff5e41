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
    r"(?:联系地址|通讯地址|邮寄地址|办公地址|注册地址|公司地址|地址)\s*(?:为|是|:)?\s*([^,;。()]{6,60})"
)
_ADDRESS_SHAPE = re.compile(r"[省市区县].*[路街道号楼室层座厦心园]")
_OFFICER = re.compile(r"个人信息保护(?:负责人|专职部门|专员|联系人|官)|数据保护官|DPO")
_ONLINE = re.compile(r"(?:通过|可通过|访问|使用|联系|登录)?([\u4e00-\u9fff]{0,4}?在线客服)")
_OFFICER_CONTEXT = re.compile(r"联系|联络|邮箱|电话|发起|投诉|设立|指定|咨询|反馈")
_OFFICER_NOT = re.compile(r"变化|变更|发生")
_ONLINE_CONTEXT = re.compile(r"联系|通过|访问|咨询|反馈")


CONTACT_ORDER = ("email", "phone", "address", "online_service", "privacy_officer", "url")


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

    def officers(self, paragraph: Paragraph, following: Optional[Paragraph]) -> None:
        """A privacy officer or department the user can reach (not one a policy change mentions),
        with the email or phone given for them in the same sentence — or on the next line when
        the sentence ends in "：" (个人信息保护负责人联系方式：…)."""
        seen = set()
        for match in _OFFICER.finditer(paragraph.norm):
            start, end = _sentence_span(paragraph.norm, match.start())
            sentence = paragraph.norm[start:end]
            if sentence in seen or not _OFFICER_CONTEXT.search(sentence) or _OFFICER_NOT.search(sentence):
                continue
            seen.add(sentence)
            role = paragraph.text[match.start():match.end()]
            channels = _channels(sentence)
            if not channels and sentence.rstrip().endswith(":") and following is not None:
                channels = _channels(following.norm)
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
            if _ADDRESS_SHAPE.search(value):
                self.add("address", text[match.start(1):match.start(1) + len(value)], paragraph, match.start())

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
        collector.officers(paragraph, paragraphs[index + 1] if index + 1 < len(paragraphs) else None)
        collector.emails_phones_addresses(paragraph)
        collector.online(paragraph)
    collector.in_app(contact_paths)
    return collector.sorted()


def _sentence_span(norm: str, position: int):
    for start, end in sentence_spans(norm):
        if start <= position < end:
            return start, end
    return 0, len(norm)


def _channels(norm: str) -> List[tuple]:
    """("邮箱", address) and ("电话", number) pairs written in a (normalised) text."""
    found = [("邮箱", match.group()) for match in _EMAIL.finditer(norm)]
    for match in _PHONES.finditer(norm):
        window = norm[max(0, match.start() - 12):match.end() + 8]
        if _PHONE_CONTEXT.search(window) and not re.search(r"QQ|qq", window):
            found.append(("电话", match.group().replace(" ", "")))
    return found
