"""Policy knowledge base: each app's privacy policy turned into answers and settings paths.

Owns the whole life of an app's knowledge:

* **ingest** (``python -m bot.knowledge ingest``, ``bot.knowledge.ingest``): policy text → section
  tree → settings paths by topic/qualifier/platform, contacts, reply deadline, cooling-off,
  retention, SDKs, minors' ages, dates and quotable passages per question topic, written to
  ``data/apps/<id>/knowledge.yml`` for review; operator corrections live in ``overrides.yml``;
* **serving** (``load_app``): the YAML (plus overrides) as a ``KnowledgeBase``, reloaded when the
  files change, never re-parsing the policy;
* **retrieval** (``KnowledgeBase.search``): BM25 over jieba tokens for fallback answers, each hit
  with how much of the question it covers (``Hit.coverage``) so weak matches can be dropped.

See docs/knowledge.md.
"""
from bot.knowledge.model import (
    Clause, Contact, Deadline, Hit, InvalidKnowledge, KnowledgeBase, MinorsRule, Period, RetentionRule, Sdk,
    SettingsPath,
)
from bot.knowledge.store import UnknownApp, apps_dir, list_apps, load_app, warm_up
from bot.knowledge.vocab import (
    CATEGORIES, CHANNELS, PATH_KINDS, PATH_TOPICS, PERMISSIONS, PLATFORMS, QUESTION_TOPICS,
)

__all__ = [
    "UnknownApp", "InvalidKnowledge", "apps_dir", "list_apps", "load_app", "warm_up",
    "KnowledgeBase", "Deadline", "Period", "SettingsPath", "Contact", "RetentionRule", "Sdk",
    "MinorsRule", "Clause", "Hit",
    "PATH_TOPICS", "QUESTION_TOPICS", "PLATFORMS", "CATEGORIES", "CHANNELS", "PERMISSIONS", "PATH_KINDS",
]
