"""Tokens, keyed hashes and signatures.

* Host-app user tokens: HS256 JWTs signed by the host app (``sub``, ``app``, ``exp``).
* Identity tokens: HS256 JWTs this backend issues after a one-time code is verified.
* Codes and phone numbers are stored only as HMACs keyed with ``BACKEND_SECRET_KEY`` (a 6-digit
  code has 10^6 values, so an unkeyed hash would be reversible by anyone reading the table).
* Export links and webhook bodies are signed with their own secrets.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt
from cryptography.fernet import Fernet, InvalidToken

from bot.identifiers import mask_phone  # noqa: F401 (the one masking of phones, re-exported)

IDENTITY_ISSUER = "privacy-backend"
IDENTITY_TOKEN_TTL_SECONDS = 15 * 60


class TokenError(ValueError):
    """A token is malformed, forged, expired or for another app."""


def keyed_hash(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + secret).encode()).digest()))


def encrypt(secret: str, text: str) -> str:
    return _fernet(secret).encrypt(text.encode()).decode()


def decrypt(secret: str, token: str) -> str | None:
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


@dataclass(frozen=True)
class HostUser:
    app_id: str
    app_user_id: str


def verify_host_token(token: str, app_id: str, secret: str) -> HostUser:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"],
                            options={"require": ["sub", "app", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("用户令牌已过期 (user token expired)") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("用户令牌无效 (invalid user token)") from exc
    if claims["app"] != app_id:
        raise TokenError("用户令牌不属于该应用 (user token is for another app)")
    return HostUser(app_id=app_id, app_user_id=str(claims["sub"]))


def issue_host_token(app_id: str, app_user_id: str, secret: str, ttl_seconds: int = 24 * 3600) -> str:
    """What a host app does; used by the demo-user command and tests."""
    now = int(time.time())
    return jwt.encode({"sub": app_user_id, "app": app_id, "iat": now, "exp": now + ttl_seconds},
                      secret, algorithm="HS256")


@dataclass(frozen=True)
class VerifiedIdentity:
    app_id: str
    user_id: str
    expires_at: int


def issue_identity_token(app_id: str, user_id: str, secret: str) -> tuple[str, int]:
    now = int(time.time())
    exp = now + IDENTITY_TOKEN_TTL_SECONDS
    token = jwt.encode({"iss": IDENTITY_ISSUER, "sub": user_id, "app": app_id, "amr": ["otp"],
                        "iat": now, "exp": exp, "jti": secrets.token_urlsafe(8)},
                       secret, algorithm="HS256")
    return token, exp


def verify_identity_token(token: str, app_id: str, secret: str) -> VerifiedIdentity:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=IDENTITY_ISSUER,
                            options={"require": ["sub", "app", "exp", "iss"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("身份令牌已过期，请重新验证 (identity token expired)") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("身份令牌无效 (invalid identity token)") from exc
    if claims["app"] != app_id:
        raise TokenError("身份令牌不属于该应用 (identity token is for another app)")
    return VerifiedIdentity(app_id=app_id, user_id=claims["sub"], expires_at=claims["exp"])


def sign_export_link(secret: str, artefact_id: str, expires: int) -> str:
    return keyed_hash(secret, "export", artefact_id, str(expires))


def check_export_link(secret: str, artefact_id: str, expires: int, signature: str) -> bool:
    return constant_time_equal(sign_export_link(secret, artefact_id, expires), signature)


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_webhook_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a downstream receiver does with ``X-Privacy-Signature``."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return constant_time_equal(webhook_signature(secret, timestamp, body), header)
