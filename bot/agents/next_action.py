"""The next best action for a user message: what the agent can do for the user with one click.

Chosen from the intent, its entities, and what the conversation proves about the user
(``identity``) and their requests. Running it goes through the backend's rules
(``bot.backend.services.agent_actions``); this module only decides what to offer, and says why
an action cannot run yet (no verified identity, a category or channel still to be named, the
same request already open).

    {"type": "file_request" | "send_export_link" | "cancel_request", "label": 中文,
     "request_type", "categories", "channels", "request_id", "available": bool, "reason": 中文 | None}
"""
from __future__ import annotations

from typing import Optional, Sequence

from bot.contract import CONVERSATION_CHANNELS, DELETABLE_CATEGORIES, Channel, DataCategory
from bot.dialogue.vocabulary import REQUEST_TYPE_LABELS

FILING_INTENTS = {
    "request_account_deletion": "account_deletion", "how_delete_account": "account_deletion",
    "request_data_export": "data_export", "how_get_data_copy": "data_export",
    "request_info_deletion": "info_deletion", "how_delete_info": "info_deletion",
    "request_unsubscribe": "unsubscribe", "how_unsubscribe": "unsubscribe",
}
OPEN_STATUSES = ("identity_unverified", "pending", "in_progress")
NOT_VERIFIED = "用户尚未在本会话中完成验证码验证：请转回智能助手，由用户验证身份后再办理。"
NO_CONVERSATION = "需要在已验证身份的会话中办理。"


def choose(intent: str, entities: dict, identity: Optional[dict], requests: Sequence[dict] = (),
           in_conversation: bool = True) -> Optional[dict]:
    """The action to offer for a message (None if there is nothing to do for the user)."""
    if intent == "cancel_request":
        return _cancel(entities, requests, identity, in_conversation)
    request_type = FILING_INTENTS.get(intent)
    if request_type is None:
        return None
    if request_type == "data_export":
        ready = [r for r in requests if r.get("type") == "data_export" and r.get("export_ready")]
        if ready:
            return _action("send_export_link", "发送导出下载链接", identity, in_conversation,
                           request_type="data_export", request_id=ready[0]["id"])
    categories, channels, missing = _scope(request_type, entities)
    label = f"为该已验证用户提交{REQUEST_TYPE_LABELS[request_type]}申请" + _scope_label(categories, channels)
    action = _action("file_request", label, identity, in_conversation, request_type=request_type,
                     categories=categories, channels=channels)
    if action["available"] and missing:
        action.update(available=False, reason=missing)
    already = _open_same(requests, request_type, categories, channels)
    if action["available"] and already:
        action.update(available=False, reason=f"该用户已有进行中的同类申请 {already['id']}（{already['status_label']}）。")
    return action


def _scope(request_type: str, entities: dict) -> tuple[list, list, Optional[str]]:
    if request_type == "info_deletion":
        categories = [c for c in entities.get("data_category", ()) if c in DELETABLE_CATEGORIES]
        return categories, [], None if categories else "请先和用户确认要删除哪类信息（如浏览记录、收货地址）。"
    if request_type == "unsubscribe":
        channels = [c for c in entities.get("channel", ()) if c in CONVERSATION_CHANNELS]
        return [], channels, None if channels else "请先和用户确认要退订的渠道（短信、邮件、推送或电话）。"
    return [], [], None


def _scope_label(categories: list, channels: list) -> str:
    labels = [DataCategory(c).label for c in categories] + [Channel(c).label for c in channels]
    return f"（{'、'.join(labels)}）" if labels else ""


def _open_same(requests: Sequence[dict], request_type: str, categories: list, channels: list) -> Optional[dict]:
    for request in requests:
        if (request.get("type") == request_type and request.get("status") in OPEN_STATUSES
                and sorted(request.get("categories") or []) == sorted(categories)
                and sorted(request.get("channels") or []) == sorted(channels)):
            return request
    return None


def _cancel(entities: dict, requests: Sequence[dict], identity: Optional[dict],
            in_conversation: bool) -> Optional[dict]:
    named = set(entities.get("request_id", ()))
    cancellable = [r for r in requests if r.get("cancellable") and (not named or r["id"] in named)]
    if not cancellable:
        return None
    request = cancellable[0]
    return _action("cancel_request", f"撤回申请 {request['id']}（{REQUEST_TYPE_LABELS.get(request['type'], '')}）",
                   identity, in_conversation, request_type=request["type"], request_id=request["id"])


def _action(type_: str, label: str, identity: Optional[dict], in_conversation: bool, *,
            request_type: str, categories: Sequence[str] = (), channels: Sequence[str] = (),
            request_id: Optional[str] = None) -> dict:
    available, reason = _permitted(identity, in_conversation, type_, request_type)
    return {"type": type_, "label": label, "request_type": request_type, "categories": list(categories),
            "channels": list(channels), "request_id": request_id, "available": available, "reason": reason}


def _permitted(identity: Optional[dict], in_conversation: bool, type_: str,
               request_type: str) -> tuple[bool, Optional[str]]:
    """The bot's rule: a code verified in this conversation; a WeChat openid bound to the account
    is enough for unsubscribing and for acting on existing requests."""
    if not in_conversation:
        return False, NO_CONVERSATION
    if identity and identity.get("verified"):
        return True, None
    bound = bool(identity) and identity.get("via") == "wechat_openid"
    if bound and (request_type == "unsubscribe" or type_ != "file_request"):
        return True, None
    return False, NOT_VERIFIED
