"""WeChat push bodies and passive replies, in both of WeChat's data formats (XML and JSON).

A mini-program's message-push setting chooses XML or JSON once; every push, the ``Encrypt``
envelope of compatible and safe mode, and the message inside it use that format. This module
reads a body into flat fields (``parse_body``), turns fields into a checked ``Push``
(``push_from_fields``), and writes what goes back to WeChat: the ``transfer_customer_service``
reply and the encrypted envelope. It also writes pushes, for the local simulator and the tests.

XML is parsed by the standard library after refusing any DTD: WeChat never sends one, and a DTD
is how entity-expansion and external-entity attacks arrive.
"""
from __future__ import annotations

import enum
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.channels.wechat.crypto import PushRejected

TEXT, EVENT = "text", "event"
ENTER_SESSION = "user_enter_tempsession"
TRANSFER = "transfer_customer_service"

# openids are 28 characters; with the app id, ``wechat:<app>:<openid>`` stays within a
# conversation id's 100 characters (bot.contract)
_OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_@.\-]{1,64}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_MSG_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,80}$")
_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# WeChat's integer fields; every other field is text (CDATA in XML)
_NUMERIC_FIELDS = frozenset({"CreateTime", "MsgId", "TimeStamp"})


class BodyFormat(str, enum.Enum):
    XML = "xml"
    JSON = "json"


class MalformedPush(PushRejected):
    code, status = "malformed_push", 400


@dataclass(frozen=True)
class Push:
    """One message or event a mini-program user sent, as WeChat pushed it."""

    to_user: str            # the mini-program's original id (gh_…)
    openid: str             # FromUserName: the user, per app
    create_time: int
    msg_type: str
    msg_id: Optional[str] = None
    content: Optional[str] = None
    event: Optional[str] = None

    @property
    def is_event(self) -> bool:
        return self.msg_type == EVENT

    @property
    def dedup_key(self) -> str:
        """What makes two pushes the same: MsgId, or for events the user, time and event."""
        if self.msg_id and not self.is_event:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event or ''}"

    @property
    def order_key(self) -> str:
        """Sorts one user's pushes as WeChat received them: by CreateTime, then MsgId."""
        msg_id = self.msg_id or ""
        tie = msg_id.rjust(24, "0") if msg_id.isdigit() else f"~{msg_id or self.event or ''}"
        return f"{self.create_time:012d}:{tie}"

    def to_fields(self) -> Dict[str, Any]:
        fields: Dict[str, Any] = {"ToUserName": self.to_user, "FromUserName": self.openid,
                                  "CreateTime": self.create_time, "MsgType": self.msg_type}
        for name, value in (("MsgId", self.msg_id), ("Content", self.content), ("Event", self.event)):
            if value is not None:
                fields[name] = value
        return fields


def detect_format(body: bytes) -> BodyFormat:
    start = body.lstrip()[:1]
    if start == b"<":
        return BodyFormat.XML
    if start == b"{":
        return BodyFormat.JSON
    raise MalformedPush("请求体既不是 XML 也不是 JSON")


def parse_body(body: bytes, body_format: Optional[BodyFormat] = None) -> Tuple[BodyFormat, Dict[str, str]]:
    """(format, top-level fields as strings) of a push or envelope body; raises MalformedPush."""
    body_format = body_format or detect_format(body)
    fields = _parse_xml(body) if body_format is BodyFormat.XML else _parse_json(body)
    return body_format, fields


def _parse_xml(body: bytes) -> Dict[str, str]:
    if _DTD_RE.search(body):
        raise MalformedPush("XML 中不允许 DTD 或实体声明")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise MalformedPush("XML 格式不正确") from error
    if root.tag != "xml":
        raise MalformedPush("XML 根元素必须是 <xml>")
    return {child.tag: (child.text or "").strip() if child.tag in _NUMERIC_FIELDS else (child.text or "")
            for child in root}


def _parse_json(body: bytes) -> Dict[str, str]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedPush("JSON 格式不正确") from error
    if not isinstance(data, dict):
        raise MalformedPush("JSON 请求体必须是对象")
    fields: Dict[str, str] = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue  # nested fields (e.g. event details) are not used by this channel
        fields[name] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return fields


def push_from_fields(fields: Mapping[str, str]) -> Push:
    """A checked ``Push``; raises MalformedPush naming the first bad field."""
    openid = _required(fields, "FromUserName", _OPENID_RE)
    to_user = _required(fields, "ToUserName", _ACCOUNT_RE)
    msg_type = _required(fields, "MsgType", _NAME_RE)
    create_time = fields.get("CreateTime", "")
    if not create_time.isdigit() or len(create_time) > 12:
        raise MalformedPush("CreateTime 必须是整数时间戳")
    event = msg_id = content = None
    if msg_type == EVENT:
        event = _required(fields, "Event", _NAME_RE)
    else:
        msg_id = _required(fields, "MsgId", _MSG_ID_RE)
    if msg_type == TEXT:
        content = fields.get("Content")
        if content is None:
            raise MalformedPush("文本消息缺少 Content")
    return Push(to_user, openid, int(create_time), msg_type, msg_id, content, event)


def _required(fields: Mapping[str, str], name: str, pattern: re.Pattern) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        raise MalformedPush(f"字段 {name} 缺失或格式不正确")
    return value


# writing -----------------------------------------------------------------------------------------

def build_body(fields: Mapping[str, Any], body_format: BodyFormat) -> bytes:
    """A push or reply body in WeChat's style: XML with text in CDATA and numbers bare, or JSON."""
    if body_format is BodyFormat.JSON:
        return json.dumps({name: _json_value(name, value) for name, value in fields.items()},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    parts = ["<xml>"]
    for name, value in fields.items():
        if name in _NUMERIC_FIELDS and str(value).isdigit():
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{cdata(str(value))}</{name}>")
    parts.append("</xml>")
    return "".join(parts).encode("utf-8")


def _json_value(name: str, value: Any) -> Any:
    return int(value) if name in _NUMERIC_FIELDS and str(value).isdigit() else value


def cdata(text: str) -> str:
    """``text`` in CDATA; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def transfer_reply(push: Push, now: int, body_format: BodyFormat) -> bytes:
    """The passive reply that hands this message to WeChat's customer-service tools (转发客服消息)."""
    return build_body({"ToUserName": push.openid, "FromUserName": push.to_user,
                       "CreateTime": now, "MsgType": TRANSFER}, body_format)


def encrypted_envelope(encrypt: str, signature: str, timestamp: str, nonce: str,
                       body_format: BodyFormat) -> bytes:
    """The reply envelope of safe mode: Encrypt, MsgSignature, TimeStamp, Nonce."""
    return build_body({"Encrypt": encrypt, "MsgSignature": signature,
                       "TimeStamp": timestamp, "Nonce": nonce}, body_format)


def push_envelope(to_user: str, encrypt: str, body_format: BodyFormat,
                  plaintext_fields: Optional[Mapping[str, Any]] = None) -> bytes:
    """An encrypted push as WeChat sends it: safe mode has ``ToUserName`` and ``Encrypt`` only;
    compatible mode (``plaintext_fields``) carries the plaintext message beside the ciphertext."""
    fields: Dict[str, Any] = dict(plaintext_fields or {"ToUserName": to_user})
    fields.setdefault("ToUserName", to_user)
    fields["Encrypt"] = encrypt
    return build_body(fields, body_format)
