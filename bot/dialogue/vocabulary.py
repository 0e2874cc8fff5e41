"""The words the assistant uses for the contract's values, and which intent answers which topic."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.contract import (
    Channel, DataCategory, Permission, Platform, RequestStatus, RequestType,
)
from bot.text import normalize

# labels of the contract's values (bot.contract), under the names the dialogue uses
DATA_CATEGORY_LABELS = DataCategory.labels()
CHANNEL_LABELS = Channel.labels()
PERMISSION_LABELS = Permission.labels()
PLATFORM_LABELS = Platform.labels()
REQUEST_TYPE_LABELS = RequestType.labels()
STATUS_LABELS = RequestStatus.labels()


@dataclass(frozen=True)
class Topic:
    """What a self-service intent is about in the knowledge base."""

    name: str                       # the knowledge base topic
    label: str                      # how the assistant names the task
    qualifier: Optional[str] = None  # the entity that narrows it (data_category / channel / permission)
    offer: Optional[str] = None      # the request the assistant can file for the user


SELF_SERVICE_TOPICS = {
    "how_delete_account": Topic("account_deletion", "注销账号", offer="account_deletion"),
    "how_delete_info": Topic("delete_info", "删除个人信息", "data_category", "info_deletion"),
    "how_view_or_correct_info": Topic("view_or_correct_info", "查看或更正个人信息", "data_category"),
    "how_withdraw_consent": Topic("withdraw_consent", "撤回授权"),
    "how_manage_personalization": Topic("personalization", "关闭个性化推荐和广告"),
    "how_unsubscribe": Topic("unsubscribe", "退订营销信息", "channel", "unsubscribe"),
    "how_get_data_copy": Topic("data_copy", "获取个人信息副本", offer="data_export"),
    "ask_permissions": Topic("permissions", "管理设备权限", "permission"),
}

# question intents -> knowledge base question topic (clauses_for)
QUESTION_TOPICS = {
    "ask_data_collected": "data_collected", "ask_data_usage": "data_usage",
    "ask_third_party_sharing": "third_party_sharing", "ask_cookies": "cookies",
    "ask_storage_retention": "storage_retention", "ask_security": "security",
    "ask_minors": "minors", "ask_policy_updates": "policy_updates", "ask_contact": "contact",
    "ask_response_time": "response_time", "ask_complaint": "complaint",
}

REQUEST_INTENTS = {
    "request_account_deletion": "account_deletion", "request_info_deletion": "info_deletion",
    "request_data_export": "data_export", "request_unsubscribe": "unsubscribe",
}

_PLATFORM_WORDS = [
    ("miniprogram", re.compile(r"小程序|mini.?program", re.I)),
    ("pc", re.compile(r"电脑|pc|网页版|官网|桌面|笔记本|mac(?!hine)|windows", re.I)),
    ("h5", re.compile(r"h5|手机网页|手机浏览器|wap", re.I)),
    ("ios", re.compile(r"苹果|iphone|ipad|ios", re.I)),
    ("android", re.compile(r"安卓|android|华为|小米|oppo|vivo|荣耀", re.I)),
    ("app", re.compile(r"手机(?!号)|app|客户端", re.I)),
]


def platform_in(text: str) -> Optional[str]:
    """The platform a message names (电脑 → pc, 苹果手机 → ios…), or None."""
    normalised = normalize(text)
    for platform, pattern in _PLATFORM_WORDS:
        if pattern.search(normalised):
            return platform
    return None


# A bare yes to "确认要注销账号吗？". Said alone, these are always a yes in a confirmation, whatever
# the NLU reads into a one-character message ("是" looked like "是机器人吗").
_YES = re.compile(
    r"^(?:是|是的|是滴|是啊|是呀|对|对的|对啊|嗯+|嗯嗯|恩+|好|好的|好滴|好哒|好嘞|好吧|行|可以|确认|确定|"
    r"没问题|同意|要|要的|ok|okay|yes|y|sure|确认提交|确认注销|确认删除|确认退订|确认导出)$", re.I)
_TRIM = re.compile(r"[\s,，。.!！~～…]+")


def is_plain_yes(text: str) -> bool:
    """Whether ``text`` is nothing but a yes ("是的！", "好滴~", "OK")."""
    return bool(_YES.match(_TRIM.sub("", normalize(text or ""))))
