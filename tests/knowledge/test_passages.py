"""Passages on synthetic policies: a lead-in carries the list that completes it (up to the length
limit, then 等), labels, links and table cells are never passages on their own, and every
passage is the policy's own text."""
from __future__ import annotations

import re

from bot.knowledge.cleaning import clean_text
from bot.knowledge.passages import MAX_PASSAGE, TRUNCATED

from .helpers import knowledge_of


def policy(*lines: str) -> str:
    return "示例隐私政策\n" + "\n".join(lines) + "\n"


def texts(text: str) -> list:
    return [clause.text for clause in knowledge_of(text).clauses]


def passage_with(text: str, needle: str) -> str:
    (found,) = [t for t in texts(text) if needle in t]
    return found


def test_a_lead_in_carries_its_bullet_list():
    text = policy("一、我们收集的信息", "我们可能获取的用户信息类型包括：", "● 注册信息（如用户名）；",
                  "● 联系方式（如手机号码）；", "● 支付信息（如银行账号）。")
    assert texts(text) == ["我们可能获取的用户信息类型包括：● 注册信息（如用户名）；● 联系方式（如手机号码）；● 支付信息（如银行账号）。"]


def test_a_long_list_is_cut_with_deng_and_the_rest_follows():
    items = [f"（{n}）在第{n}种情形下我们会依照法律法规的要求对外提供您的个人信息并事先告知您接收方的名称及联系方式；"
             for n in range(1, 9)]
    passages = texts(policy("三、共享", "我们不会与任何公司共享您的个人信息，但以下情况除外：", *items))
    lead = passages[0]
    assert lead.startswith("我们不会与任何公司共享您的个人信息，但以下情况除外：（1）")
    assert lead.endswith("等") and "（2）" in lead
    assert all(len(p) <= MAX_PASSAGE for p in passages)
    assert any(p.startswith("（8）") for p in passages[1:])        # nothing is lost
    assert not any(p == items[0] for p in passages)                  # an item quoted in full is not repeated


def test_numbered_items_that_complete_a_sentence_are_carried_without_a_colon():
    text = policy("二、删除", "在以下情形中，您可以向我们提出删除个人信息的请求", "（1）如果我们处理个人信息的行为违反法律法规；",
                  "（2）如果我们收集、使用您的个人信息，却未征得您的同意。")
    assert texts(text) == ["在以下情形中，您可以向我们提出删除个人信息的请求（1）如果我们处理个人信息的行为违反法律法规；"
                           "（2）如果我们收集、使用您的个人信息，却未征得您的同意。"]


def test_label_headings_stay_in_front_of_their_text_in_the_list():
    text = policy("三、对外提供", "（一）共享", "我们不会与其他公司共享您的个人信息，但以下情况除外：",
                  "1、履行法定义务所必需的共享：我们可能会按行政、司法机关依法提出的要求对外共享您的个人信息。",
                  "2、取得您同意的情况下共享：获得您的明确同意后，我们会与其他方共享您的个人信息。")
    assert passage_with(text, "但以下情况除外") == (
        "我们不会与其他公司共享您的个人信息，但以下情况除外：1、履行法定义务所必需的共享：我们可能会按行政、司法机关依法提出的要求"
        "对外共享您的个人信息。2、取得您同意的情况下共享：获得您的明确同意后，我们会与其他方共享您的个人信息。")


def test_a_label_bullet_carries_the_paragraph_that_explains_it():
    text = policy("用户信息的共享", "我们不会出售您的个人信息，但如下情况除外。", "● 合作伙伴：",
                  "我们可能会与我们的关联公司或合作伙伴共享用户信息。", "● 征得您的同意：",
                  "当您的信息有可能披露给第三方时，您将会得到通知。")
    assert texts(text) == [
        "我们不会出售您的个人信息，但如下情况除外。● 合作伙伴：我们可能会与我们的关联公司或合作伙伴共享用户信息。"
        "● 征得您的同意：当您的信息有可能披露给第三方时，您将会得到通知。"]


