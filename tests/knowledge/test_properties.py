"""Properties over generated policies: ingest never crashes, never invents a step or a quote, and
reads back any quoted path in any separator style exactly."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge.cleaning import PolicyError, clean_text
from bot.knowledge.ingest import build_knowledge
from bot.knowledge.passages import MAX_PASSAGE, TRUNCATED
from bot.knowledge.pathfinder import find_paths
from bot.text import normalize

from .helpers import APPS_DIR, LAUNCH_APPS, without_brackets

FRAGMENTS = sorted({
    line.strip()
    for app_id in LAUNCH_APPS
    for line in (APPS_DIR / app_id / "policy.txt").read_text(encoding="utf-8").splitlines()
    if 4 <= len(line.strip()) <= 160
})
NUMBERING = ["", "", "一、", "二、", "（一）", "(二)", "1、", "2.", "（1）", "1）", "①", "1.1 ", "第三条 ", "## ", "附件一：", "- "]
LABELS = ["我的", "设置", "账号与安全", "隐私设置", "个性化推荐", "消息通知", "注销账号", "收货地址", "权限管理"]
SEPARATORS = ["-", "--", "—", "→", ">", " > ", "－", "/", "＞"]
QUOTES = [("“", "”"), ("「", "」"), ("『", "』")]

SETTINGS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


policies = st.lists(st.tuples(st.sampled_from(NUMBERING), st.sampled_from(FRAGMENTS)), min_size=3, max_size=30).map(
    lambda lines: "\n".join(number + text for number, text in lines) + "\n")


@SETTINGS
@given(policies)
def test_ingest_never_invents_a_step_or_a_quote(text):
    try:
        knowledge = build_knowledge(text, "generated", "generated")
    except PolicyError:         # e.g. only headings: refused with a message, which is fine
        return
    # Wrapped lines are joined into one passage, table cells with spaces: compare without spacing.
    compact = re.sub(r"\s", "", clean_text(text))
    flat = without_brackets(text)
    for items in knowledge["paths"].values():
        for path in items:
            assert re.sub(r"\s", "", path["quote"]) in compact
            for step in path["steps"]:
                assert re.sub(r"[“”【】\s]", "", normalize(step)) in flat
    for passage in knowledge["clauses"]:
        body = re.sub(r"\s", "", passage["text"])
        # a lead-in whose list was cut ends in 等, the only word a passage adds to the policy
        assert body in compact or (body.endswith(TRUNCATED) and body[:-1] in compact)
        assert len(passage["text"]) <= MAX_PASSAGE


@SETTINGS
@given(st.lists(st.sampled_from(LABELS), min_size=2, max_size=5, unique=True),
       st.sampled_from(SEPARATORS), st.sampled_from(QUOTES))
def test_any_quoted_path_is_read_back_exactly(labels, separator, quotes):
    sentence = f"您可以在{quotes[0]}{separator.join(labels)}{quotes[1]}中进行设置。"
    paths = find_paths(sentence, normalize(sentence))
    assert [path.steps for path in paths] == [labels]
