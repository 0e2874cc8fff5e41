"""Which passage answers a question topic first, on synthetic policies: the section whose heading
names the topic, its lead first — not a passage that merely repeats the topic's keywords."""
from __future__ import annotations

from .helpers import knowledge_of


def policy(*lines: str) -> str:
    return "示例隐私政策\n本政策适用于本网站提供的全部服务，请您仔细阅读。\n" + "\n".join(lines) + "\n"


def first(text: str, topic: str) -> str:
    return knowledge_of(text).clauses_for(topic)[0].text


def test_a_section_named_after_the_topic_outranks_keyword_mentions():
    text = policy(
        "一、我们如何收集和使用您的个人信息",
        "1、第三方SDK引用说明",
        "我们接入的第三方SDK包括个推推送SDK和高德地图SDK，这些第三方SDK会收集设备信息，第三方SDK的隐私政策请见其官网。",
        "三、我们如何共享、转让、公开披露您的个人信息",
        "（一）共享",
        "我们不会与其他公司、组织和个人共享您的个人信息，但以下情况除外：",
        "1、事先获得您的明确同意；",
        "2、根据法律法规的要求。",
    )
    assert first(text, "third_party_sharing") == (
        "我们不会与其他公司、组织和个人共享您的个人信息，但以下情况除外：1、事先获得您的明确同意；2、根据法律法规的要求。")


def test_the_sections_lead_comes_before_paragraphs_repeating_the_keyword():
    text = policy(
        "二、我们如何使用Cookie和同类技术",
        "（一）Cookie的使用",
        "我们会在您的设备上发送名为Cookie的小数据文件，以便简化您重复登录的步骤。",
        "您可以清除Cookie，或修改浏览器设置以拒绝Cookie，拒绝Cookie可能影响部分功能。",
        "（二）网络Beacon和同类技术的使用",
        "除Cookie外，我们还会使用网络Beacon等同类技术，网页上的单像素GIF文件称为网络Beacon。",
    )
    assert first(text, "cookies") == "我们会在您的设备上发送名为Cookie的小数据文件，以便简化您重复登录的步骤。"


def test_a_heading_naming_only_the_topic_beats_one_naming_several():
    text = policy(
        "一、我们如何收集和使用您的个人信息",
        "我们会出于本政策所述的目的，收集和使用您的个人信息。",
        "（一）您须提供的信息",
        "注册时您需要提供手机号码用于验证身份。",
        "（二）您个人信息使用的规则",
        "我们会根据本政策的约定，为实现产品功能对所收集的个人信息进行使用。",
    )
    assert first(text, "data_usage") == "我们会根据本政策的约定，为实现产品功能对所收集的个人信息进行使用。"
    assert first(text, "data_collected") == "我们会出于本政策所述的目的，收集和使用您的个人信息。"


def test_a_subheading_that_is_a_word_of_its_parents_title_names_the_topic():
    text = policy(
        "三、我们如何提供、转移、公开您的个人信息",
        "（一）提供",
        "我们不会将您的个人信息提供给第三方，但以下情况除外：",
        "1. 获得您事先单独同意。",
        "（二）提供、转移、公开个人信息时事先征得授权同意的例外",
        "我们只会在适用法允许的情形下，在未征得您授权同意时对外提供您的个人信息。",
    )
    assert first(text, "third_party_sharing") == "我们不会将您的个人信息提供给第三方，但以下情况除外：1. 获得您事先单独同意。"


def test_a_path_elsewhere_does_not_outrank_the_section_named_after_the_topic():
    text = policy(
        "五、您如何管理您的个人信息",
        "1、访问您的个人信息",
        "您可以在“我的-设置-地址管理”中查看、修改或删除您的收货地址。",
        "2、删除您的个人信息",
        "您可以在我们的产品中直接删除订单信息、浏览信息。",
    )
    kb = knowledge_of(text)
    assert kb.paths("delete_info", category="address")
    assert kb.clauses_for("delete_info")[0].text == "您可以在我们的产品中直接删除订单信息、浏览信息。"


def test_the_list_of_what_is_collected_answers_before_a_statement_of_purpose():
    text = policy(
        "用户信息的获取",
        "我们获取用户信息的主要目的在于向您提供顺畅的购物流程。",
        "我们可能获取的用户信息类型包括：",
        "● 注册信息（如用户名）；",
        "● 支付信息（如银行账号）。",
    )
    assert first(text, "data_collected") == "我们可能获取的用户信息类型包括：● 注册信息（如用户名）；● 支付信息（如银行账号）。"


def test_a_merely_related_heading_does_not_outrank_a_passage_about_the_topic():
    text = policy(
        "二、信息收集",
        "（七）客服及争议处理",
        "当您与我们联系或提出售后、争议纠纷处理申请时，我们需要您提供必要的个人信息以核验您的身份。",
        "八、联系我们",
        "如果您对我们的回复不满意，您还可以向监管部门进行投诉，或向法院提起诉讼。",
    )
    assert first(text, "complaint") == "如果您对我们的回复不满意，您还可以向监管部门进行投诉，或向法院提起诉讼。"


def test_a_topic_the_policy_does_not_address_has_no_passage():
    text = policy("一、信息收集", "我们会收集您的手机号码用于注册。", "二、未成年人保护", "未满14周岁的儿童须在监护人同意后使用。")
    kb = knowledge_of(text)
    assert kb.clauses_for("cookies") == [] and kb.clauses_for("data_copy") == []
    assert kb.clauses_for("minors")[0].text == "未满14周岁的儿童须在监护人同意后使用。"
