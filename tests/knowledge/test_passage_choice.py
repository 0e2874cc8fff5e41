"""Which passage answers a question: the one about the user's words within the topic, not the
topic's first — and lead-ins that keep their list, on synthetic policies."""
from __future__ import annotations

from .helpers import knowledge_of

POLICY = """示例隐私政策
三、我们如何共享您的个人信息
我们不会与本公司以外的任何公司、组织和个人共享您的个人信息，但以下情况除外：事先获得您的明确同意。
为完成支付，我们会与第三方支付机构共享您的订单号和交易金额。
为配送商品，我们会向物流合作伙伴提供您的收货人姓名、电话和收货地址。
五、注销账号
您可以在“我的-设置-注销账号”中申请注销账号。
注销后，您将无法找回账号中的任何内容，我们也无法协助您恢复已注销的账号。
八、如何联系我们
如您对本政策有任何疑问，请发送邮件至privacy@example.com与我们联系。
如果您对我们的回复不满意，您可以向被告住所地有管辖权的人民法院提起诉讼。
"""


def test_without_specific_words_the_topics_lead_passage_answers():
    kb = knowledge_of(POLICY)
    assert kb.passage_for("third_party_sharing", "你们会把我的信息给别人吗").text.startswith("我们不会与本公司以外")


def test_a_question_naming_a_partner_gets_that_partners_passage():
    kb = knowledge_of(POLICY)
    assert "物流合作伙伴" in kb.passage_for("third_party_sharing", "物流公司能拿到我的地址吗").text
    assert "支付机构" in kb.passage_for("third_party_sharing", "支付机构会知道我的订单吗").text


def test_a_question_about_recovering_a_cancelled_account_gets_that_passage():
    kb = knowledge_of(POLICY)
    assert "无法协助您恢复" in kb.passage_for("account_deletion", "注销了还能恢复吗").text


def test_a_question_naming_a_court_gets_the_court_passage():
    kb = knowledge_of(POLICY)
    assert "人民法院" in kb.passage_for("complaint", "我可以去法院起诉你们吗").text


def test_a_topic_the_policy_does_not_address_has_no_passage():
    assert knowledge_of(POLICY).passage_for("cookies", "你们用cookie吗") is None


def test_a_lead_in_keeps_its_label_value_items():
    kb = knowledge_of("""示例隐私政策
五、您的权利
（三）个人信息副本获取
您可以通过以下途径获取个人信息副本：
1、联系官方在线QQ群：656107562
2、联系微信客服：zuji02
3、发送邮件至support@example.com
我们将在10个工作日内向您提供个人信息副本。
""")
    (lead,) = [c for c in kb.clauses if c.text.startswith("您可以通过以下途径获取个人信息副本")]
    assert "656107562" in lead.text and "zuji02" in lead.text and "support@example.com" in lead.text


STORAGE = """示例隐私政策
三、我们如何存储您的个人信息
（一）存储期限
我们仅在实现本政策所述目的所必需的期间内保存您的个人信息，例如：网络日志信息保存六个月。
（二）存储地点
我们在中华人民共和国境内收集和产生的个人信息，将存储于中华人民共和国境内。
（三）停止运营
如果我们停止运营，我们将停止收集您的个人信息，并对所持有的个人信息进行删除或匿名化处理。
五、您如何管理您的个人信息
（一）控制信息的存储/公开范围
您可以在“我的-设置-隐私设置”中控制您的作品是否存在于同城页面，该信息仅存储于您的账号中。
"""


def test_a_how_long_question_gets_the_passage_stating_a_period():
    assert "六个月" in knowledge_of(STORAGE).passage_for("storage_retention", "网络日志你们要保存多久").text


def test_a_where_question_gets_the_place_not_a_heading_repeating_the_topic_word():
    kb = knowledge_of(STORAGE)
    for question in ("我的数据存在哪里", "我的信息会存到国外吗", "数据存在国内吗"):
        assert "境内" in kb.passage_for("storage_retention", question).text, question


def test_a_word_every_passage_of_the_topic_has_picks_none_of_them():
    kb = knowledge_of(STORAGE)
    lead = kb.clauses_for("storage_retention")[0]
    assert kb.passage_for("storage_retention", "你们怎么保存我的个人信息") == lead


def test_colloquial_words_for_ceasing_operations_find_that_passage():
    kb = knowledge_of(STORAGE)
    for question in ("你们不干了我的数据怎么办", "你们倒闭了我的信息怎么办"):
        assert "停止运营" in kb.passage_for("storage_retention", question).text, question


def test_what_is_it_for_asks_for_a_purpose_not_the_word_purpose():
    kb = knowledge_of("""示例隐私政策
三、我们如何使用Cookie
我们使用Cookie是为了判断您是否已经登录，以便简化您重复登录的步骤。
我们不会将Cookie用于本政策所述目的之外的任何用途。您可以清除计算机上保存的所有Cookie。
""")
    assert "判断您是否已经登录" in kb.passage_for("cookies", "cookie是用来干什么的").text


def test_a_partner_name_jieba_does_not_know_still_finds_its_passage():
    kb = knowledge_of("""示例隐私政策
四、我们如何共享您的个人信息
我们不会与本公司以外的任何公司、组织和个人共享您的个人信息，但以下情况除外：事先获得您的明确同意。
为统计应用使用情况，我们接入了鹭岛统计SDK，它会收集您的设备标识符。
""")
    assert "鹭岛统计" in kb.passage_for("third_party_sharing", "你们会把我的信息给鹭岛吗").text


def test_a_question_about_a_deceased_relative_gets_the_passage_on_the_deceased():
    kb = knowledge_of("""示例隐私政策
五、注销账号
您可以在“我的-设置-账号与安全-注销账号”中注销账号，注销后账号将无法恢复。
逝者的未注销账号将成为纪念账号，逝者近亲属可以根据相关流程申请查阅、复制、更正、删除逝者的个人信息或注销其账号。
""")
    assert "逝者近亲属" in kb.passage_for("account_deletion", "家人去世了他的账号怎么处理").text
