"""Masking personal data — phone numbers, ID-card numbers, one-time codes, tokens — in free text.

Used wherever text leaves our hands: log lines (every process), stored conversation history
(``bot.tracking``), summaries handed to human agents.
"""
from __future__ import annotations

import logging
import re

_PATTERNS = [
    # 18-digit resident ID (last character may be X) and the old 15-digit form
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"),
     "[身份证号]"),
    # mainland mobile numbers, with or without +86 and spaces/dashes
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)"), r"\1****\2"),
    # one-time codes: a free-standing run of exactly six digits
    (re.compile(r"(?<![0-9A-Za-z.:\-])\d{6}(?![0-9A-Za-z])"), "******"),
    # signatures and tokens in query strings
    (re.compile(r"((?:sig|token|code)=)[^&\s\"']+"), r"\1***"),
]


def mask(text: str) -> str:
    """``text`` with phone numbers, ID numbers, codes and query tokens masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# masked values as they appear in masked text, and a same-shaped stand-in with no personal data
_MASKED_SHAPES = [
    (re.compile(r"(?<!\d)(1[3-9]\d)\*{4}(\d{4})(?!\d)"), r"\g<1>0000\g<2>"),
    (re.compile(r"(?<![*\d])\*{6}(?![*\d])"), "000000"),
]


def unmasked_shape(masked_text: str) -> str:
    """Masked text as the NLU was trained to read it: "139****1234" becomes "13900001234", a
    masked code "000000" — values of the same shape, none of them the user's. Only for
    understanding a message someone else may see only masked (an agent's assist panel)."""
    for pattern, replacement in _MASKED_SHAPES:
        masked_text = pattern.sub(replacement, masked_text)
    return masked_text


class MaskingFormatter(logging.Formatter):
    """Masks the formatted line too, so tracebacks and late-formatted text are covered."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


_installed = False


def install_log_masking() -> None:
    """Mask every log record's message as it is created in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            return record
        record.msg, record.args = mask(message), None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
