"""Facts on synthetic policies: deadlines, cooling-off, retention, minors, dates, contacts, SDKs."""
from __future__ import annotations

import datetime

import pytest

from bot.knowledge.facts import to_int

from .helpers import knowledge_of


def policy(*sections: str) -> str:
    return "示例隐私政策\n" + "\n".join(sections) + "\n"


@pytest.mark.parametrize("text, days, working", [
    ("我们将在收到您的请求后15个工作日内答复。", 15, True),
    ("我们将在十五个工作日内予以答复。", 15, True),
    ("我们将在 30 天内答复您的请求。", 30, False),
    ("我们会在收到您反馈并验证您的身份后的30日内回复您的请求。", 30, False),
    ("一般情况下，我们将在一个月内回复。", 30, False),
    ("处理时间不超过15个工作日。", 15, True),
])
def test_reply_deadline(text, days, working):
    kb = knowledge_of(policy("五、响应您的请求", text))
    assert (kb.response_deadline.days, kb.response_deadline.working_days) == (days, working)
    assert kb.response_deadline.section == "五、响应您的请求"
    assert kb.response_deadline.quote == text


def test_request_clause_wins_over_a_general_reply_time():
    kb = knowledge_of(policy(
        "五、您的权利", "5、响应您的请求", "我们将在收到您反馈并验证您的身份后的30天内答复您的请求。",
        "八、如何联系我们", "一般情况下，我们将在15个工作日内回复。"))
    assert (kb.response_deadline.days, kb.response_deadline.working_days) == (30, False)
    assert [(d.days, d.working_days) for d in kb.other_deadlines] == [(15, True)]


def test_no_deadline_when_none_is_stated():
    kb = knowledge_of(policy("八、联系我们", "如您有任何问题，请通过在线客服与我们联系。"))
    assert kb.response_deadline is None and kb.other_deadlines == []


@pytest.mark.parametrize("text, days", [
    ("您提交注销申请后，将进入15天的冷静期，冷静期内您可以撤回申请。", 15),
    ("账号注销设有犹豫期，犹豫期为7日。", 7),
    ("注销申请提交后有十五个自然日的冷静期。", 15),
])
def test_cooling_off_period(text, days):
    kb = knowledge_of(policy("四、注销账号", text))
    assert kb.cooling_off.days == days and kb.cooling_off.quote == text
    assert kb.response_deadline is None          # a cooling-off period is not a reply deadline


def test_no_cooling_off_when_not_mentioned():
    assert knowledge_of(policy("四、注销账号", "您可以在“我的-设置-注销账号”中申请注销。")).cooling_off is None


def test_retention_rules():
    kb = knowledge_of(policy(
        "六、存储期限",
        "我们只会在达成本政策所述目的所需的期限内保留您的个人信息。",
        "根据《中华人民共和国电子商务法》，交易信息保存时间自交易完成之日起不少于三年。",
        "您的聊天记录我们将保存6个月。",
        "如果我们终止运营，我们会至少提前三十日向您通知。"))
    assert [(r.subject, r.period, r.days) for r in kb.retention] == [
        ("交易信息", "自交易完成之日起不少于三年", 1095),
        ("聊天记录", "6个月", 180),
        ("个人信息", "达成本政策所述目的所需的期限", None),
    ]


@pytest.mark.parametrize("text, ages", [
    ("若您是18周岁以下的未成年人，应事先取得监护人的同意。对于不满十四周岁的儿童，我们将制定专门规则。", (14, 18)),
    ("如您未满14岁，请在监护人陪同下使用本服务。", (14,)),
])
def test_minor_age_thresholds(text, ages):
    kb = knowledge_of(policy("七、未成年人保护", text))
    assert kb.minors.ages == ages and kb.minors.section == "七、未成年人保护"


def test_minors_without_an_age_are_absent():
    assert knowledge_of(policy("七、未成年人保护", "如您为未成年人，请在监护人同意后使用。")).minors is None


@pytest.mark.parametrize("header, effective, updated", [
    ("生效日期：2024年3月1日\n更新日期：2024年2月20日", datetime.date(2024, 3, 1), datetime.date(2024, 2, 20)),
    ("版本生效时间：2021-12-28", datetime.date(2021, 12, 28), None),
    ("本政策自2024年1月1日起生效。", datetime.date(2024, 1, 1), None),
    ("最近更新：[2023]年[11]月[01]日", None, datetime.date(2023, 11, 1)),
])
def test_effective_and_updated_dates(header, effective, updated):
    kb = knowledge_of(f"示例隐私政策\n{header}\n一、总则\n本政策适用于本应用提供的全部服务，请您仔细阅读。\n")
    assert (kb.effective_date, kb.updated_date) == (effective, updated)


