"""Settings paths on synthetic mini-policies: every separator and quote style, notes, platforms,
qualifiers — and text that only looks like a path."""
from __future__ import annotations

import pytest

from bot.knowledge.pathfinder import find_paths
from bot.text import normalize

from .helpers import knowledge_of

DELETION = ("我的", "设置", "账号与安全", "注销账号")


def found(sentence: str) -> list:
    return [tuple(path.steps) for path in find_paths(sentence, normalize(sentence))]


@pytest.mark.parametrize("sentence", [
    "您可以在“我的-设置-账号与安全-注销账号”中申请注销账号。",
    "您可以在“我的--设置--账号与安全--注销账号”中申请注销账号。",
    "您可以在“我的—设置—账号与安全—注销账号”中申请注销账号。",
    "您可以在“我的→设置→账号与安全→注销账号”中申请注销账号。",
    "您可以在“我的>设置>账号与安全>注销账号”中申请注销账号。",
    "您可以在“我的＞设置＞账号与安全＞注销账号”中申请注销账号。",
    "您可以在“我的－设置－账号与安全－注销账号”中申请注销账号。",
    "您可以在“我的/设置/账号与安全/注销账号”中申请注销账号。",
    "您可以在“我的 > 设置 > 账号与安全 > 注销账号”中申请注销账号。",
    "您可以在「我的-设置-账号与安全-注销账号」中申请注销账号。",
    "您可以在『我的-设置-账号与安全-注销账号』中申请注销账号。",
    "您可以依次点击“我的”-“设置”-“账号与安全”-“注销账号”申请注销账号。",
    "您可以依次点击「我的」→「设置」→「账号与安全」→「注销账号」申请注销账号。",
    "您可以依次点击【我的】-【设置】-【账号与安全】-【注销账号】申请注销账号。",
    "您可以依次点击“我的”、“设置”、“账号与安全”、“注销账号”申请注销账号。",
    "您可以进入“我的”页面，点击“设置”，选择“账号与安全”，再点击“注销账号”申请注销账号。",
    "注销路径：我的-设置-账号与安全-注销账号。",
    "您可以在我的>设置>账号与安全>注销账号中申请注销账号。",
    "申请路径为：App首页-我的-设置-账号与安全-注销账号，提交后我们将尽快处理。",
])
def test_every_separator_and_quote_style(sentence):
    paths = found(sentence)
    assert paths and paths[0][-4:] == DELETION


def test_bracketed_note_and_button_position():
    sentence = "您可以在“我的-设置-注销账号”（该入口位于页面底部）中申请注销。"
    (path,) = find_paths(sentence, normalize(sentence))
    assert path.steps == ["我的", "设置", "注销账号"]
    assert path.notes == ["该入口位于页面底部"]
    sentence = "首页--“我的”进入个人中心--右上角“设置按钮”--账户与安全。"
    (path,) = find_paths(sentence, normalize(sentence))
    assert path.steps == ["首页", "我的", "设置", "账户与安全"]
    assert path.notes == ["“设置”在右上角"]


def test_quoted_steps_joined_by_page_and_menu_words():
    assert found("您可以在“个人中心”页面的“账户设置”菜单中查看您的个人资料。") == [("个人中心", "账户设置")]
    assert found("您可通过PC端账户设置页面的邮件订阅菜单中取消邮件订阅。") == [("账户设置", "邮件订阅")]


def test_scanned_dash_read_as_the_character_yi():
    assert found("您可以在本应用通过“账户设置一设置一隐私”中逐项查看权限的开启状态。") == [("账户设置", "设置", "隐私")]
    assert found("我们会通过“一键登录”为您提供服务。") == []


@pytest.mark.parametrize("sentence", [
    "我们的产品与/或服务包括一些核心功能。",
    "我们使用uni-app框架与SHA-256算法，版本发布于2023-11-01。",
    "隐私政策链接：https://example.com/privacy/index-v2.html",
    "特别应重点阅读我们以粗体/粗体下划线标识的条款。",
    "我们——作为运营者——非常重视您的隐私。",
    "如您对首页“为你推荐”展示的商品不感兴趣，可以长按图片选择减少推荐。",
    "基本/附加功能及收集使用的个人信息类型会有所区别。",
    "本政策（下称“本政策”）适用于全部服务。",
])
def test_text_that_only_looks_like_a_path_is_not_one(sentence):
    assert found(sentence) == []


