"""What a policy says about cancelling an account, as the policy words it: the conditions the
account must meet ("您的账户需同时满足以下条件：（1）…") and what the user loses ("注销后，您将无法…
包括但不限于：（1）…"), usually in a 注销须知 appendix. Each is a lead-in sentence and the list items
that follow it; nothing is returned for a policy that lists neither.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence

from bot.knowledge.facts import live_paragraphs
from bot.knowledge.sections import Document, Paragraph

MAX_ITEMS = 12

_CONDITIONS_LEAD = re.compile(
    r"注销.{0,40}?(?:满足|符合|具备)(?:以下|如下|下列)?(?:全部|所有)?(?:条件|要求)|"
    r"(?:满足|符合)(?:以下|如下|下列)(?:条件|要求).{0,20}注销"
)
_CONSEQUENCES_LEAD = re.compile(r"注销.{0,40}?(?:后|将).{0,40}?(?:无法|不能|不可|删除|清空|清除|放弃)")
_ITEM_MARKER = re.compile(r"^\s*(?:[(\[（【]?\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[a-zA-Z])\s*[)\]）】.、．]|[●•▪■◆◇○◎★☆►▶·\-*])\s*")
_ITEM_END = "；;。，,、 "


def _item_text(paragraph: Paragraph) -> str:
    return _ITEM_MARKER.sub("", paragraph.text, count=1).strip().rstrip(_ITEM_END).strip()


def _items_after(paragraphs: Sequence[Paragraph], index: int) -> List[str]:
    """The list items right after the lead-in at ``index``, in the same numbering style."""
    items: List[str] = []
    marker = None
    for paragraph in paragraphs[index + 1:index + 1 + MAX_ITEMS]:
        if not paragraph.is_item and not paragraph.marker:
            break
        if marker is None:
            marker = paragraph.marker
        elif paragraph.marker != marker:
            break
        text = _item_text(paragraph)
        if text:
            items.append(text)
    return items


def _is_lead(paragraph: Paragraph, pattern: re.Pattern) -> bool:
    norm = paragraph.norm.rstrip()
    return norm.endswith(":") and bool(pattern.search(norm))


def cancellation_terms(document: Document) -> Optional[dict]:
    """{conditions, consequences, section, quote} from the policy's cancellation notice, or None."""
    paragraphs = list(live_paragraphs(document))
    found = {"conditions": None, "consequences": None}
    for index, paragraph in enumerate(paragraphs):
        for key, pattern in (("conditions", _CONDITIONS_LEAD), ("consequences", _CONSEQUENCES_LEAD)):
            if found[key] is None and _is_lead(paragraph, pattern):
                items = _items_after(paragraphs, index)
                if items:
                    found[key] = (paragraph, items)
    if not any(found.values()):
        return None
    lead = (found["conditions"] or found["consequences"])[0]
    return {
        "conditions": found["conditions"][1] if found["conditions"] else [],
        "consequences": found["consequences"][1] if found["consequences"] else [],
        "section": lead.section.breadcrumb,
        "quote": lead.text.strip(),
    }