def test_contacts_of_every_kind():
    kb = knowledge_of(policy(
        "九、如何联系我们",
        "如您有任何问题，可发送邮件至 privacy@example.com 或拨打客服热线400-820-8820与我们联系。",
        "我们设立了个人信息保护负责人，您可以通过邮箱dpo@example.com与其联系。",
        "联系地址：上海市浦东新区世纪大道100号10楼",
        "您也可以通过APP内的在线客服与我们联系，或访问 https://help.example.com 提交反馈。",
        "固定电话：021-61234567。"))
    kinds = [(c.kind, c.value) for c in kb.contacts]
    assert kinds == [
        ("email", "privacy@example.com"), ("email", "dpo@example.com"),
        ("phone", "400-820-8820"), ("phone", "021-61234567"),
        ("address", "上海市浦东新区世纪大道100号10楼"),
        ("online_service", "在线客服"),
        ("privacy_officer", "个人信息保护负责人邮箱 dpo@example.com"),
        ("url", "https://help.example.com"),
    ]
    assert {c.section for c in kb.contacts} == {"九、如何联系我们"}


@pytest.mark.parametrize("lines, officers", [
    (["我们设立了个人信息保护负责人，您可以拨打电话021-61234567与其联系。"], ["个人信息保护负责人电话 021-61234567"]),
    (["个人信息保护负责人联系方式：", "邮箱：dpo@example.com"], ["个人信息保护负责人邮箱 dpo@example.com"]),
    (["如有疑问，您可以直接向我们的个人信息保护专职部门发起投诉。"], []),          # named, but no way to reach it
])
def test_privacy_officer_is_a_contact_only_with_a_channel(lines, officers):
    kb = knowledge_of(policy("九、如何联系我们", *lines))
    assert [c.value for c in kb.contacts if c.kind == "privacy_officer"] == officers


def test_numbers_that_are_not_contacts_are_ignored():
    kb = knowledge_of(policy("一、信息收集", "我们会收集设备型号、IMEI（如867530012345678）及订单号20231101123456，不会拨打12345。"))
    assert kb.contacts == []


def test_sdk_key_value_table():
    kb = knowledge_of(policy(
        "三、第三方SDK",
        "SDK名称：友盟统计SDK", "使用目的：统计分析", "收集个人信息类型：设备信息、网络信息", "第三方隐私政策：https://www.umeng.com/policy",
        "SDK名称：微信SDK", "合作目的：分享与登录", "个人信息收集范围：设备标识符"))
    assert [(s.name, s.purpose, s.data) for s in kb.sdks] == [
        ("友盟统计SDK", "统计分析", "设备信息、网络信息"), ("微信SDK", "分享与登录", "设备标识符")]


def test_sdk_list_under_third_party_code_introduction():
    kb = knowledge_of(policy(
        "一、信息收集",
        "应用程序嵌入的第三方代码、插件收集个人信息的目的和范围:",
        "1.极光推送(设备标识符):向您推送订单消息",
        "2.相机权限:拍摄售后照片",
        "3.高德地图(位置信息):选择收货地址"))
    assert [(s.name, s.data, s.purpose) for s in kb.sdks] == [
        ("极光推送", "设备标识符", "向您推送订单消息"), ("高德地图", "位置信息", "选择收货地址")]


def test_sdk_package_ids_in_prose():
    kb = knowledge_of(policy(
        "一、信息收集",
        "我们使用com.tencent.mm(微信;微信分享)是为了分享商品，使用 cn.jpush.android(极光推送)是为了推送消息。"))
    assert [(s.name, s.package, s.purpose) for s in kb.sdks] == [
        ("微信", "com.tencent.mm", "分享商品"), ("极光推送", "cn.jpush.android", "推送消息")]


@pytest.mark.parametrize("text, value", [("15", 15), ("十五", 15), ("三十", 30), ("二十一", 21), ("一百", 100), ("两", 2)])
def test_chinese_numbers(text, value):
    assert to_int(text) == value