def mini_policy(body: str) -> str:
    return f"某应用隐私政策\n五、您如何管理您的个人信息\n{body}\n八、如何联系我们\n您可以发送邮件至privacy@example.com与我们联系。\n"


@pytest.mark.parametrize("marker, platform", [
    ("iOS用户可以在", "ios"), ("安卓用户可以在", "android"), ("PC端您可以在", "pc"), ("H5端您可以在", "h5"),
    ("在微信小程序中，您可以在", "miniprogram"), ("移动端您可以在", "app"), ("您可以在", "app"),
])
def test_platform_is_the_nearest_one_named_before_the_path(marker, platform):
    kb = knowledge_of(mini_policy(f"1、注销账号\n{marker}“我的-设置-注销账号”中申请注销账号。"))
    (path,) = kb.paths("account_deletion")
    assert path.platform == platform


def test_platform_variants_rank_exact_then_mobile_app_then_others():
    kb = knowledge_of(mini_policy(
        "1、注销账号\nPC端您可以在“个人中心-账号安全-注销账号”中申请注销账号；移动端您可以在“我的-设置-注销账号”中申请注销账号；"
        "H5端您可以在“我的-账号-注销”中申请注销账号。"))
    assert [p.platform for p in kb.paths("account_deletion", platform="h5")] == ["h5", "app", "pc"]
    assert [p.platform for p in kb.paths("account_deletion", platform="miniprogram")] == ["app", "pc", "h5"]
    assert [p.platform for p in kb.paths("account_deletion")] == ["app", "pc", "h5"]


@pytest.mark.parametrize("body, topic, qualifier", [
    ("如您要删除您的搜索记录，您可以在“搜索框-搜索历史”中选择删除。", "delete_info", "search_history"),
    ("您可以在“我的-订单-全部订单”中删除已完成的订单。", "delete_info", "order"),
    ("您可以在“我的-设置-收货地址”中查看和修改您的收货地址。", "view_or_correct_info", "address"),
    ("您可以通过“我的-发票管理”查看您的发票信息。", "view_or_correct_info", "invoice"),
    ("您可以在“我的-设置-账号与安全-刷脸登录”中关闭刷脸登录，撤回对人脸信息的授权。", "withdraw_consent", "face"),
    ("您可以在“我的-设置-隐私设置-个性化推荐”中关闭个性化推荐。", "personalization", "recommendations"),
    ("您可以在“我的-设置-隐私设置-广告管理”中关闭个性化广告。", "personalization", "ads"),
    ("如您不想接收营销短信，可以在“我的-设置-消息设置”中关闭短信通知。", "unsubscribe", "sms"),
    ("如您不想接收推送消息，可以在“我的-设置-通知设置”中关闭推送。", "unsubscribe", "push"),
    ("如您不希望接收促销邮件，可在“账户设置-邮件订阅”中取消订阅。", "unsubscribe", "email"),
    ("如您不想接收营销短信，可回复“TD”退订。", "unsubscribe", "sms"),
    ("您可以在“我的-设置-隐私-系统权限”中关闭相机权限。", "permissions", "camera"),
    ("您可以在“设置-隐私-定位服务”中关闭位置权限。", "permissions", "location"),
    ("您可以在“设置-应用-权限管理-剪贴板”中关闭剪贴板权限。", "permissions", "clipboard"),
    ("您可以在“我的-设置-隐私-个人信息副本”中导出您的个人信息副本。", "data_copy", None),
])
def test_topic_and_qualifier(body, topic, qualifier):
    kb = knowledge_of(mini_policy(f"1、管理您的信息\n{body}"))
    paths = kb.paths(topic)
    assert paths, kb.all_paths
    assert paths[0].qualifier == qualifier
    assert paths[0].quote == body


def test_account_deletion_path_is_not_also_a_way_to_view_information():
    kb = knowledge_of(mini_policy("4、注销账号\n您可以通过移动端APP访问“我的--账户设置-账户与安全-注销账号”完成账号注销。"))
    assert [p.topic for p in kb.all_paths] == ["account_deletion"]