def test_contact_lines_join_the_sentence_that_announces_them():
    text = policy("八、如何联系我们", "1、如您有任何问题，请通过以下方式与我们联系。", "个人信息保护负责人邮箱dpo@example.com",
                  "联系电话：021-61234567", "联系地址：上海市浦东新区世纪大道100号10楼")
    assert texts(text) == ["1、如您有任何问题，请通过以下方式与我们联系。个人信息保护负责人邮箱dpo@example.com "
                           "联系电话：021-61234567 联系地址：上海市浦东新区世纪大道100号10楼"]


def test_a_lead_in_followed_by_a_heading_carries_nothing_and_is_not_the_answer():
    text = policy("四、您的权利", "您可以通过以下方式管理您的信息，我们会在符合法律法规要求的情形下响应您的请求：",
                  "（一）删除", "您可以在“我的-设置-地址管理”中删除您的收货地址。")
    kb = knowledge_of(text)
    assert kb.clauses_for("delete_info")[0].text == "您可以在“我的-设置-地址管理”中删除您的收货地址。"


def test_key_value_records_and_links_are_one_passage_per_record():
    text = policy("三、第三方SDK", "我们接入的第三方SDK如下。", "SDK名称：友盟统计SDK", "使用目的：统计分析",
                  "第三方隐私政策：https://www.umeng.com/policy", "SDK名称：微信SDK", "使用目的：分享与登录",
                  "第三方隐私政策：https://weixin.qq.com/privacy")
    passages = texts(text)
    assert "我们接入的第三方SDK如下。SDK名称：友盟统计SDK 使用目的：统计分析 第三方隐私政策：https://www.umeng.com/policy" in passages
    assert "SDK名称：微信SDK 使用目的：分享与登录 第三方隐私政策：https://weixin.qq.com/privacy" in passages
    assert not any(re.fullmatch(r"[^：]{1,15}：\S+", p) for p in passages)     # no lone "label：value"


def test_table_cells_are_searchable_but_never_the_first_answer():
    text = policy("五、权限", "我们会在您使用相关功能时申请必要的权限，您可以随时在系统设置中关闭权限。", "权限名称", "权限功能说明",
                  "CAMERA", "拍摄", "用于扫码和拍照评价", "READ_CONTACTS", "读取通讯录", "用于填写收货人")
    kb = knowledge_of(text)
    assert kb.clauses_for("permissions")[0].text == "我们会在您使用相关功能时申请必要的权限，您可以随时在系统设置中关闭权限。"
    assert not any(c.text in ("CAMERA", "拍摄", "权限名称") for c in kb.clauses)
    assert kb.search("读取通讯录", k=1)[0].text == "权限名称 权限功能说明 CAMERA 拍摄 用于扫码和拍照评价 READ_CONTACTS 读取通讯录 用于填写收货人"


def test_stray_headings_and_sentence_tails_are_not_passages():
    text = policy("四、安全", "我们建立了数据安全委员会来推进和保障个人信息安全。", "安全认证和服务。",
                  "我们会举办安全和隐私保护培训课程，加强员工对于保护个人信息重要性的认识。")
    assert "安全认证和服务。" not in texts(text)
    assert any("安全认证和服务。" in t for t in texts(text))                # still searchable


def test_every_passage_is_policy_text_short_and_deng_only_after_a_cut(policy_text):
    from bot.knowledge.ingest import build_knowledge
    for app_id in ("liqun", "tego", "yhd"):
        raw = policy_text(app_id)
        compact = re.sub(r"\s", "", clean_text(raw))
        for clause in build_knowledge(raw, app_id, app_id)["clauses"]:
            body = re.sub(r"\s", "", clause["text"])
            assert len(clause["text"]) <= MAX_PASSAGE
            assert body in compact or (body.endswith(TRUNCATED) and body[:-1] in compact), clause
