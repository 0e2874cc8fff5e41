"""The committed launch-app data is what the ingest produces today, and everything in it is
traceable to the policy text: no invented step, quote or section title."""
from __future__ import annotations

import hashlib
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


# SHA-256 of the shared launch policies (../shared/policies), so the check runs in any clone
SHARED_POLICY_SHA256 = {
    "melochi": "3ef49eb76b4b72bdd9b86dbe75cb6728e94ab9dbb3c9fa9c8f02c38e45337ad3",
    "yhd": "5d0e1be2b95bd5939ac7563727a0fe78aa1851b67dfc6b76cef36cd4419789fa",
    "miniapp": "83d2c98ecbd88d21ff7497b3333cee9489b62c74c30322ecd31ed8057c414652",
    "tego": "9478b28010d52816575561533732024deac36b5ff864344b2ed44a89a65daf75",
    "liqun": "dc5aa87da9419fac9610493bf135906a01927a3819b31792c1dde22b7d67b8d8",
}


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_policy_copy_is_the_shared_policy_verbatim(app_id):
    copy = (APPS_DIR / app_id / "policy.txt").read_bytes()
    assert hashlib.sha256(copy).hexdigest() == SHARED_POLICY_SHA256[app_id]
    shared = POLICIES_DIR / POLICY_FILES[app_id]
    if shared.is_file():  # next to the repository: compare with the file itself as well
        assert copy == shared.read_bytes()


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
