"""From an HTTP request to a push WeChat provably sent, or a ``PushRejected`` saying why not.

The checks, in order, each before anything is decrypted or parsed further:

1. the body is at most ``max_body_bytes`` (413);
2. the query carries ``timestamp``, ``nonce`` and a signature (400);
3. the timestamp is within ``window_seconds`` of now (403, ``stale_timestamp``): a captured push
   cannot be replayed later;
4. the signature: ``signature`` over token/timestamp/nonce in plaintext mode, ``msg_signature``
   over token/timestamp/nonce/Encrypt in compatible and safe mode (403);
5. an app with an EncodingAESKey accepts encrypted pushes only (403, ``encryption_required``);
6. decryption with the current key, then the previous one during a rotation; the decrypted
   appid must be the app's own (400 / 403);
7. the message fields (400).

A verified push also carries its ``replay_key`` (timestamp, nonce, signature): the inbox lets
each be used once, which matters most in plaintext mode, where the signature does not cover
the body.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from bot.channels.wechat import crypto
from bot.channels.wechat.config import WeChatApp
from bot.channels.wechat.crypto import PushRejected
from bot.channels.wechat.messages import (BodyFormat, MalformedPush, Push, encrypted_envelope, parse_body,
                                          push_from_fields)

DEFAULT_WINDOW_SECONDS = 300
DEFAULT_MAX_BODY_BYTES = 64 * 1024  # compatible mode triples a push; text is at most a few KB
MAX_ECHOSTR_CHARS = 128


class MissingParameter(PushRejected):
    code, status = "missing_parameter", 400


class StaleTimestamp(PushRejected):
    code, status = "stale_timestamp", 403


class EncryptionRequired(PushRejected):
    code, status = "encryption_required", 403


class BodyTooLarge(PushRejected):
    code, status = "body_too_large", 413


@dataclass(frozen=True)
class VerifiedPush:
    push: Push
    body_format: BodyFormat
    encryption_key: Optional[str]   # the key that opened the push; a passive reply uses it too
    nonce: str
    replay_key: str


def check_timestamp(timestamp: str, now: float, window_seconds: int) -> None:
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise MissingParameter("timestamp 必须是整数")
    if abs(now - int(timestamp)) > window_seconds:
        raise StaleTimestamp("时间戳已过期或超前，请求被拒绝")


def _parameter(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value or len(value) > 128:
        raise MissingParameter(f"缺少参数 {name}")
    return value


def verify_url_check(app: WeChatApp, query: Mapping[str, str], now: float,
                     window_seconds: int = DEFAULT_WINDOW_SECONDS) -> str:
    """The ``echostr`` to echo when WeChat checks the URL (GET); raises PushRejected."""
    timestamp, nonce = _parameter(query, "timestamp"), _parameter(query, "nonce")
    given, echostr = _parameter(query, "signature"), query.get("echostr") or ""
    if not echostr or len(echostr) > MAX_ECHOSTR_CHARS or not echostr.isprintable():
        raise MissingParameter("缺少参数 echostr")
    check_timestamp(timestamp, now, window_seconds)
    crypto.check_signature(crypto.signature(app.token, timestamp, nonce), given)
    return echostr


def verify_push(app: WeChatApp, query: Mapping[str, str], body: bytes, now: float,
                window_seconds: int = DEFAULT_WINDOW_SECONDS,
                max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> VerifiedPush:
    """The push in a POST, once it has passed every check above."""
    if len(body) > max_body_bytes:
        raise BodyTooLarge(f"请求体过大（超过 {max_body_bytes} 字节）")
    if not body.strip():
        raise MalformedPush("请求体为空")
    timestamp, nonce = _parameter(query, "timestamp"), _parameter(query, "nonce")
    encrypted = query.get("encrypt_type")
    if encrypted not in (None, "", "aes"):
        raise MissingParameter("encrypt_type 只能是 aes")
    check_timestamp(timestamp, now, window_seconds)
    if encrypted:
        return _verify_encrypted(app, query, body, timestamp, nonce)
    if app.encrypted:
        raise EncryptionRequired("本应用要求加密推送（兼容模式或安全模式）")
    given = _parameter(query, "signature")
    crypto.check_signature(crypto.signature(app.token, timestamp, nonce), given)
    body_format, fields = parse_body(body)
    return VerifiedPush(push_from_fields(fields), body_format, None, nonce,
                        f"{timestamp}:{nonce}:{given.lower()}")


def _verify_encrypted(app: WeChatApp, query: Mapping[str, str], body: bytes,
                      timestamp: str, nonce: str) -> VerifiedPush:
    given = _parameter(query, "msg_signature")
    body_format, envelope = parse_body(body)
    encrypt = envelope.get("Encrypt")
    if not encrypt:
        raise MalformedPush("加密推送缺少 Encrypt 字段")
    crypto.check_signature(crypto.msg_signature(app.token, timestamp, nonce, encrypt), given)
    if not app.encrypted:
        raise crypto.UndecryptableMessage("本应用未配置 EncodingAESKey，无法解密")
    keys = [key for key in (app.aes_key, app.previous_aes_key) if key]
    message, key = crypto.decrypt_for_app(encrypt, app.appid, keys)
    # compatible mode repeats the message in plaintext beside Encrypt: only the ciphertext,
    # which the signature covers, is believed
    _, fields = parse_body(message, body_format)
    return VerifiedPush(push_from_fields(fields), body_format, key, nonce,
                        f"{timestamp}:{nonce}:{given.lower()}")


def encrypted_reply(app: WeChatApp, key: str, plaintext: bytes, timestamp: str, nonce: str,
                    body_format: BodyFormat) -> bytes:
    """A passive reply in safe mode: encrypted with ``key`` and signed (msg_signature)."""
    encrypt = crypto.encrypt(plaintext, app.appid, key)
    signature = crypto.msg_signature(app.token, timestamp, nonce, encrypt)
    return encrypted_envelope(encrypt, signature, timestamp, nonce, body_format)
