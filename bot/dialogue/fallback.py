"""When the assistant is not sure what the user means, and questions it does not handle.

A first miss is answered from the app's policy if a passage matches the words well, otherwise the
user is asked to rephrase; a second miss also offers a human; a third hands over.
"""
from __future__ import annotations

from bot.dialogue.answers import Reply, contact_line, quote

MIN_FALLBACK_COVERAGE = 0.5
MISSES_BEFORE_OFFER = 2
MISSES_BEFORE_HANDOFF = 3
HUMAN_BUTTONS = (("转人工客服", "/human_handoff"), ("我换个说法", "/deny"))


def fallback_reply(kb, text: str, misses: int) -> Reply:
    """The reply to the ``misses``-th consecutive message the assistant did not understand."""
    hits = kb.search(text, k=1, min_coverage=MIN_FALLBACK_COVERAGE) if text.strip() else []
    if hits:
        hit = hits[0]
        lines = ["您是想了解这方面的规定吗？", quote(hit.text), f"（依据：{hit.section}）"]
        sections = (hit.section,)
    else:
        lines = ["抱歉，我没太理解您的意思。能换个说法吗？比如“怎么注销账号”“你们会收集哪些信息”。"]
        sections = ()
    if misses >= MISSES_BEFORE_OFFER:
        lines.append("如果还是没能解决，我可以为您转接人工客服。")
        return Reply("\n".join(lines), HUMAN_BUTTONS, offer="handoff", sections=sections)
    return Reply("\n".join(lines), sections=sections)


def should_hand_over(misses: int) -> bool:
    return misses >= MISSES_BEFORE_HANDOFF


def out_of_scope_reply(kb) -> str:
    contact = contact_line(kb, kinds=("phone", "online_service"))
    where = f"请联系{kb.name}客服：{contact}" if contact else f"请通过{kb.name}应用内的在线客服咨询"
    return ("抱歉，我是隐私助手，只能解答个人信息保护方面的问题，"
            f"例如信息收集、删除、导出、退订和注销账号。订单、物流、退款、登录等问题，{where}。")
