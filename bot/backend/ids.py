"""Unguessable public ids: a prefix and 10 Crockford base32 characters from a CSPRNG (50 bits).

Their alphabet and the reading of user-typed ids are the contract's (``bot.identifiers``).
"""
from __future__ import annotations

import secrets

from bot.identifiers import REQUEST_ID_ALPHABET, REQUEST_ID_LENGTH, normalise_request_id

CROCKFORD = REQUEST_ID_ALPHABET


def new_id(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(CROCKFORD) for _ in range(REQUEST_ID_LENGTH))


def new_request_id() -> str:
    return new_id("PR")


def parse_request_id(value: str) -> str | None:
    """The canonical form of a user-typed request id, or None if malformed."""
    return normalise_request_id(value)
