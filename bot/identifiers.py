"""The identifiers users type — phone numbers, verification codes, request ids — in one form.

Users write 139 0000 1234, +86-13900001234, １３９… (full-width) or pr-7k3m9q2xhd; the channel,
NLU, dialogue, actions and backend all compare these in the canonical form produced here, and
nowhere else: there is one normaliser of each.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from bot.text import to_halfwidth

# Crockford base32 without the ambiguous I, L, O, U
REQUEST_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUEST_ID_PREFIX = "PR-"
REQUEST_ID_LENGTH = 10

# What the NLU's regexes (data/nlu/entities.yml) find in running text; kept identical by a test.
PHONE_PATTERN = r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])"
CODE_PATTERN = r"(?<![0-9A-Za-z-])[0-9]{6}(?![0-9])"
REQUEST_ID_PATTERN = r"(?<![0-9A-Za-z])[Pp][Rr]-?[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{10}(?![0-9A-Za-z])"

_PHONE_RE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_CODE_RE = re.compile(r"^\d{6}$")
# what users mistype for Crockford's digits: I and L are 1, O is 0
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _compact(text: str) -> str:
    return re.sub(r"[\s\-()（）]", "", to_halfwidth(text))


def normalise_phone(text: str) -> Optional[str]:
    """A mainland mobile number as 11 digits, or None if ``text`` is not one."""
    match = _PHONE_RE.match(_compact(text))
    return match.group(1) if match else None


def normalise_code(text: str) -> Optional[str]:
    """A 6-digit one-time code, or None."""
    code = _compact(text)
    return code if _CODE_RE.match(code) else None


def normalise_public_id(text: str, prefix: str) -> Optional[str]:
    """A public id as ``<PREFIX>-XXXXXXXXXX`` (upper case; I/L read as 1 and O as 0; the dash,
    spaces and underscores optional), or None if ``text`` is not one."""
    compact = re.sub(r"[\s_]", "", to_halfwidth(str(text))).upper()
    if not compact.startswith(prefix):
        return None
    body = compact[len(prefix):]
    body = (body[1:] if body.startswith("-") else body).translate(_CONFUSABLE)
    if len(body) != REQUEST_ID_LENGTH or any(c not in REQUEST_ID_ALPHABET for c in body):
        return None
    return f"{prefix}-{body}"


def normalise_request_id(text: str) -> Optional[str]:
    """A request id as ``PR-XXXXXXXXXX``, or None if ``text`` is not one."""
    return normalise_public_id(text, REQUEST_ID_PREFIX.rstrip("-"))


def find_phone(text: str) -> Optional[str]:
    """The first mainland mobile number in running text, normalised; or None."""
    match = re.search(PHONE_PATTERN, to_halfwidth(text))
    return normalise_phone(match.group()) if match else None


def find_code(text: str) -> Optional[str]:
    """The first free-standing 6-digit code in running text; or None."""
    match = re.search(CODE_PATTERN, to_halfwidth(text))
    return match.group() if match else None


def mask_phone(phone: str) -> str:
    """139****1234 — the only form in which a phone number may be shown or logged."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


_NORMALISERS = {
    "phone_number": normalise_phone,
    "verification_code": normalise_code,
    "request_id": normalise_request_id,
}


def normalise_identifier(entity_type: str, value: Any) -> Any:
    """The canonical form of an identifier entity; other entities and unparsable values unchanged."""
    normaliser = _NORMALISERS.get(entity_type)
    if normaliser is None:
        return value
    return normaliser(str(value)) or value
