"""Chinese text normalisation shared by the NLU, the knowledge base and retrieval.

Users write in simplified and traditional characters, with full-width Latin letters and digits.
Everything that compares text (tokenizer, entity lookup, BM25 retrieval) first maps it to one
form. The mapping is *length-preserving*: Rasa's entity spans and regex matches are character
offsets into the original message, so normalising must never shift a character.
"""
from __future__ import annotations

import functools

import opencc

_FULLWIDTH_OFFSET = 0xFEE0


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _halfwidth_char(char: str) -> str:
    code = ord(char)
    if code == 0x3000:  # ideographic space
        return " "
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        return chr(code - _FULLWIDTH_OFFSET)
    return char


def to_halfwidth(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation to their ASCII form (1:1)."""
    return "".join(_halfwidth_char(c) for c in text)


def to_simplified(text: str) -> str:
    """Traditional to simplified characters, keeping the length.

    OpenCC's phrase tables can in rare cases change the length; then the text is converted
    character by character instead, which always keeps it.
    """
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(
        c2 if len(c2 := _t2s().convert(c)) == 1 else c for c in text
    )


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The comparison form of ``text``: half-width, simplified, same length as the input."""
    return to_simplified(to_halfwidth(text))
