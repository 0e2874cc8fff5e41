"""Facts that must be the app's own, each with its section and quote: the freeze period after
cancellation, reply deadlines per request type, how long transaction records outlive the account,
the cancellation notice's conditions and consequences, dates in every common format."""
from __future__ import annotations

import datetime

import pytest

from .helpers import knowledge_of


def policy(*lines: str) -> str:
    return "示例隐私政策\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, days", [
    ("您提交注销申请后，账号将进入15天的冻结期，冻结期内登录即视为撤销注销。", 15),
    ("注销申请提交后，您的账号将被冻结30天，期满后完成注销。", 30),
])
def test_a_freeze_period_after_cancellation_is_the_cooling_off_period(text, days):
    kb = knowledge_of(policy("四、注销账号", text))
    assert kb.cooling_off.days == days
    assert kb.cooling_off.section == "四、注销账号" and kb.cooling_off.quote == text


def test_a_frozen_account_for_security_is_not_a_cooling_off_period():
    kb = knowledge_of(policy("四、账号安全", "如发现您的账号存在被盗风险，我们会将账号冻结7天。"))
    assert kb.cooling_off is None


def test_a_copy_deadline_is_that_requests_own_and_not_the_general_one():
    kb = knowledge_of(policy(
        "五、您的权利", "（三）获取个人信息副本", "您可以联系客服获取副本，我们将在10个工作日内向您提供个人信息副本。",
        "（六）响应您的请求", "我们将在15个工作日内答复您的请求。"))
    assert (kb.response_deadline.days, kb.response_deadline.working_days) == (15, True)
    copy = kb.deadline_for("data_export")
    assert (copy.days, copy.working_days) == (10, True)
    assert copy.section == "五、您的权利 › （三）获取个人信息副本"
    assert "10个工作日内" in copy.quote
    assert kb.deadline_for("account_deletion") == kb.response_deadline
    assert kb.deadline_for("unsubscribe") == kb.response_deadline


def test_a_policy_with_only_a_copy_deadline_publishes_no_general_one():
    kb = knowledge_of(policy("五、个人信息副本获取", "如书文化将在10个工作日内向您提供个人信息副本。"))
    assert kb.response_deadline is None
    assert kb.deadline_for("data_export").days == 10
    assert kb.deadline_for("account_deletion") is None


def test_a_cancellation_deadline_belongs_to_account_deletion():
    kb = knowledge_of(policy(
        "五、注销账号", "我们会在收到您的注销申请并验证您的用户身份后七个工作日内为您处理。",
        "八、联系我们", "我们将在15天内回复您的请求。"))
    assert (kb.deadline_for("account_deletion").days, kb.deadline_for("account_deletion").working_days) == (7, True)
    assert kb.response_deadline.days == 15
    assert kb.deadline_for("info_deletion").days == 15


def test_unknown_request_type_is_an_error():
    kb = knowledge_of(policy("八、联系我们", "我们将在15天内回复您的请求。"))
    with pytest.raises(ValueError):
        kb.deadline_for("refund")


def test_transaction_records_kept_after_cancellation_come_from_the_notice():
    kb = knowledge_of(policy(
        "四、保存期限", "我们只会在达成本政策所述目的所需的期限内保留您的个人信息。",
        "附件一：《账户注销须知》", "注销账户后，根据法律法规规定，相关交易记录可能须在后台保存5年甚至更长的时间。"))
    rule = kb.transaction_retention()
    assert (rule.period, rule.days) == ("5年甚至更长的时间", 1825)
    assert rule.section == "附件一：《账户注销须知》"


def test_no_transaction_retention_when_the_policy_names_none():
    kb = knowledge_of(policy("四、保存期限", "我们只会在达成本政策所述目的所需的期限内保留您的个人信息。"))
    assert kb.transaction_retention() is None


def test_the_cancellation_notice_gives_conditions_and_consequences():
    kb = knowledge_of(policy(
        "附件一：《账户注销须知》",
        "如果您仍执意注销账户，您的账户需同时满足以下条件：",
        "（1）账户内无未完成的订单；",
        "（2）账户无任何纠纷；",
        "注销账户后，您将无法找回账户中的任何内容或信息，包括但不限于：",
        "（1）您将无法登录、使用本账户；",
        "（2）账户的个人资料和历史信息都将无法找回。"))
    terms = kb.cancellation
    assert terms.conditions == ("账户内无未完成的订单", "账户无任何纠纷")
    assert terms.consequences == ("您将无法登录、使用本账户", "账户的个人资料和历史信息都将无法找回")
    assert terms.section == "附件一：《账户注销须知》"


def test_no_cancellation_terms_when_the_policy_lists_none():
    kb = knowledge_of(policy("五、注销账号", "您可以在“我的-设置-注销账号”中申请注销。"))
    assert kb.cancellation is None


@pytest.mark.parametrize("header, effective, updated", [
    ("生效日期：二〇二三年五月一日", datetime.date(2023, 5, 1), None),
    ("更新日期：二零二三年十二月三十一日", None, datetime.date(2023, 12, 31)),
    ("【最新修订日期】2022年09月22日", None, datetime.date(2022, 9, 22)),
    ("本隐私政策于2021年1月1日发布并同时生效。", datetime.date(2021, 1, 1), datetime.date(2021, 1, 1)),
    ("版本更新日期：2024/3/5", None, datetime.date(2024, 3, 5)),
    ("生效时间：2024.03.05", datetime.date(2024, 3, 5), None),
])
def test_dates_in_more_formats(header, effective, updated):
    kb = knowledge_of(f"示例隐私政策\n{header}\n一、总则\n本政策适用于本应用提供的全部服务，请您仔细阅读。\n")
    assert (kb.effective_date, kb.updated_date) == (effective, updated)
