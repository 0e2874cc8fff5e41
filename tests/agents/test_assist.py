"""Suggested replies composed by the assistant's answer logic, and the next best action offered."""
from __future__ import annotations

import pytest

from bot.agents import next_action
from bot.agents.assist import Parsed, suggest, with_follow_up
from bot.dialogue.answers import Question, answer
from bot.knowledge import load_app


@pytest.fixture(scope="module")
def melochi():
    return load_app("melochi")


def parsed(text, *ranking, **entities):
    return Parsed(text, ranking[0][0], ranking[0][1], tuple(ranking), {k: tuple(v) for k, v in entities.items()})


def test_the_first_suggestion_is_the_bots_own_answer_with_its_clause_and_the_path_for_the_platform(melochi):
    message = parsed("电脑上怎么注销账号", ("how_delete_account", 0.92), ("request_account_deletion", 0.05),
                     ("ask_storage_retention", 0.02))
    first = suggest(melochi, message, "app")[0]
    bot = answer(melochi, Question("how_delete_account", message.text, platform="pc"))
    assert first.text == bot.text and first.sections == bot.sections
    pc = melochi.paths("account_deletion", platform="pc")[0]
    assert pc.platform == "pc" and first.steps == pc.steps


def test_up_to_three_suggestions_from_distinct_answers_in_ranking_order(melochi):
    message = parsed("怎么注销", ("how_delete_account", 0.6), ("request_account_deletion", 0.2),
                     ("ask_storage_retention", 0.1), ("ask_data_collected", 0.05), ("ask_cookies", 0.05))
    shown = suggest(melochi, message, "app")
    assert [s.intent for s in shown] == ["how_delete_account", "ask_storage_retention", "ask_data_collected"]
    assert all(s.sections for s in shown)


def test_a_do_it_for_me_message_is_answered_with_the_how_to_and_offered_as_the_next_action(melochi):
    message = parsed("帮我把短信退订了", ("request_unsubscribe", 0.9), ("how_unsubscribe", 0.05), channel=["sms"])
    shown = suggest(melochi, message, "app")
    assert shown[0].intent == "how_unsubscribe" and len([s for s in shown if s.intent == "how_unsubscribe"]) == 1
    identity = {"verified": True, "via": "code"}
    action = next_action.choose("request_unsubscribe", message.entities, identity, [])
    assert action["type"] == "file_request" and action["channels"] == ["sms"] and action["available"]
    assert "营销短信" in action["label"]


def test_conversational_intents_get_the_agents_own_words_only_when_they_are_the_top_intent(melochi):
    hello = suggest(melochi, parsed("你好", ("greet", 0.95), ("ask_contact", 0.02)), "app")
    assert hello[0].intent == "greet" and "人工客服" in hello[0].text and hello[1].intent == "ask_contact"
    later = suggest(melochi, parsed("联系方式", ("ask_contact", 0.9), ("greet", 0.05)), "app")
    assert [s.intent for s in later] == ["ask_contact"]
    out = suggest(melochi, parsed("我的快递到哪了", ("out_of_scope", 0.8)), "app")[0]
    assert "不在服务范围内" in out.text and "隐私助手" not in out.text


def test_a_bare_follow_up_asks_the_previous_question_with_the_new_value(melochi):
    before = parsed("营销短信怎么退订", ("how_unsubscribe", 0.9), channel=["sms"])
    follow_up = with_follow_up(parsed("那邮件呢", ("inform", 0.8), channel=["email"]), before)
    assert follow_up.intent == "how_unsubscribe" and follow_up.values("channel") == ("email",)
    assert "邮件" in suggest(melochi, follow_up, "app")[0].text


def test_an_unsure_message_gets_the_best_policy_passage_and_no_small_talk(melochi):
    unsure = parsed("发生安全事件会通知我吗", ("nlu_fallback", 0.4), ("greet", 0.3))
    shown = suggest(melochi, unsure, "app")
    assert [s.intent for s in shown] == ["policy_search"]
    assert "安全事件" in shown[0].sections[0] and "依据" in shown[0].text
    leaning = suggest(melochi, parsed("数据存哪", ("nlu_fallback", 0.4), ("ask_storage_retention", 0.35)), "app")
    assert leaning[0].intent == "ask_storage_retention"


def test_status_suggestions_name_the_users_requests_with_due_dates(melochi):
    requests = [{"id": "PR-AAAAAAAAAA", "type": "data_export", "status": "pending", "due_date": "2026-12-20",
                 "rejection_reason": None, "cancellable": True}]
    text = suggest(melochi, parsed("我的申请怎么样了", ("check_request_status", 0.9)), "app", requests)[0].text
    assert "PR-AAAAAAAAAA" in text and "2026-12-20" in text and "待处理" in text


def test_filing_is_offered_but_not_runnable_without_a_verified_identity():
    action = next_action.choose("request_account_deletion", {}, None, [])
    assert action["type"] == "file_request" and not action["available"] and "验证" in action["reason"]
    known = next_action.choose("request_account_deletion", {}, {"verified": False, "via": "host_app_token"}, [])
    assert not known["available"]
    stateless = next_action.choose("request_account_deletion", {}, None, [], in_conversation=False)
    assert not stateless["available"] and stateless["reason"] == next_action.NO_CONVERSATION


def test_a_ready_export_offers_the_link_and_an_open_request_is_not_filed_twice():
    verified = {"verified": True, "via": "code"}
    ready = [{"id": "PR-BBBBBBBBBB", "type": "data_export", "status": "completed", "export_ready": True}]
    assert next_action.choose("request_data_export", {}, verified, ready)["type"] == "send_export_link"
    pending = [{"id": "PR-CCCCCCCCCC", "type": "account_deletion", "status": "pending", "status_label": "待处理",
                "categories": [], "channels": []}]
    again = next_action.choose("how_delete_account", {}, verified, pending)
    assert not again["available"] and "PR-CCCCCCCCCC" in again["reason"]


def test_deletion_and_unsubscribe_wait_until_the_category_or_channel_is_named():
    verified = {"verified": True, "via": "code"}
    assert not next_action.choose("request_info_deletion", {}, verified, [])["available"]
    named = next_action.choose("request_info_deletion", {"data_category": ("browsing_history",)}, verified, [])
    assert named["available"] and named["categories"] == ["browsing_history"] and "浏览记录" in named["label"]
    assert next_action.choose("greet", {}, verified, []) is None
