"""Conversations the server starts: an id the client cannot choose, and a secret that proves it.

Shared by the chat channel (which issues and checks tokens) and the processes that push to a
conversation (the chat page's event stream).

A client (the chat page, a host app) asks the channel to start a conversation for an app and gets
``{"sender": <conversation id>, "conversation_token": <secret>}``. Every message must carry that
token; the channel checks it before anything reaches the assistant, so knowing (or guessing) a
conversation id is not enough to speak in it — the id alone never identifies anybody.

The token is ``<issued-at>.<HMAC-SHA256(secret, app|conversation|issued-at)>``: nothing is stored,
any Rasa process holding ``APP_CHAT_SECRET`` can check it, and it expires after
``CONVERSATION_TOKEN_TTL_SECONDS``. It is a credential: it is never logged or stored with the
conversation's history.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

SECRET_ENV = "APP_CHAT_SECRET"
CONVERSATION_TOKEN_TTL_SECONDS = 24 * 3600
_MIN_SECRET_CHARS = 32


class ConversationSecretMissing(RuntimeError):
    """Production needs APP_CHAT_SECRET (shared by every Rasa process)."""


@dataclass(frozen=True)
class StartedConversation:
    sender: str
    conversation_token: str
    expires_at: int


def load_secret(var_dir: Optional[Path] = None) -> str:
    """``APP_CHAT_SECRET``; in dev, generated once into ``var/app_chat_secret`` if unset."""
    secret = os.environ.get(SECRET_ENV, "")
    if secret:
        if len(secret) < _MIN_SECRET_CHARS:
            raise ConversationSecretMissing(f"{SECRET_ENV} must be at least {_MIN_SECRET_CHARS} characters")
        return secret
    if os.environ.get("PRIVACY_ENV", "production") != "dev":
        raise ConversationSecretMissing(f"{SECRET_ENV} is not set (required outside PRIVACY_ENV=dev)")
    path = (var_dir or Path(os.environ.get("PRIVACY_VAR_DIR", "var"))) / "app_chat_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _mac(secret: str, app: str, sender: str, issued_at: int) -> str:
    digest = hmac.new(secret.encode(), f"app_chat|{app}|{sender}|{issued_at}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def start_conversation(secret: str, app: str, now: Optional[float] = None) -> StartedConversation:
    issued_at = int(now if now is not None else time.time())
    sender = "c-" + secrets.token_urlsafe(18)
    return StartedConversation(sender, f"{issued_at}.{_mac(secret, app, sender, issued_at)}",
                               issued_at + CONVERSATION_TOKEN_TTL_SECONDS)


def token_is_valid(secret: str, app: str, sender: str, token: object,
                   now: Optional[float] = None) -> bool:
    """Whether ``token`` was issued by us for this app's conversation ``sender`` and is current."""
    if not isinstance(token, str) or len(token) > 100 or token.count(".") != 1:
        return False
    issued, mac = token.split(".")
    if not issued.isdigit():
        return False
    issued_at, moment = int(issued), (now if now is not None else time.time())
    if not issued_at - 60 <= moment <= issued_at + CONVERSATION_TOKEN_TTL_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(secret, app, sender, issued_at))
