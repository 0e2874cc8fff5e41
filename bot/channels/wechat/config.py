"""One app's WeChat mini-program settings, and the channel-wide ones, from the environment.

Per app (``APP`` = the app id upper-cased, ``-`` as ``_``):

- ``WECHAT_<APP>_APPID``   the mini-program's AppID; unset means the app has no WeChat channel;
- ``WECHAT_<APP>_TOKEN``   the message-push Token (signs every push);
- ``WECHAT_<APP>_AES_KEY`` the 43-character EncodingAESKey; unset means plaintext mode, set means
  every push must arrive encrypted (compatible or safe mode);
- ``WECHAT_<APP>_AES_KEY_PREVIOUS`` the key before the last rotation, still accepted for pushes;
- ``WECHAT_<APP>_SECRET``  the AppSecret, for ``stable_token``.

``AGENT_WECHAT_APPS`` (comma-separated app ids, shared with the agent workspace) names the apps
whose WeChat handoffs go to our own agent workspace; every other app hands its users over to
WeChat's customer-service tools (``transfer_customer_service``).

Channel-wide: ``WECHAT_API_BASE`` (default ``https://api.weixin.qq.com``), ``WECHAT_STATE_DIR``
(default ``var/wechat``: the record of undelivered replies without Redis), ``WECHAT_REDIS_PREFIX``
(default ``privacy_desk:wechat``) with the project's ``REDIS_HOST`` / ``REDIS_PORT`` / ``REDIS_DB``.
A configuration that is set but wrong raises ``WeChatConfigError`` with the variable's name.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_REDIS_PREFIX = "privacy_desk:wechat"
DEFAULT_STATE_DIR = "var/wechat"
AES_KEY_LENGTH = 43
_AES_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{43}$")
_APPID_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class WeChatConfigError(ValueError):
    """A WeChat setting is present but unusable; the message names the variable."""


@dataclass(frozen=True)
class WeChatApp:
    """What the channel knows about one app's mini-program."""

    app: str
    appid: str
    token: str
    secret: str
    aes_key: Optional[str] = None
    previous_aes_key: Optional[str] = None
    handoff_to_workspace: bool = False  # AGENT_WECHAT_APPS: our agents, not WeChat's tools

    @property
    def encrypted(self) -> bool:
        """Compatible or safe mode: pushes carry an ``Encrypt`` field that must verify."""
        return self.aes_key is not None

    def __repr__(self) -> str:  # never print the token, key or secret
        return f"WeChatApp(app={self.app!r}, appid={self.appid!r}, encrypted={self.encrypted})"


def env_prefix(app: str) -> str:
    return f"WECHAT_{app.upper().replace('-', '_')}_"


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey (Base64 without its ``=``)."""
    if not isinstance(encoding_aes_key, str) or not _AES_KEY_RE.match(encoding_aes_key):
        raise WeChatConfigError("EncodingAESKey 必须是 43 位字母、数字、+ 或 /")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise WeChatConfigError("EncodingAESKey 不是有效的 Base64") from error
    if len(key) != 32:
        raise WeChatConfigError("EncodingAESKey 解码后必须是 32 字节")
    return key


def load_app(app: str, environ: Mapping[str, str] = os.environ) -> Optional[WeChatApp]:
    """The app's WeChat settings, or None when it has no WeChat channel (no AppID set)."""
    prefix = env_prefix(app)
    appid = (environ.get(prefix + "APPID") or "").strip()
    if not appid:
        return None
    if not _APPID_RE.match(appid):
        raise WeChatConfigError(f"{prefix}APPID 格式不正确")
    token = environ.get(prefix + "TOKEN") or ""
    secret = environ.get(prefix + "SECRET") or ""
    for name, value in (("TOKEN", token), ("SECRET", secret)):
        if not value.strip():
            raise WeChatConfigError(f"{prefix}APPID 已设置，但缺少 {prefix}{name}")
    aes_key = _optional_key(environ, prefix + "AES_KEY")
    previous = _optional_key(environ, prefix + "AES_KEY_PREVIOUS")
    if previous and not aes_key:
        raise WeChatConfigError(f"设置了 {prefix}AES_KEY_PREVIOUS，但没有 {prefix}AES_KEY")
    if not aes_key and environ.get("PRIVACY_ENV", "production") == "production":
        # in plaintext mode WeChat's signature does not cover the body, so nothing proves the
        # openid a push names: production takes only encrypted (safe-mode) pushes
        raise WeChatConfigError(f"生产环境必须使用安全模式：请设置 {prefix}AES_KEY（明文模式下推送内容未经签名）")
    return WeChatApp(app, appid, token, secret, aes_key, previous, app in workspace_apps(environ))


def workspace_apps(environ: Mapping[str, str] = os.environ) -> frozenset:
    """``AGENT_WECHAT_APPS``: the apps whose WeChat users are handed to the agent workspace."""
    return frozenset(a.strip() for a in (environ.get("AGENT_WECHAT_APPS") or "").split(",") if a.strip())


def _optional_key(environ: Mapping[str, str], name: str) -> Optional[str]:
    value = (environ.get(name) or "").strip()
    if not value:
        return None
    try:
        decode_aes_key(value)
    except WeChatConfigError as error:
        raise WeChatConfigError(f"{name}：{error}") from error
    return value


def api_base(environ: Mapping[str, str] = os.environ) -> str:
    """Where ``stable_token``, ``custom/send`` and ``custom/typing`` are called.

    In production it must be WeChat itself over HTTPS: the local simulator never stands in.
    """
    base = (environ.get("WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/")
    if environ.get("PRIVACY_ENV") == "production" and not base.startswith("https://"):
        raise WeChatConfigError("生产环境的 WECHAT_API_BASE 必须是 https:// 地址（不能指向本地模拟器）")
    return base


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("WECHAT_STATE_DIR") or DEFAULT_STATE_DIR)


@dataclass(frozen=True)
class RedisSettings:
    host: str
    port: int
    db: int
    password: Optional[str]
    prefix: str


def redis_settings(environ: Mapping[str, str] = os.environ) -> Optional[RedisSettings]:
    """Redis for state shared by every server process, or None for the in-memory default."""
    host = (environ.get("REDIS_HOST") or "").strip()
    if not host:
        return None
    try:
        port, db = int(environ.get("REDIS_PORT") or 6379), int(environ.get("REDIS_DB") or 0)
    except ValueError as error:
        raise WeChatConfigError("REDIS_PORT 和 REDIS_DB 必须是整数") from error
    return RedisSettings(host, port, db, environ.get("REDIS_PASSWORD") or None,
                         environ.get("WECHAT_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX)
