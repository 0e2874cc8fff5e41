"""The operator's review report flags what extraction most often gets wrong."""
from __future__ import annotations

import json

from bot.knowledge.cli import main
from bot.knowledge.ingest import ingest
from bot.knowledge.model import knowledge_base
from bot.knowledge.review import review

from .helpers import knowledge_of


def test_unusual_steps_garbled_contacts_and_missing_paths_are_flagged():
    kb = knowledge_base({
        "app_id": "demo", "name": "演示",
        "paths": {"account_deletion": [{"steps": ["我的", "我的", "在这里您可以进行注销账号的操作"], "section": ""}]},
        "contacts": [{"kind": "address", "value": "/常用办公地址：上海市浦东新区", "section": "九"},
                     {"kind": "online_service", "value": "在线客服", "section": "九"}],
    })
    reasons = {(f.kind, f.reason) for f in review(kb)}
    kinds = {f.kind for f in review(kb)}
    assert {"path", "contact", "topic", "section", "deadline"} <= kinds
    assert ("path", "the same step twice in a row") in reasons
    assert ("contact", "the value holds a label or starts with punctuation") in reasons
    assert ("topic", "no settings path: the bot will say the policy does not write one") in {
        (f.kind, f.reason) for f in review(kb) if f.item == "unsubscribe"}


def test_a_clean_extraction_flags_only_missing_topics_and_type_deadlines():
    kb = knowledge_of("示例隐私政策\n五、注销账号\n您可以在“我的-设置-注销账号”中申请注销。\n"
                      "六、副本\n我们将在10个工作日内向您提供个人信息副本。\n")
    findings = review(kb)
    assert not [f for f in findings if f.kind in ("path", "contact", "section")]
    assert any(f.kind == "deadline" and f.item.startswith("data_export") for f in findings)


def test_show_review_prints_the_findings(tmp_path, capsys):
    policy = tmp_path / "p.txt"
    policy.write_text("示例隐私政策\n五、注销账号\n您可以在“我的-设置-注销账号”中申请注销。\n", encoding="utf-8")
    ingest(policy, "demo", "演示", tmp_path)
    assert main(["show", "demo", "--apps-dir", str(tmp_path), "--review", "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {"kind": "topic", "item": "unsubscribe",
            "reason": "no settings path: the bot will say the policy does not write one"} in findings
