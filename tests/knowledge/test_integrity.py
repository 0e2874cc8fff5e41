"""The committed launch-app data is what the ingest produces today, and everything in it is
traceable to the policy text: no invented step, quote or section title."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.knowledge.cleaning import clean_text
from bot.knowledge.ingest import build_knowledge
from bot.text import normalize

from .helpers import APPS_DIR, LAUNCH_APPS, POLICIES_DIR, without_brackets

POLICY_FILES = {
    "melochi": "000_16c1b614d85ee4a1.txt", "yhd": "001_4ab0e4710698fd69.txt",
    "miniapp": "002_e38994de5eb8bac3.txt", "tego": "003_55bd24b7b84582c6.txt",
    "liqun": "004_6a82106eab2aabbe.txt",
}


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_policy_copy_is_the_shared_policy_verbatim(app_id):
    shared = POLICIES_DIR / POLICY_FILES[app_id]
    if not shared.is_file():
        pytest.skip("../shared/policies is not available in this checkout")
    assert (APPS_DIR / app_id / "policy.txt").read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_committed_knowledge_matches_a_fresh_ingest(app_id, policy_text):
    committed = yaml.safe_load((APPS_DIR / app_id / "knowledge.yml").read_text(encoding="utf-8"))
    fresh = build_knowledge(policy_text(app_id), app_id, committed["name"])
    assert yaml.safe_load(yaml.safe_dump(fresh, allow_unicode=True)) == committed


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_every_step_and_quote_is_in_the_policy(app, policy_text, app_id):
    kb = app(app_id)
    cleaned = clean_text(policy_text(app_id))
    flat = without_brackets(policy_text(app_id))
    for path in kb.all_paths:
        assert path.quote in cleaned, path
        for step in path.steps:
            assert re.sub(r"[“”【】\s]", "", normalize(step)) in flat, (step, path)


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_section_titles_can_be_found_in_the_policy(app, policy_text, app_id):
    cleaned = clean_text(policy_text(app_id))
    for clause in app(app_id).clauses:
        for title in clause.section.split(" › "):
            assert title.rstrip("…") in cleaned, title


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_fact_quotes_are_verbatim(app, policy_text, app_id):
    kb = app(app_id)
    cleaned = clean_text(policy_text(app_id))
    quoted = [kb.response_deadline, kb.minors, *kb.other_deadlines, *kb.retention]
    for item in quoted:
        if item is not None:
            assert item.quote in cleaned, item
    for contact in kb.contacts:
        assert contact.quote in cleaned, contact


def test_overrides_are_applied_on_load(app):
    overrides = yaml.safe_load((APPS_DIR / "liqun" / "overrides.yml").read_text(encoding="utf-8"))
    pinned = overrides["set"]["response_deadline"]
    deadline = app("liqun").response_deadline
    assert (deadline.days, deadline.working_days, deadline.quote) == (
        pinned["days"], pinned["working_days"], pinned["quote"])


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_every_question_topic_has_short_passages(app, app_id):
    for topic, clauses in app(app_id).answers.items():
        for clause in clauses:
            assert len(clause.text) <= 220, (topic, clause)
