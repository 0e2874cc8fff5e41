"""Retrieval over the launch apps' passages: the right section for real questions, robust to
traditional characters and full-width input, topic boost, degenerate questions."""
from __future__ import annotations

import pytest

from bot.knowledge.retrieval import tokenize


@pytest.mark.parametrize("app_id, question, section", [
    ("melochi", "怎么注销账号", "五、您如何管理您的个人信息 › 4、注销账号"),
    ("melochi", "刷脸登录怎么关闭", "一、我们如何收集和使用您的个人信息 › （一）您须授权我们收集和使用您个人信息的情形 › 1、实现网上购物所必须的功能 › （1）账号注册、登录与验证"),
    ("melochi", "你们用cookie做什么", "二、我们如何使用Cookies和同类技术 › （一）Cookies的使用"),
    ("liqun", "我不想收到促销短信", "五、您如何管理您的个人信息 › 4、如果您不想接受我们给您发送的促销信息"),
    ("liqun", "怎么删除收货地址", "五、您如何管理您的个人信息 › 1、访问和更正您的个人信息 › (2)您的收货信息"),
    ("tego", "怎么注销账号", "四、您的权利 › （四）注销账户"),
    ("tego", "你们接入了哪些第三方SDK", "二、 信息收集及使用 › （十） 为您提供其他附加服务 › 1、基于系统权限的附加服务 › 1.1 第三方sdk引用说明"),
    ("miniapp", "我要起诉你们去哪个法院", "七、如何联系我们"),
    ("yhd", "小孩可以用吗", "未成年人信息的保护"),
])
def test_best_passage_is_in_the_expected_section(app, app_id, question, section):
    hits = app(app_id).search(question, k=3)
    assert section in [hit.section for hit in hits]


def test_traditional_and_full_width_questions_find_the_same_passage(app):
    kb = app("melochi")
    simplified = kb.search("怎么注销账号", k=1)
    assert kb.search("怎麼註銷賬號", k=1) == simplified
    assert kb.search("怎么注销账号？？", k=1) == simplified


def test_hits_are_ranked_and_limited(app):
    hits = app("liqun").search("个人信息", k=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score > 0 and h.text and h.section for h in hits)


def test_topic_boost_prefers_the_topics_passages(app):
    kb = app("melochi")
    question = "邮件"
    boosted = kb.search(question, k=1, topic="unsubscribe")[0]
    assert "unsubscribe" in next(c.topics for c in kb.clauses if c.text == boosted.text)


@pytest.mark.parametrize("question", ["", "   ", "？？！", "的了吗", "怎么"])
def test_questions_without_content_find_nothing(app, question):
    assert app("tego").search(question) == []


def test_unknown_topic_is_an_error(app):
    with pytest.raises(ValueError):
        app("tego").search("注销", topic="weather")


def test_tokens_are_normalised_and_synonyms_merged():
    assert tokenize("怎麼刪號") == tokenize("怎么注销")
    assert "账号" in tokenize("我的帳戶") and "出售" in tokenize("会不会卖给别人")


# --- coverage: how much of the question a hit covers ------------------------------------------

def test_a_hit_sharing_one_word_of_two_is_below_a_half_floor(app):
    kb = app("yhd")          # 1号店 never mentions 注销: 账号 in a list of data types is all it has
    weak = kb.search("怎么注销账号", k=3, topic="account_deletion")
    assert weak and weak[0].text.startswith("● 支付信息") and "银行账号" in weak[0].text
    assert all(0 < hit.coverage < 0.5 for hit in weak)
    assert kb.search("怎么注销账号", k=3, topic="account_deletion", min_coverage=0.5) == []


def test_a_genuine_match_covers_the_whole_question(app):
    hits = app("melochi").search("怎么注销账号", k=3, min_coverage=0.9)
    assert hits[0].section == "五、您如何管理您的个人信息 › 4、注销账号" and hits[0].coverage == 1.0


def test_synonyms_and_question_words_do_not_lower_coverage(app):
    kb = app("melochi")
    assert kb.search("怎么删号", k=1)[0].coverage == 1.0                     # 删号 → 注销
    contact = kb.search("个人信息保护负责人邮箱是多少", k=1)[0]                 # 多少 asks, it is not asked about
    assert contact.section == "八、如何联系我们" and contact.coverage == 1.0


def test_a_word_every_passage_has_covers_little(app):
    kb = app("tego")
    hits = kb.search("你们会把我的信息给第三方吗", k=50)
    third_party = ("第三方", "他人", "别人", "外人")                   # 第三方 and its synonyms
    only_information = [h for h in hits if not any(w in h.text + h.section for w in third_party)]
    assert only_information and all(h.coverage < 0.2 for h in only_information)
    assert all(h.coverage == 1.0 for h in hits if "第三方" in h.text and "信息" in h.text)


def test_floor_keeps_rank_order_and_the_limit(app):
    kb = app("liqun")
    everything = kb.search("个人信息保存多久会不会出境", k=20)
    floored = kb.search("个人信息保存多久会不会出境", k=3, min_coverage=0.6)
    assert floored == [h for h in everything if h.coverage >= 0.6][:3]
    assert all(0.0 <= h.coverage <= 1.0 for h in everything)


@pytest.mark.parametrize("floor", [-0.1, 1.5])
def test_coverage_floor_outside_zero_to_one_is_an_error(app, floor):
    with pytest.raises(ValueError):
        app("tego").search("注销", min_coverage=floor)
