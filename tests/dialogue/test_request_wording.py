"""What a request flow states is the app's own (its policy, with the section) or labelled as the
law's — never the product's default presented as the app's promise. Synthetic policies."""
from __future__ import annotations

from types import SimpleNamespace

from bot.dialogue.answers import Question, answer, contact_line
from bot.dialogue.requests import ask_data_category, explain_request, filed_request
from tests.knowledge.helpers import knowledge_of

NOTICE = """示例商城隐私政策
五、注销账号
您可以在“我的-设置-注销账号”中申请注销，提交后账号将进入15天的冻结期。
附件一：《账户注销须知》
注销账户后，相关交易记录须在后台保存5年。
如果您仍执意注销账户，您的账户需同时满足以下条件：
（1）账户内无未完成的订单；
（2）账户无任何纠纷；
"""
SILENT = """示例应用隐私政策
五、注销账号
您可以在“我的-设置-注销账号”中申请注销。
"""


def test_deletion_states_the_policys_own_retention_conditions_and_freeze():
    text = explain_request(knowledge_of(NOTICE), "account_deletion").text
    assert "5年" in text and "附件一" in text
    assert "账户内无未完成的订单" in text
    assert "15 天冷静期" in text
    assert "3 年" not in text


def test_deletion_on_a_silent_policy_labels_the_legal_minimum_as_the_laws():
    text = explain_request(knowledge_of(SILENT), "account_deletion").text
    assert "未写明交易记录的保存期限" in text and "电子商务法" in text and "不少于 3 年" in text
    assert "冷静期" not in text


def test_order_deletion_uses_the_policys_retention():
    text = explain_request(knowledge_of(NOTICE), "info_deletion", categories=["order"]).text
    assert "5年" in text and "3 年" not in text


def request(is_default: bool):
    return SimpleNamespace(type="data_export", id="PR-1", status="pending", status_label="待处理",
                           due_date="2026-12-20", cooling_off_ends_at=None,
                           deadline={"days": 15, "working_days": True, "is_default": is_default})


def test_a_default_deadline_is_not_promised_as_the_apps():
    text = filed_request(request(is_default=True), created=True)
    assert "15个工作日" not in text and "未写明处理期限" in text


def test_a_published_deadline_is_named_as_the_policys():
    assert "按隐私政策，15个工作日内" in filed_request(request(is_default=False), created=True)


def test_the_apps_own_deletable_categories_are_offered():
    kb = knowledge_of("示例视频隐私政策\n五、管理您的信息\n您可以在“我的-观看历史”中删除您的观看记录。\n")
    reply = ask_data_category(kb)
    assert "观看记录" in reply.text
    assert reply.buttons == (("观看记录", '/inform{"data_category":"browsing_history"}'),)


def test_without_deletion_paths_the_usual_categories_are_offered():
    assert "收货地址" in ask_data_category(knowledge_of(SILENT)).text


def test_a_not_written_reply_never_quotes_a_passage_holding_a_path():
    kb = knowledge_of("示例应用隐私政策\n四、退订\n如您不想接收营销短信，可回复“TD”退订。\n")
    reply = answer(kb, Question("how_unsubscribe", text="怎么退订邮件", channels=("email",)))
    assert "没有写明" in reply.text and "TD" not in reply.text


def test_a_label_only_online_service_is_not_labelled_twice():
    kb = knowledge_of("示例隐私政策\n九、如何联系我们\n您可以通过在线客服与我们联系。\n")
    assert "在线客服：在线客服" not in contact_line(kb) and "在线客服" in contact_line(kb)


def test_a_copy_deadline_is_answered_as_that_requests_own():
    kb = knowledge_of("示例隐私政策\n五、个人信息副本获取\n我们将在10个工作日内向您提供个人信息副本。\n")
    text = answer(kb, Question("ask_response_time")).text
    assert "没有写明一般请求的答复期限" in text and "10 个工作日" in text


def test_quotes_drop_list_markers_and_cut_long_sentences_at_a_comma():
    from bot.dialogue.answers import quote
    assert quote("（1）我们会保存您的订单信息。") == "我们会保存您的订单信息。"
    long = "我们会收集您的" + "、".join(["设备型号"] * 30) + "，以及您的位置信息，" + "用于" * 40 + "。"
    cut = quote(long)
    assert cut.endswith("…") and len(cut) <= 201
