"""Handing a conversation to a human agent, and reports of privacy incidents.

The agent gets a short summary — what the user asked, in their words but with personal data
masked — and the user is told plainly what happens next.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from bot.redaction import mask
from bot.text import normalize

MAX_TURNS_IN_SUMMARY = 8
MAX_CHARS_PER_TURN = 120
REASON_LABELS = {"user_request": "用户要求人工", "misunderstanding": "多次未能理解用户",
                 "incident": "用户报告隐私事件"}
INCIDENT_KINDS = (  # first match wins
    ("account_takeover", ("被盗", "盗号", "异地登录", "被人登录", "不是我本人", "被改了密码", "被登录")),
    ("scam_contact", ("诈骗", "骗子", "冒充", "骗", "推销电话知道", "知道我的订单")),
    ("data_leak", ("泄露", "泄漏", "外泄", "卖了我的", "被卖")),
)


@dataclass(frozen=True)
class Turn:
    speaker: str          # "user" or "bot"
    text: str
    intent: Optional[str] = None


def conversation_summary(
    app_name: str, reason: str, turns: Sequence[Turn], open_request_ids: Iterable[str] = ()
) -> str:
    """A masked, bounded summary of the conversation for the agent."""
    lines = [f"应用：{app_name}", f"转人工原因：{REASON_LABELS.get(reason, reason)}"]
    request_ids = list(open_request_ids)
    if request_ids:
        lines.append(f"进行中的申请：{'、'.join(request_ids)}")
    lines.append("最近对话：")
    for turn in list(turns)[-MAX_TURNS_IN_SUMMARY:]:
        who = "用户" if turn.speaker == "user" else "助手"
        intent = f"［{turn.intent}］" if turn.intent and turn.speaker == "user" else ""
        text = mask(" ".join(turn.text.split()))
        if len(text) > MAX_CHARS_PER_TURN:
            text = text[:MAX_CHARS_PER_TURN] + "…"
        lines.append(f"{who}{intent}：{text}")
    return "\n".join(lines)


def incident_kind(text: str) -> str:
    normalised = normalize(text)
    for kind, words in INCIDENT_KINDS:
        if any(word in normalised for word in words):
            return kind
    return "other"


def handoff_message(ticket_id: Optional[str]) -> str:
    ticket = f"（工单号 {ticket_id}）" if ticket_id else ""
    return (f"已为您转接人工客服{ticket}，客服会查看我们刚才的对话记录，接入后继续为您服务。"
            "在此期间我将不再自动回复，请您稍候。")


def handoff_unavailable() -> str:
    return "抱歉，人工客服系统暂时无法连接。请稍后再试，或通过应用内的在线客服入口联系我们。"


def incident_message(kind: str, ticket_id: Optional[str]) -> str:
    advice = {
        "account_takeover": ["立即修改登录密码，并检查绑定的手机号和支付方式；", "不要向任何人透露验证码。"],
        "scam_contact": ["不要向来电或短信中的任何人转账、透露验证码或银行卡信息；",
                         "如已受骗，请立即拨打 110 或 96110 报警。"],
        "data_leak": ["修改登录密码，留意可疑来电和短信；", "不要向任何人透露验证码。"],
    }.get(kind, ["修改登录密码，不要向任何人透露验证码。"])
    ticket = f"（工单号 {ticket_id}）" if ticket_id else ""
    lines = [f"非常抱歉给您带来困扰。我们已记录您反映的情况{ticket}，并转交人工客服优先处理。",
             "在此期间建议您："]
    lines += [f"{number}. {item}" for number, item in enumerate(advice, 1)]
    lines.append("客服接入前我将不再自动回复，请您稍候。")
    return "\n".join(lines)
