"""Turning an operator's policy file into clean text: decoding, rejecting what is not a policy,
and removing the artefacts that exports from Word, CMSs and static-site generators leave behind.

The cleaned text is what the parser reads and what answers quote. Cleaning only removes things a
reader of the published policy never sees (bookmarks, HTML tags, front matter, template
placeholders' brackets); it never rewrites wording.
"""
from __future__ import annotations

import html
import re

MIN_CJK_CHARS = 20
MAX_CONTROL_RATIO = 0.01


class PolicyError(ValueError):
    """The input cannot be ingested as a privacy policy (the message says why and what to do)."""


def decode_policy(data: bytes, encoding: str | None = None) -> str:
    """The text of a policy file; UTF-8 (with or without BOM) unless ``encoding`` says otherwise."""
    if not data.strip():
        raise PolicyError("the policy file is empty")
    if b"\x00" in data[:65536]:
        raise PolicyError(
            "the policy file contains NUL bytes: it looks binary (or UTF-16); "
            "export the policy as plain UTF-8 text"
        )
    codec = (encoding or "utf-8").strip()
    if codec.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        codec = "utf-8-sig"
    try:
        text = data.decode(codec)
    except LookupError:
        raise PolicyError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        hint = (
            "; if the file is GBK/GB18030 (common for Chinese Windows exports), "
            "pass --encoding gbk, or convert it to UTF-8"
            if codec == "utf-8-sig" else ""
        )
        raise PolicyError(
            f"the policy file is not valid {encoding or 'UTF-8'} "
            f"(undecodable byte at offset {error.start}){hint}"
        ) from None
    text = text.lstrip("\ufeff")
    _reject_non_text(text)
    return text


def _reject_non_text(text: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > MAX_CONTROL_RATIO * len(text):
        raise PolicyError("the policy file contains control characters: it looks binary, not text")
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if cjk < MIN_CJK_CHARS:
        raise PolicyError(
            f"the policy file has almost no Chinese text ({cjk} characters): "
            "is it a Chinese privacy policy, decoded with the right --encoding?"
        )


_FRONT_MATTER = re.compile(r"\A\s*---\n.*?\n---\s*\n", re.S)
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]", re.I)
_HTML_BLOCK = re.compile(r"<\s*/?\s*(?:br|p|div|li|tr|h[1-6]|table|ul|ol|section|article)(?:\s[^<>]*)?/?>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Template placeholders left in: [2023]年[11]月[01]日, 联系电话：【18367925111】.
_PLACEHOLDER_NUMBER = re.compile(r"[\[［【〔]\s*([0-9０-９][0-9０-９\-－ ]*)\s*[\]］】〕]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LINE_SPACE = re.compile(r"^[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+$", re.M)
_INNER_SPACE = re.compile(r"[\t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """The policy's text without export artefacts, one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = _FRONT_MATTER.sub("", text, count=1)
    text = _BOOKMARK.sub("", text)
    if _HTML_TAG.search(text) or "&" in text:
        text = _HTML_COMMENT.sub("", text)
        text = _HTML_BLOCK.sub("\n", text)
        text = _HTML_TAG.sub("", text)
        text = html.unescape(text)
    text = _MARKDOWN_EMPHASIS.sub(r"\2", text)
    text = _PLACEHOLDER_NUMBER.sub(r"\1", text)
    text = _INVISIBLE.sub("", text)
    text = _INNER_SPACE.sub(" ", text)
    text = _LINE_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n") + "\n"