def test_path_to_the_policy_itself_or_to_nowhere_is_dropped():
    kb = knowledge_of(mini_policy(
        "1、其他\n您可以在APP通过“我的-账户设置-关于我们-隐私政策”中查看本政策。"
        "我们会在专门页面（如“首页-消息”）上发布对本政策所做的变更。"))
    assert list(kb.all_paths) == []


def test_contact_path_becomes_an_online_service_contact():
    kb = knowledge_of(mini_policy("1、查阅\n如需帮助，您可登录应用，进入“我的”页面，选择“联系我们”，协助您查询、更正您的信息。"))
    assert list(kb.all_paths) == []
    assert [c.value for c in kb.contacts if c.kind == "online_service"] == ["我的 › 联系我们"]


def test_a_later_sentence_about_the_same_path_adds_its_topic():
    kb = knowledge_of(mini_policy("1、档案\n您可以在移动端“账户设置-档案”中添加您的尺码。您可通过此路径对上述信息进行删除和修改。"))
    assert [(p.topic, p.qualifier) for p in kb.all_paths] == [
        ("view_or_correct_info", "profile_archive"), ("delete_info", "profile_archive")]


def test_permission_path_for_permissions_listed_in_the_previous_sentence():
    kb = knowledge_of(mini_policy(
        "1、权限\n上述功能可能需要您开启相机、麦克风及通讯录的访问权限。您可以在“我的-设置-隐私”中逐项查看上述权限的开启状态。"))
    assert {p.qualifier for p in kb.paths("permissions")} == {"camera", "microphone", "contacts"}
    assert [p.qualifier for p in kb.paths("permissions", permission="camera")] == ["camera"]


def test_unqualified_path_serves_every_qualifier_after_exact_ones():
    kb = knowledge_of(mini_policy(
        "1、删除\n您可以在“我的-设置-隐私-数据管理”中删除您的个人信息。您可以在“我的-订单-全部订单”中删除已完成的订单。"))
    assert [p.qualifier for p in kb.paths("delete_info", category="order")] == ["order", None]
    assert [p.qualifier for p in kb.paths("delete_info", category="address")] == [None]


def test_unknown_topic_or_platform_is_an_error():
    kb = knowledge_of(mini_policy("1、注销\n您可以在“我的-设置-注销账号”中注销账号。"))
    with pytest.raises(ValueError):
        kb.paths("cancel_everything")
    with pytest.raises(ValueError):
        kb.paths("account_deletion", platform="watch")


def test_traditional_characters_and_full_width_are_understood():
    kb = knowledge_of(mini_policy("1、註銷帳號\n您可以在「我的－設定－帳號與安全－註銷帳號」中申請註銷帳號。"))
    (path,) = kb.paths("account_deletion")
    assert path.steps == ("我的", "設定", "帳號與安全", "註銷帳號")     # labels stay as written


@pytest.mark.parametrize("body, steps, kind", [
    ("如您不想接收营销短信，可回复“TD”退订。", ("回复“TD”",), "instruction"),
    ("如您不想接收商业性短信，可以根据短信内容提示，来取消我们给您发送的促销短信。", ("根据短信内容提示",), "instruction"),
    ("如您不想接收推送消息，可以在“我的-设置-通知设置”中关闭推送。", ("我的", "设置", "通知设置"), "menu"),
])
def test_an_action_to_perform_is_an_instruction_not_a_menu(body, steps, kind):
    (path,) = knowledge_of(mini_policy(f"1、退订\n{body}")).paths("unsubscribe")
    assert (path.steps, path.kind) == (steps, kind)


def test_instruction_paths_keep_the_documented_order():
    kb = knowledge_of(mini_policy(
        "1、退订\n您可以回复“TD”退订促销短信。您可以在“我的-设置-消息设置”中关闭营销短信。"))
    assert [(p.steps, p.kind) for p in kb.paths("unsubscribe", channel="sms")] == [
        (("回复“TD”",), "instruction"), (("我的", "设置", "消息设置"), "menu")]
