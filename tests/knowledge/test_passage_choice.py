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
