"""WeChat's message signatures and message encryption (the WXBizMsgCrypt scheme), as functions.

- ``signature(token, timestamp, nonce)``: SHA-1 of the three strings sorted and joined — the URL
  check (GET) and plaintext-mode pushes;
- ``msg_signature(token, timestamp, nonce, encrypt)``: the same over four strings, the ciphertext
  included — encrypted pushes and encrypted replies;
- ``encrypt`` / ``decrypt``: AES-256-CBC with the key from the 43-character EncodingAESKey, the
  IV its first 16 bytes, over ``random(16) + len(msg) (4 bytes, network order) + msg + appid``,
  PKCS#7-padded to a multiple of 32 bytes; the decrypted appid must be the app's own.

Source: the mini-program message-push guide (消息推送, developers.weixin.qq.com/miniprogram/dev/
framework/server-ability/message-push.html) and WeChat's sample code (cryptoDemo.zip); the tests
check these functions against the published vectors. A failed check raises ``PushRejected``
subclasses with one message per cause and never says which byte was wrong.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from typing import Iterable, Optional, Sequence, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat.config import decode_aes_key

BLOCK_SIZE = 32  # WeChat pads to the key length, not to AES's 16-byte block
RANDOM_PREFIX_BYTES = 16


class PushRejected(ValueError):
    """A push that must not reach the assistant; ``code`` and ``status`` go into the 4xx answer."""

    code = "rejected"
    status = 400


class InvalidSignature(PushRejected):
    code, status = "invalid_signature", 403


class UndecryptableMessage(PushRejected):
    code, status = "undecryptable", 400


class WrongAppId(PushRejected):
    code, status = "wrong_appid", 403


def sha1_of_sorted(parts: Iterable[str]) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature(token: str, timestamp: str, nonce: str) -> str:
    return sha1_of_sorted((token, timestamp, nonce))


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return sha1_of_sorted((token, timestamp, nonce, encrypt))


def check_signature(expected: str, given: Optional[str]) -> None:
    if not given or not hmac.compare_digest(expected, given.lower()):
        raise InvalidSignature("签名校验失败")


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    amount = block_size - len(data) % block_size  # 1..block_size: a full block when aligned
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    if not data:
        raise UndecryptableMessage("密文为空")
    amount = data[-1]
    if not 1 <= amount <= block_size or data[-amount:] != bytes([amount]) * amount:
        raise UndecryptableMessage("密文填充不正确")
    return data[:-amount]


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(message: bytes, appid: str, encoding_aes_key: str, random_prefix: Optional[bytes] = None) -> str:
    """Base64 ciphertext of ``message`` for ``appid`` (``random_prefix``: 16 bytes, for vectors)."""
    prefix = os.urandom(RANDOM_PREFIX_BYTES) if random_prefix is None else random_prefix
    if len(prefix) != RANDOM_PREFIX_BYTES:
        raise ValueError("random_prefix must be 16 bytes")
    plain = prefix + struct.pack(">I", len(message)) + message + appid.encode("utf-8")
    encryptor = _cipher(decode_aes_key(encoding_aes_key)).encryptor()
    return base64.b64encode(encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()).decode("ascii")


def decrypt(encrypted: str, encoding_aes_key: str) -> Tuple[bytes, str]:
    """(message, appid) inside a Base64 ciphertext; raises UndecryptableMessage."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as error:
        raise UndecryptableMessage("密文不是有效的 Base64") from error
    if not raw or len(raw) % 16:
        raise UndecryptableMessage("密文长度不正确")
    decryptor = _cipher(decode_aes_key(encoding_aes_key)).decryptor()
    plain = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
    if len(plain) < RANDOM_PREFIX_BYTES + 4:
        raise UndecryptableMessage("密文内容过短")
    (length,) = struct.unpack(">I", plain[RANDOM_PREFIX_BYTES:RANDOM_PREFIX_BYTES + 4])
    start = RANDOM_PREFIX_BYTES + 4
    if start + length > len(plain):
        raise UndecryptableMessage("密文中的消息长度不正确")
    try:
        appid = plain[start + length:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise UndecryptableMessage("密文中的 AppID 不正确") from error
    return plain[start:start + length], appid


def decrypt_for_app(encrypted: str, appid: str, keys: Sequence[str]) -> Tuple[bytes, str]:
    """(message, the key that opened it): tries each key in turn — the current one, then the
    one before a rotation — and requires the decrypted appid to be ``appid``."""
    wrong_appid = False
    for key in keys:
        try:
            message, found_appid = decrypt(encrypted, key)
        except UndecryptableMessage:
            continue
        if hmac.compare_digest(found_appid, appid):
            return message, key
        wrong_appid = True
    if wrong_appid:
        raise WrongAppId("消息不属于本小程序（AppID 不符）")
    raise UndecryptableMessage("无法用已配置的 EncodingAESKey 解密")
