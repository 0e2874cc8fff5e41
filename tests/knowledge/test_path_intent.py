"""What a path is for when its labels and its sentence disagree — a settings page named after
permissions used to withdraw consent, privacy switches that control who sees what, advertising
called 推送, a lead-in whose list says what each page does — on synthetic policies."""
from __future__ import annotations

from .helpers import knowledge_of


def mini_policy(body: str) -> str:
    return f"示例隐私政策\n五、您如何管理您的个人信息\n{body}\n八、如何联系我们\n您可以发送邮件至privacy@example.com与我们联系。\n"


def steps_of(kb, topic: str) -> list:
    return [path.steps for path in kb.paths(topic)]


def test_a_permissions_settings_page_used_to_withdraw_consent_is_a_withdraw_consent_path():
    kb = knowledge_of(mini_policy(
        "（二）改变您授权同意的范围\n"
        "1、APP内【示例→我的→设置→隐私权限设置】进行管理，您也可以在手机系统设置中开启或关闭摄像头、麦克风权限，"
        "改变授权范围或撤回您的授权。"))
    assert ("示例", "我的", "设置", "隐私权限设置") in steps_of(kb, "withdraw_consent")
    assert [p for p in kb.all_paths if p.topic == "permissions"] == []


def test_a_permissions_page_for_a_named_permission_stays_a_permissions_path():
    kb = knowledge_of(mini_policy("1、权限管理\n您可以在“我的-设置-隐私权限设置”中关闭相机权限。"))
    assert ("我的", "设置", "隐私权限设置") in [p.steps for p in kb.all_paths if p.topic == "permissions"]


def test_a_permission_named_only_elsewhere_in_the_paragraph_does_not_make_a_permissions_path():
    kb = knowledge_of(mini_policy(
        "1、朋友推荐。我们可能会请求通讯录权限，用于向您推荐通讯录中的朋友。"
        "如果您不希望被推荐给朋友，可以在【我的】-【隐私设置】中选择关闭。"))
    assert [p for p in kb.all_paths if p.topic == "permissions"] == []


def test_a_switch_controlling_who_sees_your_activity_is_neither_a_view_nor_a_delete_path():
    kb = knowledge_of(mini_policy(
        "（1）你可以在【我】-【设置】-【隐私设置】中管理以下功能：\n"
        "【浏览和访客】-【作品浏览记录】中可以控制你对某一内容的浏览是否会被该内容的作者看到。关闭后，你也不能看到你的内容被查看的浏览记录。\n"
        "如果你希望某一作品不对特定用户展示，可在【我】-【作品】中选择相应内容，点击【权限设置】后进行设置。"))
    for topic in ("view_or_correct_info", "delete_info"):
        assert ("浏览和访客", "作品浏览记录") not in steps_of(kb, topic)
    assert [p for p in kb.all_paths if p.topic == "permissions"] == []


def test_an_advertising_page_called_push_is_personalisation_not_unsubscribing():
    kb = knowledge_of(mini_policy(
        "a) 自主决定接收程序化广告信息：你可以在【我】-【设置】-【了解与管理广告推送】中选择是否接收程序化广告。"))
    assert kb.paths("unsubscribe") == []
    assert [(p.qualifier, p.steps) for p in kb.all_paths if p.topic == "personalization"] == [
        ("ads", ("我", "设置", "了解与管理广告推送"))]


def test_a_last_step_named_address_is_for_addresses_not_orders():
    kb = knowledge_of(mini_policy("你可以在【我】-【我的订单】-【地址】中添加、删除、更改、查看你的收货地址信息。"))
    assert [p.qualifier for p in kb.all_paths if p.steps == ("我", "我的订单", "地址")] == ["address", "address"]


def test_a_lead_in_path_serves_only_what_its_items_do_through_it():
    kb = knowledge_of(mini_policy(
        "（一）信息访问及管理\n"
        "您也可以通过「我的」→右上角「设置」页面，按照相关提示，对您的个人信息进行访问、更正及删除：\n"
        "1、 您可通过【设置】来对您帐号中的昵称、头像等进行访问和更正；\n"
        "2、 您可通过【设置→手机号】访问、查看您的手机号码信息；\n"
        "3、 您可通过【消息】访问、删除好友及相关对话信息。"))
    assert ("我的", "设置") in steps_of(kb, "view_or_correct_info")
    assert ("我的", "设置") not in [p.steps for p in kb.all_paths if p.topic == "delete_info"]
