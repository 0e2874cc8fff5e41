"""The product's shared vocabulary, defined once: every layer imports it, none re-spells it.

Request types and statuses, marketing channels, platforms, data categories and device
permissions, each value with the Chinese label users see. The channel, NLU (``domain.yml`` and
``config.yml`` canonical entity values), knowledge base, dialogue, actions and backend all take
their values from here; ``tests/test_contract.py`` ties them to ``domain.yml`` and ``config.yml``.
The canonical forms of phone numbers, codes and request ids are in ``bot.identifiers``.

Values are ``str`` enums: ``RequestType.DATA_EXPORT == "data_export"``, they serialise to JSON as
their value, and ``str(member)`` is the value.
"""
from __future__ import annotations

from enum import Enum
from typing import Dict, Tuple, Type, TypeVar

E = TypeVar("E", bound="LabelledValue")


class LabelledValue(str, Enum):
    """A contract value with its Chinese label: ``Channel.SMS.label == "营销短信"``."""

    label: str

    def __new__(cls, value: str, label: str) -> "LabelledValue":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls: Type[E]) -> Tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls: Type[E]) -> Dict[str, str]:
        """value → label, in declaration order."""
        return {member.value: member.label for member in cls}


class RequestType(LabelledValue):
    ACCOUNT_DELETION = "account_deletion", "注销账号"
    INFO_DELETION = "info_deletion", "删除个人信息"
    DATA_EXPORT = "data_export", "导出个人信息副本"
    UNSUBSCRIBE = "unsubscribe", "退订营销信息"


class RequestStatus(LabelledValue):
    IDENTITY_UNVERIFIED = "identity_unverified", "待验证身份"
    PENDING = "pending", "待处理"
    IN_PROGRESS = "in_progress", "处理中"
    COMPLETED = "completed", "已完成"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已撤回"


OPEN_STATUSES: Tuple[str, ...] = (RequestStatus.IDENTITY_UNVERIFIED.value, RequestStatus.PENDING.value,
                                  RequestStatus.IN_PROGRESS.value)
CLOSED_STATUSES: Tuple[str, ...] = (RequestStatus.COMPLETED.value, RequestStatus.REJECTED.value,
                                    RequestStatus.CANCELLED.value)


class Channel(LabelledValue):
    """Marketing channels a user can unsubscribe from."""

    SMS = "sms", "营销短信"
    EMAIL = "email", "营销邮件"
    PUSH = "push", "推送通知"
    PHONE_CALL = "phone_call", "营销电话"
    IN_APP = "in_app", "站内营销消息"


# what users name in conversation (the NLU's canonical channel values); in_app is set by operators
CONVERSATION_CHANNELS: Tuple[str, ...] = (Channel.SMS.value, Channel.EMAIL.value, Channel.PUSH.value,
                                          Channel.PHONE_CALL.value)


class Platform(LabelledValue):
    APP = "app", "手机App"
    IOS = "ios", "iOS App"
    ANDROID = "android", "安卓 App"
    PC = "pc", "电脑网页（PC端）"
    H5 = "h5", "手机网页（H5）"
    MINIPROGRAM = "miniprogram", "小程序"


class DataCategory(LabelledValue):
    """Kinds of personal information users name (the NLU's canonical data_category values)."""

    ACCOUNT_INFO = "account_info", "账号信息"
    ADDRESS = "address", "收货地址"
    ORDER = "order", "订单信息"
    BROWSING_HISTORY = "browsing_history", "浏览记录"
    SEARCH_HISTORY = "search_history", "搜索记录"
    REVIEW = "review", "评价"
    INVOICE = "invoice", "发票信息"
    PROFILE_ARCHIVE = "profile_archive", "用户画像"
    FACE = "face", "人脸信息"
    LOCATION = "location", "位置信息"
    CONTACTS = "contacts", "通讯录"
    CHAT_HISTORY = "chat_history", "聊天记录"
    PHONE_NUMBER = "phone_number", "手机号"


# Categories a user may ask to have deleted (the whole account is account_deletion). The
# backend carries out the first group itself; the others are done by the app's operators.
DELETABLE_CATEGORIES: Tuple[str, ...] = (
    DataCategory.BROWSING_HISTORY.value, DataCategory.SEARCH_HISTORY.value, DataCategory.ADDRESS.value,
    DataCategory.REVIEW.value, DataCategory.ORDER.value, DataCategory.INVOICE.value,
    DataCategory.FACE.value, DataCategory.LOCATION.value, DataCategory.CONTACTS.value,
    DataCategory.CHAT_HISTORY.value, DataCategory.PROFILE_ARCHIVE.value,
)


class Permission(LabelledValue):
    """Device permissions (the NLU's canonical permission values)."""

    LOCATION = "location", "位置"
    CAMERA = "camera", "相机"
    PHOTOS = "photos", "相册"
    MICROPHONE = "microphone", "麦克风"
    CONTACTS = "contacts", "通讯录"
    STORAGE = "storage", "存储"
    CALENDAR = "calendar", "日历"
    PHONE_STATE = "phone_state", "电话状态"
    CLIPBOARD = "clipboard", "剪贴板"


class HandoffReason(LabelledValue):
    USER_REQUEST = "user_request", "用户要求转人工"
    MISUNDERSTANDING = "misunderstanding", "多次未能理解"
    INCIDENT = "incident", "隐私安全事件"


# A conversation id (Rasa's sender id): what every channel may use and the backend stores.
CONVERSATION_ID_PATTERN = r"[A-Za-z0-9_.:\-]{1,100}"
CONVERSATION_ID_MAX_CHARS = 100
