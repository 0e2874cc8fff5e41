"""What a settings path is for — its purpose, its data category or channel, its product — and
that it is served only for that, on synthetic policies."""
from __future__ import annotations

from .helpers import knowledge_of


def mini_policy(body: str, name: str = "sample") -> str:
    return f"{name}隐私政策\n五、您如何管理您的个人信息\n{body}\n八、如何联系我们\n您可以发送邮件至privacy@example.com与我们联系。\n"


def test_a_path_to_turn_reminders_back_on_is_not_a_way_to_unsubscribe():
    kb = knowledge_of(mini_policy(
        "1、消息提醒\n如您关闭后希望重新接收促销信息，可以在“我的-设置-消息订阅”中重新开启。"))
    assert kb.paths("unsubscribe", channel="sms") == []
    assert kb.paths("unsubscribe", channel="email") == []
    assert kb.paths("unsubscribe") == []


def test_the_unsubscribe_path_keeps_the_verb_it_is_for():
    kb = knowledge_of(mini_policy("1、退订\n如您不想接收营销短信，可以在“我的-设置-消息设置”中关闭短信通知。"))
    (path,) = kb.paths("unsubscribe", channel="sms")
    assert path.purpose == "关闭"


def test_a_watch_history_path_is_not_served_for_search_history():
    kb = knowledge_of(mini_policy("1、删除\n您可以在“我的-观看历史”中删除您的观看记录。"))
    assert kb.paths("delete_info", category="search_history") == []
    (path,) = kb.paths("delete_info")
    assert path.subject == "观看记录"


def test_a_history_the_vocabulary_does_not_know_is_served_only_unqualified():
    kb = knowledge_of(mini_policy("1、删除\n您可以在“我的-收听历史”中删除您的收听记录。"))
    assert kb.paths("delete_info", category="browsing_history") == []
    assert [p.subject for p in kb.paths("delete_info")] == ["收听记录"]


def test_a_generic_deletion_path_still_serves_every_category():
    kb = knowledge_of(mini_policy("1、删除\n您可以在“我的-设置-隐私-数据管理”中删除您的个人信息。"))
    assert len(kb.paths("delete_info", category="search_history")) == 1


def test_the_policys_own_deletable_categories_are_listed():
    kb = knowledge_of(mini_policy(
        "1、删除\n您可以在“我的-观看历史”中删除您的观看记录。您可以在“搜索框-搜索历史”中删除搜索记录。"))
    assert kb.deletable_categories() == [("browsing_history", "观看记录"), ("search_history", "搜索记录")]


def test_a_path_of_another_product_named_in_the_policy_is_not_the_apps():
    policy = mini_policy(
        "1、注销账号\n您可以在“我的-设置-账号与安全-注销账号”中注销账号。"
        "如您使用的是快看极速版App，您可以在“我-设置-注销极速版账号”中注销。", name="快看")
    kb = knowledge_of(policy, name="快看")
    assert [p.steps for p in kb.paths("account_deletion")] == [("我的", "设置", "账号与安全", "注销账号")]
