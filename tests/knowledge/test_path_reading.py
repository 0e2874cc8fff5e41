"""Reading a path's steps exactly as real policies write them, on synthetic policies: a list
marker in front of the first step, a bracketed last step followed by a verb and its quoted
object, a verb or a "choose the item" remark after the last step, an SMS's own unsubscribe
method, two quoted alternatives joined by "/"."""
from __future__ import annotations

import pytest

from .helpers import knowledge_of


def mini_policy(body: str) -> str:
    return f"示例隐私政策\n三、管理你的个人信息\n{body}\n八、联系我们\n你可以发送邮件至privacy@example.com与我们联系。\n"


def steps_of(kb, topic: str) -> list:
    return [path.steps for path in kb.paths(topic)]


@pytest.mark.parametrize("marker", ["a) ", "b）", "c)", "(1)", "①", "1) "])
def test_a_list_marker_in_front_of_the_first_step_is_not_part_of_it(marker):
    kb = knowledge_of(mini_policy(
        f"{marker}【我】-【≡】-【个人信息查阅与管理】中可以查询你的账号资料、基本资料。"))
    assert ("我", "≡", "个人信息查阅与管理") in steps_of(kb, "view_or_correct_info")


def test_a_bracketed_last_step_followed_by_a_verb_and_a_quoted_object():
    kb = knowledge_of(mini_policy(
        "如果你不希望被推荐个性化的内容，可通过【我】-【≡】-【设置】-【个人信息管理】关闭“个性化内容推荐”。"))
    assert steps_of(kb, "personalization") == [("我", "≡", "设置", "个人信息管理")]


def test_a_verb_after_the_last_step_is_not_a_step():
    kb = knowledge_of(mini_policy("如果你不希望被推荐给朋友，可以在【个人设置】-【隐私设置】中选择关闭个性化推荐。"))
    assert steps_of(kb, "personalization") == [("个人设置", "隐私设置")]


def test_choosing_an_item_is_not_a_step():
    kb = knowledge_of(mini_policy("你可在【我】-【作品】中选择相应内容，删除你发布的音视频信息。"))
    assert [s for s in steps_of(kb, "delete_info") if "相应内容" in s] == []


def test_the_unsubscribe_method_in_the_sms_itself_is_an_instruction():
    kb = knowledge_of(mini_policy(
        "我们可能会以短信的方式向你发送商业性信息。如你不愿接受这些信息，你可以通过手机短信中提供的退订方式进行退订。"))
    (path,) = kb.paths("unsubscribe", channel="sms")
    assert path.steps == ("手机短信中提供的退订方式",)
    assert path.kind == "instruction"


def test_two_quoted_alternatives_joined_by_a_slash_are_not_a_path():
    kb = knowledge_of(mini_policy("联系客服有以下两种方式：\n(1) 通过“邮箱/问题反馈”的方式联系我们客服。"))
    online = [c.value for c in kb.contacts if c.kind == "online_service"]
    assert "邮箱 › 问题反馈" not in online
    assert "邮箱/问题反馈" in online
