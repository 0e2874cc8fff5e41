"""Where a settings path starts and ends, on synthetic sentences written the way real policies
write them: wrapped in brackets, listed side by side, joined by arrows, behind a menu glyph, on a
web page the user first has to open."""
from __future__ import annotations

import pytest

from bot.knowledge.pathfinder import find_paths
from bot.text import normalize

from .helpers import knowledge_of


def found(sentence: str) -> list:
    return [tuple(path.steps) for path in find_paths(sentence, normalize(sentence))]


@pytest.mark.parametrize("sentence", [
    "您可以通过（我的-设置-隐私设置）予以关闭个性化推荐。",
    "您可以在我的-设置-隐私设置）予以关闭个性化推荐。",
    "您可以通过(我的>设置>隐私设置)进行关闭。",
])
def test_a_closing_bracket_ends_the_last_step(sentence):
    assert found(sentence) == [("我的", "设置", "隐私设置")]


@pytest.mark.parametrize("sentence, paths", [
    ("您可以在“我的-订单”或“我的-设置-地址管理”中删除。", [("我的", "订单"), ("我的", "设置", "地址管理")]),
    ("您可以通过【我-设置-帮助与客服-如何注销账号】或【我-设置-账号与安全-注销账号】来注销您的账号。",
     [("我", "设置", "帮助与客服", "如何注销账号"), ("我", "设置", "账号与安全", "注销账号")]),
    ("请进入“我的-设置-通知”、“我的-设置-隐私”分别关闭。", [("我的", "设置", "通知"), ("我的", "设置", "隐私")]),
])
def test_paths_written_side_by_side_stay_apart(sentence, paths):
    assert found(sentence) == paths


def test_quoted_single_steps_joined_by_commas_are_still_one_path():
    assert found("您可以依次点击“我的”、“设置”、“账号与安全”、“注销账号”申请注销账号。") == [
        ("我的", "设置", "账号与安全", "注销账号")]


@pytest.mark.parametrize("sentence, steps", [
    ("您可以访问https://www.example.com/help，并在“账户设置→隐私”中关闭。", ("账户设置", "隐私")),
    ("登录www.example.com后进入“账户设置-隐私设置”关闭个性化推荐。", ("账户设置", "隐私设置")),
    ("您可通过【个人设置→手机号】查看您的手机号码。", ("个人设置", "手机号")),
])
def test_an_arrow_after_a_web_address_still_separates_steps(sentence, steps):
    assert steps in [path[-len(steps):] for path in found(sentence)]


def test_a_menu_glyph_is_a_step():
    assert found("您可以在【我】-【≡】-【设置】-【账号与安全】-【注销账号】中注销账号。") == [
        ("我", "≡", "设置", "账号与安全", "注销账号")]


def test_the_app_word_in_front_of_a_path_is_not_part_of_its_first_step():
    assert found("您可以在APP内【片场→个人→个人设置(个人主页右上角)→隐私权限设置】进行管理。") == [
        ("片场", "个人", "个人设置", "隐私权限设置")]


def mini_policy(body: str) -> str:
    return f"某应用隐私政策\n五、您如何管理您的个人信息\n{body}\n八、如何联系我们\n您可以发送邮件至privacy@example.com与我们联系。\n"


def test_a_pc_web_page_and_its_login_precondition_are_kept():
    kb = knowledge_of(mini_policy(
        "1、个性化推荐\nPC端：打开www.example.com并登录，进入“账户设置-隐私设置”页面关闭个性化推荐。"))
    (path,) = kb.paths("personalization", platform="pc")
    assert path.platform == "pc"
    assert path.steps == ("打开www.example.com并登录", "账户设置", "隐私设置")


def test_a_label_that_is_only_brackets_is_no_step_and_ends():
    from bot.knowledge.steps import clean_label
    for text in ("（", "（（", "(", "[ ("):
        assert clean_label(text, normalize(text), []) is None
