"""Helpers shared by the knowledge-base tests."""
from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge import KnowledgeBase
from bot.knowledge.cleaning import clean_text
from bot.knowledge.ingest import build_knowledge
from bot.knowledge.model import knowledge_base
from bot.text import normalize

REPO = Path(__file__).resolve().parents[2]
APPS_DIR = REPO / "data" / "apps"
POLICIES_DIR = REPO.parent / "shared" / "policies"
LAUNCH_APPS = ("melochi", "yhd", "miniapp", "tego", "liqun")


def knowledge_of(text: str, app_id: str = "sample", name: str = "") -> KnowledgeBase:
    """A KnowledgeBase straight from policy text (ingest + load, in memory)."""
    return knowledge_base(build_knowledge(text, app_id, name or app_id))


def without_brackets(text: str) -> str:
    """Text as step labels are compared with it: normalised, quotes, 【】 and spaces removed."""
    return re.sub(r"[“”「」『』【】\"\s]", "", normalize(clean_text(text)))
