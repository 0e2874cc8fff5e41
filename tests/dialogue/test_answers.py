"""Answers composed from the launch apps' knowledge bases: cited, platform-aware, never invented."""
import re

import pytest

from bot.dialogue.answers import Question, answer
from bot.dialogue.vocabulary import QUESTION_TOPICS, SELF_SERVICE_TOPICS, platform_in
from bot.knowledge import list_apps, load_app

APPS = list_apps()
STEP_LINE = re.compile(r"^\d+\. (.+)$", re.M)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("intent", sorted(SELF_SERVICE_TOPICS))
@pytest.mark.parametrize("platform", ["app", "pc", "h5", "miniprogram"])
def test_every_step_shown_is_a_step_of_a_path_in_the_policy(app, intent, platform):
    kb = load_app(app)
    reply = answer(kb, Question(intent, platform=platform))
    shown = STEP_LINE.findall(reply.text)
    instructions = [p for p in kb.all_paths if p.kind == "instruction"
                    and "，".join(p.steps) in reply.text]
    if shown:
        known = {tuple(p.steps) for p in kb.all_paths if p.kind == "menu"}
        assert tuple(shown) in known, (reply.text, known)
    else:
        assert instructions or "没有写明" in reply.text, reply.text


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("intent", sorted(QUESTION_TOPICS))
def test_question_answers_cite_a_section_or_say_the_policy_is_silent(app, intent):
    reply = answer(load_app(app), Question(intent, text="请问这方面是怎么规定的"))
    assert "（依据：" in reply.text or "没有" in reply.text
    assert len(reply.text) < 600


def test_account_deletion_path_follows_the_users_platform():
    kb = load_app("melochi")
    on_pc = answer(kb, Question("how_delete_account", platform="pc"))
    on_phone = answer(kb, Question("how_delete_account", platform="app"))
    assert "电脑网页（PC端）" in on_pc.text and "账户安全" in on_pc.text
    assert "手机App" in on_phone.text and "账户与安全" in on_phone.text
    assert on_pc.offer == on_phone.offer == "account_deletion"


def test_unsubscribe_answer_follows_the_channel_asked_about():
    kb = load_app("liqun")
    sms = answer(kb, Question("how_unsubscribe", channels=("sms",)))
    email = answer(kb, Question("how_unsubscribe", channels=("email",)))
    assert "TD" in sms.text
    assert "邮件订阅" in email.text
    assert email.offer == "unsubscribe" and email.offer_details == ("email",)


def test_policy_without_paths_says_so_and_still_offers_to_do_it():
    reply = answer(load_app("yhd"), Question("how_delete_account", text="怎么注销账号"))
    assert "没有写明" in reply.text
    assert not STEP_LINE.search(reply.text)
    assert reply.offer == "account_deletion"


def test_response_time_comes_from_the_published_deadline():
    reply = answer(load_app("liqun"), Question("ask_response_time"))
    assert "30" in reply.text and "（依据：" in reply.text


def test_contact_answer_lists_the_apps_own_channels_once():
    reply = answer(load_app("melochi"), Question("ask_contact"))
    assert "95118" in reply.text
    assert reply.text.count("1391718307@qq.com") == 1


@pytest.mark.parametrize("text,platform", [
    ("在PC端呢？", "pc"), ("電腦上怎麼弄", "pc"), ("苹果手机呢", "ios"), ("安卓的", "android"),
    ("小程序里面", "miniprogram"), ("我的手机号是多少", None), ("那邮件呢", None),
])
def test_platform_named_in_a_follow_up(text, platform):
    assert platform_in(text) == platform
