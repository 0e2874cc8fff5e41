"""Unguessable public ids: a prefix and 10 Crockford base32 characters from a CSPRNG (50 bits)."""
from __future__ import annotations

import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INPUT_MAP = str.maketrans({"I": "1", "L": "1", "O": "0"})
_BODY_LEN = 10


def new_id(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(CROCKFORD) for _ in range(_BODY_LEN))


def new_request_id() -> str:
    return new_id("PR")


def parse_public_id(value: str, prefix: str) -> str | None:
    """The canonical form of a user-typed id (case-insensitive, I/L→1, O→0), or None if malformed."""
    text = re.sub(r"[\s_]", "", str(value)).upper()
    if text.startswith(prefix + "-"):
        body = text[len(prefix) + 1:]
    elif text.startswith(prefix):
        body = text[len(prefix):]
    else:
        return None
    body = body.translate(_INPUT_MAP)
    if len(body) != _BODY_LEN or any(c not in CROCKFORD for c in body):
        return None
    return f"{prefix}-{body}"


def parse_request_id(value: str) -> str | None:
    return parse_public_id(value, "PR")
