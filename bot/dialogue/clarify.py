"""The first answer to a message the assistant is unsure about: "您是想……吗？", not "没太理解".

When the NLU does not trust its top intent, its ranking still usually holds what the user meant.
The assistant offers the best one or two interpretations as buttons (Rasa's two-stage fallback
pattern); a click is read as that intent (``bot.channels.choices`` accepts exactly the buttons
just offered), "都不是" asks the user to rephrase, and a second miss leads towards a human
(``bot.dialogue.fallback``).
"""
from __future__ import annotations

import json
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from bot.dialogue.answers import Reply

MAX_OPTIONS = 2
MIN_OPTION_CONFIDENCE = 0.08
NONE_OF_THESE = ("都不是", "/deny")
OFFER = "clarify"

# what each intent means to the user, as a button would say it
CHOICE_LABELS: Dict[str, str] = {
    "ask_data_collected": "了解收集了哪些个人信息", "ask_data_usage": "了解个人信息的用途",
    "ask_permissions": "了解设备权限（定位、相机等）", "ask_third_party_sharing": "了解是否共享给第三方",
    "ask_cookies": "了解 Cookie 的使用", "ask_storage_retention": "了解信息保存多久、存在哪里",
    "ask_security": "了解个人信息的安全保护", "ask_minors": "了解未成年人信息保护",
    "ask_policy_updates": "了解隐私政策的更新", "ask_contact": "获取客服或个人信息保护负责人的联系方式",
    "ask_response_time": "了解申请多久处理", "ask_complaint": "投诉或举报",
    "how_view_or_correct_info": "查看或修改个人信息", "how_delete_info": "了解如何删除部分个人信息",
    "how_delete_account": "了解如何注销账号", "how_withdraw_consent": "撤回授权或解绑第三方账号",
    "how_manage_personalization": "关闭个性化推荐或广告", "how_unsubscribe": "了解如何退订营销信息",
    "how_get_data_copy": "了解如何获取个人信息副本", "request_account_deletion": "请客服帮我注销账号",
    "request_info_deletion": "请客服帮我删除个人信息", "request_data_export": "请客服帮我导出个人信息",
    "request_unsubscribe": "请客服帮我退订营销信息", "check_request_status": "查询申请进度",
    "cancel_request": "撤回已提交的申请", "report_privacy_incident": "反映个人信息泄露或账号被盗",
    "human_handoff": "转人工客服", "out_of_scope": "咨询订单、物流、退款等其他问题",
}
# entities a button carries over to the intent it picks
CARRIED_ENTITIES = ("data_category", "channel", "permission")


def options(ranking: Iterable[Mapping], limit: int = MAX_OPTIONS) -> List[Tuple[str, float]]:
    """The interpretations worth offering: intents users can pick, best first."""
    picked = []
    for entry in ranking:
        name, confidence = entry.get("name"), float(entry.get("confidence") or 0.0)
        if name in CHOICE_LABELS and confidence >= MIN_OPTION_CONFIDENCE:
            picked.append((name, confidence))
        if len(picked) == limit:
            break
    return picked


def payload(intent: str, entities: Sequence[Mapping]) -> str:
    """``/intent{"entity": "value"}`` — what a click sends, with the message's qualifiers."""
    carried = {}
    for entity in entities:
        kind = entity.get("entity")
        if kind in CARRIED_ENTITIES and kind not in carried and isinstance(entity.get("value"), str):
            carried[kind] = entity["value"]
    return f"/{intent}{json.dumps(carried, ensure_ascii=False)}" if carried else f"/{intent}"


def clarify_reply(choices: Sequence[Tuple[str, float]], entities: Sequence[Mapping] = ()) -> Reply:
    """"您是想……吗？" with one button per interpretation and "都不是"."""
    labels = [CHOICE_LABELS[intent] for intent, _ in choices]
    question = (f"您是想{labels[0]}吗？" if len(labels) == 1
                else f"您是想{labels[0]}，还是{labels[1]}？")
    buttons = tuple((CHOICE_LABELS[intent], payload(intent, entities)) for intent, _ in choices)
    return Reply(f"{question}请点选，或换个说法告诉我。", buttons + (NONE_OF_THESE,), offer=OFFER)


def rephrase_prompt() -> str:
    return "好的，请您换个说法描述一下问题，例如“怎么注销账号”“你们会收集哪些信息”“帮我退订营销短信”。"
