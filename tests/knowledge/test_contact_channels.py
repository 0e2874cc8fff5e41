"""Contact channels real policies give beyond email and phone — WeChat and QQ service accounts,
in-app service entries — and contact lines that must come out clean, on synthetic policies."""
from __future__ import annotations

import pytest

from .helpers import knowledge_of


def policy(*lines: str) -> str:
    return "示例隐私政策\n九、如何联系我们\n" + "\n".join(lines) + "\n"


def online(kb) -> list:
    return [c.value for c in kb.contacts if c.kind == "online_service"]


@pytest.mark.parametrize("line, value", [
    ("微信客服：zuji02", "微信客服 zuji02"),
    ("在线官方QQ群：656107562", "QQ群 656107562"),
    ("您也可以关注“示例生活”微信公众号与我们联系。", "微信公众号 示例生活"),
    ("客服QQ：800012345", "客服QQ 800012345"),
])
def test_wechat_and_qq_service_accounts_are_contacts(line, value):
    assert value in online(knowledge_of(policy(line)))


@pytest.mark.parametrize("line, value", [
    ("您可以通过“邮箱/问题反馈”的方式联系我们客服。", "邮箱/问题反馈"),
    ("你可以在【我】-【≡】-【我的客服】，进入用户反馈界面与我们联系。", "我 › ≡ › 我的客服"),
])
def test_in_app_service_entries_are_contacts(line, value):
    assert value in online(knowledge_of(policy(line)))


def test_an_address_after_a_second_label_is_clean():
    kb = knowledge_of(policy("注册地址/常用办公地址：上海市浦东新区世纪大道100号10楼"))
    assert [c.value for c in kb.contacts if c.kind == "address"] == ["上海市浦东新区世纪大道100号10楼"]


def test_a_postal_address_without_the_word_address_is_found():
    kb = knowledge_of(policy("邮寄至 北京市海淀区中关村大街1号 法务部 数据保护中心"))
    assert [c.value for c in kb.contacts if c.kind == "address"] == ["北京市海淀区中关村大街1号 法务部 数据保护中心"]


def test_the_privacy_officers_address_is_tied_to_the_officer():
    kb = knowledge_of(policy(
        "个人信息保护负责人联系方式：", "电子邮箱：dpo@example.com", "联系地址：上海市浦东新区世纪大道100号10楼"))
    officer = [c.value for c in kb.contacts if c.kind == "privacy_officer"]
    assert "个人信息保护负责人邮箱 dpo@example.com" in officer
    assert "个人信息保护负责人地址 上海市浦东新区世纪大道100号10楼" in officer



def test_a_quoted_platform_with_no_account_is_not_a_contact():
    kb = knowledge_of(policy("(1) 通过“邮箱/问题反馈”的方式联系我们客服。", "(2) 通过“QQ”联系客服。"))
    assert online(kb) == ["邮箱/问题反馈"]
