"""Ground truth for the five launch apps, checked by reading each policy.

Every fact below was verified against ../shared/policies/<file>.txt; what a policy does not say
is asserted absent.
"""
from __future__ import annotations

import datetime

import pytest
import yaml

from .helpers import APPS_DIR, LAUNCH_APPS

PATH_TOPICS = ("account_deletion", "view_or_correct_info", "delete_info", "withdraw_consent",
               "personalization", "unsubscribe", "permissions", "data_copy")


def steps(paths):
    return [path.steps for path in paths]


def contacts(kb, kind):
    return [contact.value for contact in kb.contacts if contact.kind == kind]


# --- 1001 Мелочь ------------------------------------------------------------------------------

class TestMelochi:
    @pytest.fixture(scope="class")
    def kb(self, app):
        return app("melochi")

    def test_replies_within_15_calendar_days_per_the_request_clause(self, kb):
        deadline = kb.response_deadline
        assert (deadline.days, deadline.working_days) == (15, False)
        assert deadline.section == "五、您如何管理您的个人信息 › 6、响应您的请求"
        assert "15天内答复您的请求" in deadline.quote

    def test_account_deletion_paths_for_mobile_and_pc(self, kb):
        assert steps(kb.paths("account_deletion", platform="app")) == [
            ("我的", "账户设置", "账户与安全", "注销1001 Мелочь商城服务"),
            ("我的1001 Мелочь", "账户设置", "账户安全", "注销账号"),
        ]
        pc = kb.paths("account_deletion", platform="pc")[0]
        assert pc.platform == "pc" and pc.steps[-1] == "注销账号"
        assert pc.section == "五、您如何管理您的个人信息 › 4、注销账号"

    def test_face_login_withdrawal_path(self, kb):
        (path,) = kb.paths("withdraw_consent", category="face")
        assert path.steps == ("我的", "账户设置", "账户与安全", "刷脸登录")
        assert path.qualifier == "face" and path.platform == "app"
        assert path.section.endswith("（1）账号注册、登录与验证")
        assert path.quote == "具体撤回路径为“我的-账户设置-账户与安全-刷脸登录”。"

    def test_personalization_paths_for_ads_and_recommendations(self, kb):
        by_kind = {path.qualifier: path.steps for path in kb.paths("personalization")}
        assert by_kind == {
            "ads": ("我的", "账户设置", "通用", "隐私设置", "广告管理"),
            "recommendations": ("我的", "账户设置", "通用", "隐私设置", "推荐管理"),
        }

    def test_unsubscribe_per_channel(self, kb):
        assert steps(kb.paths("unsubscribe", channel="push")) == [("消息中心", "消息设置")]
        (email,) = kb.paths("unsubscribe", channel="email")
        assert (email.platform, email.steps) == ("pc", ("账户设置", "邮件订阅"))
        (sms,) = kb.paths("unsubscribe", channel="sms")
        assert (sms.steps, sms.kind) == (("根据短信内容提示",), "instruction")

    def test_address_paths_pc_and_mobile_with_the_button_note(self, kb):
        pc, mobile = kb.paths("view_or_correct_info", category="address", platform="pc")
        assert (pc.platform, pc.steps) == ("pc", ("我的1001 Мелочь", "账户设置", "收货地址"))
        assert mobile.steps == ("首页", "我的", "设置", "地址管理")
        assert mobile.note == "“设置”在右上角"
        assert mobile.section == "五、您如何管理您的个人信息 › 1、访问和更正您的个人信息 › （2）您的收货信息"
        assert steps(kb.paths("delete_info", category="address", platform="app"))[0] == ("首页", "我的", "设置", "地址管理")

    def test_order_invoice_review_and_history_paths(self, kb):
        assert kb.paths("delete_info", category="order")[0].steps == ("首页", "我的", "我的订单/待收款/待收货/退换售后")
        assert kb.paths("view_or_correct_info", category="order", platform="pc")[0].steps == ("我的订单",)
        assert kb.paths("view_or_correct_info", category="invoice")[0].steps == ("首页", "我的", "设置", "增票资质")
        assert kb.paths("view_or_correct_info", category="review")[0].steps == ("我的1001 Мелочь", "待评价", "评价中心")
        assert kb.paths("delete_info", category="search_history")[0].steps == ("首页", "我的", "浏览记录")

    def test_contacts(self, kb):
        assert contacts(kb, "email") == ["1391718307@qq.com"]
        assert contacts(kb, "phone") == ["95118", "18367925111"]
        assert contacts(kb, "address") == ["广州市白云区石井街聚源街50号4栋3A层5261"]
        assert contacts(kb, "online_service") == ["https://app.cargo1001.com/"]
        assert contacts(kb, "privacy_officer") == ["个人信息保护负责人邮箱 1391718307@qq.com"]
        assert {c.section for c in kb.contacts if c.kind != "phone"} == {"八、如何联系我们"}

    def test_transaction_records_kept_three_years(self, kb):
        rule = kb.retention[0]
        assert (rule.subject, rule.period, rule.days) == ("商品和服务信息、交易信息", "自交易完成之日起不少于三年", 1095)
        assert rule.section == "四、我们如何保护和保存您的个人信息 › （二）您个人信息的保存"

    def test_minors_and_sdks(self, kb):
        assert kb.minors.ages == (14, 18)
        assert kb.minors.section == "六、未成年人的个人信息保护"
        assert [(s.name, s.purpose, s.package) for s in kb.sdks] == [
            ("微信开放平台", "登录", "com.tencent.mm"),
            ("个推·消息推送", "为您提供系统消息、订阅消息推送", "com.igexin"),
        ]

    def test_what_the_policy_does_not_say_is_absent(self, kb):
        assert kb.paths("permissions") == [] and kb.paths("data_copy") == []
        assert kb.cooling_off is None
        assert kb.effective_date is None and kb.updated_date is None


# --- 1号店 -------------------------------------------------------------------------------------

class TestYhd:
    @pytest.fixture(scope="class")
    def kb(self, app):
        return app("yhd")

    @pytest.mark.parametrize("topic", PATH_TOPICS)
    def test_has_no_settings_paths(self, kb, topic):
        assert kb.paths(topic) == []

    def test_states_no_contact_deadline_retention_sdk_minor_age_or_date(self, kb):
        assert kb.contacts == []
        assert kb.response_deadline is None and kb.other_deadlines == []
        assert kb.cooling_off is None
        assert kb.retention == [] and kb.sdks == [] and kb.minors is None
        assert kb.effective_date is None and kb.updated_date is None

    def test_sections_are_the_unnumbered_headings(self, kb):
        assert {c.section for c in kb.clauses} == {
            "隐私声明", "用户信息的获取", "顾客信息的使用", "用户信息的共享、披露与转让", "未成年人信息的保护",
            "其他网站链接", "《隐私声明》的更新",
        }

    def test_falls_back_to_policy_text(self, kb):
        assert kb.clauses_for("minors")[0].section == "未成年人信息的保护"
        assert kb.clauses_for("third_party_sharing")[0].section == "用户信息的共享、披露与转让"
        assert kb.clauses_for("policy_updates")[0].section == "《隐私声明》的更新"
        assert kb.clauses_for("account_deletion") == []
        assert kb.search("你们会不会把我的信息卖给别人", k=1)[0].section == "用户信息的共享、披露与转让"

    def test_front_matter_is_not_policy_text(self, kb):
        assert not any("layout" in c.text or "Mim0sa" in c.text for c in kb.clauses)


# --- 小程序 ---------------------------------------------------------------------------------

class TestMiniapp:
    @pytest.fixture(scope="class")
    def kb(self, app):
        return app("miniapp")

    def test_dates_from_placeholder_brackets(self, kb):
        assert kb.effective_date == datetime.date(2023, 11, 1)
        assert kb.updated_date == datetime.date(2023, 11, 1)

    def test_replies_within_15_days(self, kb):
        deadline = kb.response_deadline
        assert (deadline.days, deadline.working_days, deadline.section) == (15, False, "七、如何联系我们")
        assert deadline.quote == "您可以通过以下方式与我们联系，我们将在 15 天内答复您的请求；"

    @pytest.mark.parametrize("topic", PATH_TOPICS)
    def test_rights_go_through_a_management_page_not_a_settings_path(self, kb, topic):
        assert kb.paths(topic) == []

    def test_no_contact_value_is_invented(self, kb):
        assert kb.contacts == []        # "您可以通过电话与我们联系" gives no number

    def test_retention_is_purpose_bound_without_a_number(self, kb):
        assert [(r.subject, r.days) for r in kb.retention] == [("个人信息", None), ("个人信息", None)]
        assert kb.retention[0].period == "达成成本隐私政策所述目的所需的期限"

    def test_clauses_for_rights_permissions_and_court(self, kb):
        assert kb.clauses_for("account_deletion")[0].section == "四、您如何查阅及管理您的个人信息"
        assert kb.clauses_for("permissions")[0].section == "一、我们如何收集和使用您的个人信息 › 5、设备权限调用"
        assert "上海市宝山区人民法院" in kb.clauses_for("complaint")[0].text

    def test_no_minor_age_no_sdk(self, kb):
        assert kb.minors is None and kb.sdks == [] and kb.cooling_off is None

    def test_table_of_contents_is_not_a_section(self, kb):
        sections = [c.section for c in kb.clauses]
        assert not any(section.startswith("- ") for section in sections)
        assert "一、我们如何收集和使用您的个人信息 › 5、设备权限调用" in sections


# --- 特购 -------------------------------------------------------------------------------------

class TestTego:
    @pytest.fixture(scope="class")
    def kb(self, app):
        return app("tego")

    def test_effective_date_and_deadline(self, kb):
        assert kb.effective_date == datetime.date(2021, 12, 28) and kb.updated_date is None
        deadline = kb.response_deadline
        assert (deadline.days, deadline.working_days) == (15, False)
        assert deadline.section == "四、您的权利 › （六）响应您的上述请求"

    def test_account_deletion_path(self, kb):
        (path,) = kb.paths("account_deletion")
        assert path.steps == ("我的", "设置", "账号注销")
        assert path.section == "四、您的权利 › （四）注销账户"
        assert path.quote == "1、在“我的-设置-账号注销”中提交账号注销申请。"

    def test_view_paths(self, kb):
        assert steps(kb.paths("view_or_correct_info", category="account_info")) == [("我的", "头像")]
        assert steps(kb.paths("view_or_correct_info", category="address")) == [("我的", "地址管理", "收货地址")]
        assert steps(kb.paths("view_or_correct_info", category="order")) == [("我的订单",), ("我的", "我的订单")]

    def test_search_history_deletion_path(self, kb):
        (path,) = kb.paths("delete_info")
        assert (path.qualifier, path.steps) == ("search_history", ("搜索框", "搜索历史", "删除"))
        assert path.section == "二、 信息收集及使用 › （二） 为您提供商品或服务信息展示"

    def test_contacts(self, kb):
        assert contacts(kb, "online_service") == ["特购在线客服", "我的 › 联系我们"]
        # 个人信息保护专职部门 is named three times, never with an email or phone to reach it
        assert contacts(kb, "privacy_officer") == []
        assert contacts(kb, "address") == ["唐山市丰南区金融中心1001"]
        assert contacts(kb, "email") == [] and contacts(kb, "phone") == []

    def test_retention_minors_sdks(self, kb):
        assert (kb.retention[0].period, kb.retention[0].days) == ("自交易完成之日起不少于三年", 1095)
        assert kb.minors.ages == (14,)
        sdks = {s.name: s for s in kb.sdks}
        assert len(sdks) == 11
        assert (sdks["高德地图"].package, sdks["高德地图"].purpose) == ("com.amap.api", "确定您当前位置，为您展示当地的商场店铺")
        assert sdks["阿里weexSDK"].data == "存储的个人文件"

    @pytest.mark.parametrize("topic", ["withdraw_consent", "personalization", "unsubscribe", "permissions", "data_copy"])
    def test_absent_path_topics(self, kb, topic):
        assert kb.paths(topic) == []

    def test_automated_decision_right_answers_personalization(self, kb):
        assert kb.clauses_for("personalization")[0].section == "四、您的权利 › （五）约束信息系统自动决策"


# --- 利群网商 ---------------------------------------------------------------------------------

class TestLiqun:
    @pytest.fixture(scope="class")
    def kb(self, app):
        return app("liqun")

    def test_request_deadline_30_days_and_general_reply_15_working_days(self, kb):
        assert (kb.response_deadline.days, kb.response_deadline.working_days) == (30, False)
        assert kb.response_deadline.section == "五、您如何管理您的个人信息 › 5、响应您的请求"
        (other,) = kb.other_deadlines
        assert (other.days, other.working_days, other.section) == (15, True, "八、如何联系我们")

    def test_reply_td_and_other_unsubscribe_channels(self, kb):
        (sms,) = kb.paths("unsubscribe", channel="sms")
        assert (sms.steps, sms.kind) == (("回复“TD”",), "instruction")
        assert sms.section == "五、您如何管理您的个人信息 › 4、如果您不想接受我们给您发送的促销信息"
        (email,) = kb.paths("unsubscribe", channel="email")
        assert (email.platform, email.steps) == ("h5", ("账户设置", "邮件订阅"))
        assert steps(kb.paths("unsubscribe", channel="push")) == [("账户设置", "设置", "推送消息设置", "通知")]

    def test_h5_and_mobile_variants(self, kb):
        h5_first = kb.paths("view_or_correct_info", category="address", platform="h5")
        assert [(p.platform, p.steps) for p in h5_first] == [
            ("h5", ("我的利群网商", "收货地址")), ("app", ("首页", "我的", "设置", "地址管理")),
        ]
        app_first = kb.paths("view_or_correct_info", category="account_info")
        assert app_first[0].steps == ("首页", "我的", "设置", "个人信息")
        assert app_first[0].note == "“设置”在左上角；也可点击头像"
        assert app_first[-1].platform == "h5" and app_first[-1].steps == ("我的利群网商", "账户设置")

    def test_permission_path_per_listed_permission(self, kb):
        paths = kb.paths("permissions")
        assert {p.qualifier for p in paths} == {"location", "camera", "photos", "microphone", "contacts"}
        assert {p.steps for p in paths} == {("账户设置", "设置", "隐私")}      # scanned 一 read as a dash
        assert kb.paths("permissions", permission="storage") == []

    def test_contacts(self, kb):
        assert contacts(kb, "email") == ["dzsw@iliqun.com"]
        assert contacts(kb, "phone") == ["4006888688"]
        assert contacts(kb, "address") == ["山东省青岛市市北区台东三路77号利群商厦13楼1302室"]
        assert contacts(kb, "url") == ["http://lqwsliqunshopcom/"]
        assert contacts(kb, "privacy_officer") == ["个人信息保护专职部门邮箱 dzsw@iliqun.com"]

    def test_retention_from_the_cancellation_notice_and_the_purpose_rule(self, kb):
        records, purpose = kb.retention
        assert (records.subject, records.period, records.days) == ("相关交易记录", "5年甚至更长的时间", 1825)
        assert records.section == "附件一:《利群网商账户注销须知》"
        assert (purpose.subject, purpose.period, purpose.days) == ("个人信息", "达成本政策所述目的所需的期限", None)

    def test_no_account_deletion_path_but_the_notice_answers(self, kb):
        assert kb.paths("account_deletion") == []
        assert any(c.section == "附件一:《利群网商账户注销须知》" for c in kb.clauses_for("account_deletion"))

    def test_previous_version_appendix_is_not_extracted(self, kb):
        every_section = [p.section for p in kb.all_paths] + [c.section for c in kb.contacts] + [
            r.section for r in kb.retention]
        assert not any(section.startswith("附件二") for section in every_section)
        assert kb.updated_date is None        # "2022年8月29日修订" dates the previous version
        assert kb.minors.ages == (18,)

    def test_sdk_list_merges_repeated_entries(self, kb):
        sdks = {s.name: s for s in kb.sdks}
        assert sdks["腾讯地图定位"].data == "OAID、BSSID、SSID、IMSI"
        assert sdks["腾讯bugly"].purpose == "收集应用崩溃信息,以便完善程序"
        assert set(sdks) >= {"小米推送", "华为推送", "vivo推送", "百度统计"}


# --- every launch app ---------------------------------------------------------------------------

@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_only_sms_instructions_are_not_menu_paths(app, app_id):
    instructions = [(p.topic, p.qualifier, p.steps) for p in app(app_id).all_paths if p.kind == "instruction"]
    assert instructions == {
        "melochi": [("unsubscribe", "sms", ("根据短信内容提示",))],
        "liqun": [("unsubscribe", "sms", ("回复“TD”",))],
    }.get(app_id, [])


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_every_item_cites_a_section_of_its_policy(app, app_id):
    kb = app(app_id)
    outline = yaml.safe_load((APPS_DIR / app_id / "knowledge.yml").read_text(encoding="utf-8"))["sections"]
    sections = set(outline) | {c.section for c in kb.clauses}
    items = list(kb.all_paths) + kb.contacts + kb.retention + kb.sdks + [kb.minors, kb.response_deadline]
    for item in items:
        if item is not None:
            assert item.section in sections, item


# --- the passage quoted first for each question topic ------------------------------------------
# (app, topic) → (section, start of the passage, text it must contain); verified by reading each
# policy: the passage a privacy lawyer would quote as the direct answer. None: the policy does not
# address the topic, so the bot says so instead of quoting something unrelated.

FIRST_PASSAGES = {
    ("melochi", "data_collected"): ("一、我们如何收集和使用您的个人信息", "我们会遵循正当、合法、必要的原则", "收集和使用"),
    ("melochi", "data_usage"): ("一、我们如何收集和使用您的个人信息 › （五）您个人信息使用的规则",
                                "1、我们会根据本隐私政策的内容", "进行使用"),
    ("melochi", "permissions"): ("一、我们如何收集和使用您的个人信息 › （二）您可自主选择提供的个人信息的情形",
                                 "请您注意，您开启任一权限", "关闭任一权限"),
    ("melochi", "third_party_sharing"): ("三、我们如何对外提供您的个人信息 › （一）共享",
                                         "1、我们不会与【1001 Мелочь】以外的任何公司、组织和个人共享", "（1）事先获得您明确的同意或授权"),
    ("melochi", "cookies"): ("二、我们如何使用Cookies和同类技术 › （一）Cookies的使用", "1、为实现您联机体验的个性化需求", "Cookies"),
    ("melochi", "storage_retention"): ("四、我们如何保护和保存您的个人信息 › （二）您个人信息的保存", "", "保存"),
    ("melochi", "security"): ("四、我们如何保护和保存您的个人信息 › （一）我们保护您个人信息的技术与措施 › 1、数据安全技术措施",
                              "我们会采用符合业界标准的安全防护措施", "加密"),
    ("melochi", "minors"): ("六、未成年人的个人信息保护", "1、【1001 Мелочь】非常重视对未成年人个人信息的保护", "18周岁"),
    ("melochi", "policy_updates"): ("七、通知和修订", "1、为给您提供更好的服务", "本隐私政策也会随之更新"),
    ("melochi", "contact"): ("八、如何联系我们", "1、如您对本隐私政策", "个人信息保护负责人邮箱1391718307@qq.com 联系电话：18367925111"),
    ("melochi", "response_time"): ("五、您如何管理您的个人信息 › 6、响应您的请求", "", "15天内答复您的请求"),
    ("melochi", "complaint"): ("八、如何联系我们", "2、一般情况下", "投诉或举报"),
    ("melochi", "view_or_correct_info"): ("五、您如何管理您的个人信息 › 1、访问和更正您的个人信息",
                                          "除法律法规规定外，您有权随时访问和更正您的个人信息，具体包括：（1）您的账号信息：PC端", "等"),
    ("melochi", "delete_info"): ("五、您如何管理您的个人信息 › 2、删除您的个人信息", "您在我们的产品与/或服务页面中可以直接清除或删除的信息", "收货地址"),
    ("melochi", "account_deletion"): ("五、您如何管理您的个人信息 › 4、注销账号", "您可以在我们的产品中直接申请注销账号", "注销"),
    ("melochi", "withdraw_consent"): ("五、您如何管理您的个人信息 › 3、改变您授权同意的范围或撤回您的授权",
                                      "您可以通过删除信息、关闭设备功能", "撤回您的授权"),
    ("melochi", "personalization"): ("一、我们如何收集和使用您的个人信息 › （一）您须授权我们收集和使用您个人信息的情形 › "
                                     "1、实现网上购物所必须的功能 › （2）商品/服务信息展示和搜索", "5） 如您想管理我们给您发送的个性化广告", "广告管理"),
    ("melochi", "unsubscribe"): ("一、我们如何收集和使用您的个人信息 › （一）您须授权我们收集和使用您个人信息的情形 › "
                                 "1、实现网上购物所必须的功能 › （2）商品/服务信息展示和搜索", "3） 如您不想接收商业性短信", "短信内容提示"),
    ("melochi", "data_copy"): ("五、您如何管理您的个人信息 › 5、获取您的个人信息副本", "您有权获取您的个人信息副本", "副本"),
    ("melochi", "incident"): ("四、我们如何保护和保存您的个人信息 › （一）我们保护您个人信息的技术与措施 › 3、安全事件处置",
                              "为应对个人信息泄露", "应急响应团队"),

    ("yhd", "data_collected"): ("用户信息的获取", "我们可能获取的用户信息类型包括：● 注册信息", "● 个人或公司联系方式"),
    ("yhd", "data_usage"): ("顾客信息的使用", "我们可能会利用我们获取的用户信息：● 向您提供所需要的产品或服务", "● 处理和收取款项；"),
    ("yhd", "third_party_sharing"): ("用户信息的共享、披露与转让", "用户的信息是我们业务的重要组成部分，我们不会出售", "● 合作伙伴："),
    ("yhd", "minors"): ("未成年人信息的保护", "我们非常重视对未成年人", "监护人"),
    ("yhd", "policy_updates"): ("《隐私声明》的更新", "在中国法律允许的范围内，我们可能会不时更新本《隐私声明》", "公告"),

    ("miniapp", "data_collected"): ("一、我们如何收集和使用您的个人信息", "我们会遵循正当、合法、必要的原则收集和使用您的必要个人信息", "必要"),
    ("miniapp", "data_usage"): ("一、我们如何收集和使用您的个人信息 › 4、个人信息的使用规则",
                                "为满足您的个性化需求，我们会在符合法律规定并根据您授权的情况下使用如下信息：为了向您提供", "用户画像"),
    ("miniapp", "permissions"): ("一、我们如何收集和使用您的个人信息 › 5、设备权限调用", "为确保相关业务功能的正常实现", "弹窗询问"),
    ("miniapp", "third_party_sharing"): ("三、我们如何提供、转移、公开您的个人信息 › （一）提供",
                                         "我们不会将您的个人信息提供给第三方，但以下情况除外：1. 提供必要的交易服务", "等"),
    ("miniapp", "storage_retention"): ("二、我们如何存储和保护您的个人信息 › （一）个人信息的存储 › 1、存储期限", "1、存储期限：", "期限"),
    ("miniapp", "security"): ("二、我们如何存储和保护您的个人信息 › （二）个人信息的保护措施", "我们努力为用户的信息安全提供保障", "安全保护措施"),
    ("miniapp", "minors"): ("五、未成年人的个人信息保护", "我们非常重视对未成年人（儿童）个人信息的保护", "监护人同意"),
    ("miniapp", "policy_updates"): ("六、本隐私政策如何更新", "为给您提供更好的服务", "随之调整"),
    ("miniapp", "contact"): ("七、如何联系我们", "您可以通过以下方式与我们联系", "15 天内答复"),
    ("miniapp", "response_time"): ("七、如何联系我们", "您可以通过以下方式与我们联系", "15 天内答复"),
    ("miniapp", "complaint"): ("七、如何联系我们", "如果您对我们的回复不满意", "上海市宝山区人民法院"),
    ("miniapp", "view_or_correct_info"): ("四、您如何查阅及管理您的个人信息", "为了您更加便捷地查阅、复制、更正、补充、删除", "管理界面"),
    ("miniapp", "delete_info"): ("四、您如何查阅及管理您的个人信息", "为了您更加便捷地查阅、复制、更正、补充、删除", "删除"),
    ("miniapp", "account_deletion"): ("四、您如何查阅及管理您的个人信息", "为了您更加便捷地查阅、复制、更正、补充、删除", "注销账号"),
    ("miniapp", "withdraw_consent"): ("四、您如何查阅及管理您的个人信息", "为了您更加便捷地查阅、复制、更正、补充、删除", "撤回同意"),
    ("miniapp", "personalization"): ("一、我们如何收集和使用您的个人信息 › 4、个人信息的使用规则", "为满足您的个性化需求", "关闭个性化推送功能"),
    ("miniapp", "data_copy"): ("四、您如何查阅及管理您的个人信息", "为了您更加便捷地查阅、复制、更正、补充、删除", "复制"),
    ("miniapp", "incident"): ("二、我们如何存储和保护您的个人信息 › （二）个人信息的保护措施", "我们努力为用户的信息安全提供保障", "安全事件"),

    ("tego", "data_collected"): ("二、 信息收集及使用",
                                 "在您使用我们的产品及/或服务时，我们需要/可能需要收集和使用的您的个人信息包括如下两种：1、", "2、为实现"),
    ("tego", "data_usage"): ("二、 信息收集及使用", "在您使用我们的产品及/或服务时", "收集和使用"),
    ("tego", "permissions"): ("二、 信息收集及使用 › （十） 为您提供其他附加服务 › 1、基于系统权限的附加服务",
                              "为向您提供更便捷、更优质、个性化的产品及/或服务", "开启系统权限"),
    ("tego", "third_party_sharing"): ("三、对外信息提供 › （一）共享",
                                      "我们不会与特购服务提供者以外的公司、组织和个人共享您的个人信息，但以下情况除外：1、履行法定义务所必需的共享：",
                                      "2、取得您同意的情况下共享："),
    ("tego", "cookies"): ("二、 信息收集及使用 › （十） 为您提供其他附加服务 › 2、Cookie和同类技术的服务",
                          "当您使用我们的服务时，我们可能会使用相关技术向您的设备发送一个或多个 Cookie", "主要为了"),
    ("tego", "storage_retention"): ("五、信息的存储 › （一）存储期限", "我们只会在达成本政策所述目的所需的期限内保留您的个人信息", "不少于三年"),
    ("tego", "security"): ("五、信息的存储 › （三）存储安全 › 1、 数据保护技术措施", "我们已采取符合业界标准、合理可行的安全防护措施", "加密"),
    ("tego", "minors"): ("七、未成年人保护", "", "监护人"),
    ("tego", "policy_updates"): ("六、政策如何更新", "为给您带来更好的产品和服务体验", "更新我们的隐私政策"),
    ("tego", "contact"): ("八、联系我们", "您可以通过以下方式与我们联系，我们将在15天内回复您的请求：1、", "特购在线客服"),
    ("tego", "response_time"): ("四、您的权利 › （六）响应您的上述请求", "对于您或可能的您的监护人", "15天内做出答复"),
    ("tego", "complaint"): ("八、联系我们", "如果您对我们的回复不满意", "法院提起诉讼"),
    ("tego", "view_or_correct_info"): ("四、您的权利 › （一）查阅、更正和补充",
                                       "您有权通过以下方式查阅、更正和补充您的信息：1、登录特购，进入“我的-头像”页面", "“我的-地址管理”"),
    ("tego", "delete_info"): ("四、您的权利 › （二）删除", "您可以通过“（一）查阅、更正和补充”中列明的路径删除您的部分信息", "注销账户"),
    ("tego", "account_deletion"): ("四、您的权利 › （四）注销账户", "您可以通过以下方式申请注销您的账户：1、在“我的-设置-账号注销”中提交账号注销申请。",
                                   "2、通过客服联系，申请注销您的账户。"),
    ("tego", "withdraw_consent"): ("二、 信息收集及使用 › （十） 为您提供其他附加服务 › 1、基于系统权限的附加服务",
                                   "请您注意，您开启任一权限即代表您授权", "取消了授权"),
    ("tego", "personalization"): ("四、您的权利 › （五）约束信息系统自动决策", "在某些业务功能中，我们可能仅依据算法", "自动决策"),
    ("tego", "incident"): ("五、信息的存储 › （三）存储安全 › 3、 个人信息安全事件的响应", "如果我们的物理、技术或管理防护设施遭到破坏", "应急预案"),

    ("liqun", "data_collected"): ("一、我们如何收集和使用您的个人信息", "本隐私政策中涉及的个人信息包括:基本信息", "个人身份信息"),
    ("liqun", "data_usage"): ("一、我们如何收集和使用您的个人信息 › (五)您个人信息使用的规则", "1、我们会根据本隐私政策的约定", "进行使用"),
    ("liqun", "permissions"): ("一、我们如何收集和使用您的个人信息 › (二)您可选择是否授权我们收集和使用您的个人信息的情形",
                               "2、上述附加功能可能需要您在您的设备中向我们开启", "访问权限"),
    ("liqun", "third_party_sharing"): ("三、我们如何共享、转让、公开披露您的个人信息 › (一)共享",
                                       "1、我们不会与利群网商以外的任何公司、组织和个人共享您的个人信息,但以下情况除外:(1)", "等"),
    ("liqun", "cookies"): ("二、我们如何使用Cookie和同类技术 › (一)Cookies的使用", "1为实现您联机体验的需求", "Cookies"),
    ("liqun", "storage_retention"): ("四、我们如何保护和保存您的个人信息 › (二)您个人信息的保存", "1、您的个人信息将全被存储于中华人民共和国境内", "境外"),
    ("liqun", "security"): ("四、我们如何保护和保存您的个人信息 › (一)我们保护您个人信息的技术与措施 › 1、数据安全技术措施",
                            "我们会采用符合业界标准的安全防护措施", "加密"),
    ("liqun", "minors"): ("六、未成年人的个人信息保护", "1、利群网商非常重视对未成年人个人信息的保护", "18周岁"),
    ("liqun", "policy_updates"): ("七、通知和修订", "1、为给您提供更好的服务", "本隐私政策也会随之更新"),
    ("liqun", "contact"): ("八、如何联系我们", "1、如您对本隐私政策或您个人信息的相关事宜有任何问题", "dzsw@iliqun.com"),
    ("liqun", "response_time"): ("五、您如何管理您的个人信息 › 5、响应您的请求", "", "30天内答复您的请求"),
    ("liqun", "complaint"): ("八、如何联系我们", "3、一般情况下", "投诉或举报"),
    ("liqun", "view_or_correct_info"): ("五、您如何管理您的个人信息 › 1、访问和更正您的个人信息",
                                        "除法律法规规定外,您有权随时访问和更正您的个人信息,具体包括:(1)您的账户信息:", "等"),
    ("liqun", "delete_info"): ("五、您如何管理您的个人信息 › 2、删除您的个人信息", "您在我们的产品与/或服务页面中可以直接清除或删除的信息", "收货地址"),
    ("liqun", "account_deletion"): ("附件一:《利群网商账户注销须知》", "", "注销"),
    ("liqun", "withdraw_consent"): ("五、您如何管理您的个人信息 › 3、改变您授权同意的范围或撤回您的授权",
                                    "您可以通过删除信息、关闭设备功能", "撤回您的授权"),
    ("liqun", "unsubscribe"): ("五、您如何管理您的个人信息 › 4、如果您不想接受我们给您发送的促销信息",
                               "4、如果您不想接受我们给您发送的促销信息,您随时可通过以下方式取消:(1)您可通过h5端", "回复“TD”"),
    ("liqun", "incident"): ("四、我们如何保护和保存您的个人信息 › (一)我们保护您个人信息的技术与措施 › 8、安全事件处置",
                            "为应对个人信息泄露", "应急响应团队"),
}
QUESTION_TOPICS = (
    "data_collected", "data_usage", "permissions", "third_party_sharing", "cookies", "storage_retention",
    "security", "minors", "policy_updates", "contact", "response_time", "complaint", "view_or_correct_info",
    "delete_info", "account_deletion", "withdraw_consent", "personalization", "unsubscribe", "data_copy", "incident",
)


@pytest.mark.parametrize("app_id, topic", [(a, t) for a in LAUNCH_APPS for t in QUESTION_TOPICS])
def test_first_passage_for_each_question_topic(app, app_id, topic):
    clauses = app(app_id).clauses_for(topic)
    expected = FIRST_PASSAGES.get((app_id, topic))
    if expected is None:
        assert clauses == [], f"{app_id} does not address {topic}, yet quotes {clauses[:1]}"
        return
    section, start, contains = expected
    assert clauses, f"no passage for {topic}"
    assert (clauses[0].section, clauses[0].text[:len(start)]) == (section, start)
    assert contains in clauses[0].text


# --- facts the request flows state (issue 10) ----------------------------------------------------

def test_liqun_keeps_transaction_records_five_years_after_cancellation(app):
    rule = app("liqun").transaction_retention()
    assert (rule.period, rule.days) == ("5年甚至更长的时间", 1825)
    assert rule.section == "附件一:《利群网商账户注销须知》"


def test_liqun_cancellation_notice_conditions_and_consequences(app):
    terms = app("liqun").cancellation
    assert len(terms.conditions) == 8 and terms.conditions[2].startswith("账户内无未完成的订单")
    assert terms.consequences[0] == "您将无法登录、使用本利群网商账户"
    assert terms.section == "附件一:《利群网商账户注销须知》"


@pytest.mark.parametrize("app_id, years", [("melochi", 3), ("tego", 3)])
def test_transaction_retention_stated_by_the_policy(app, app_id, years):
    assert app(app_id).transaction_retention().days == 365 * years


@pytest.mark.parametrize("app_id", ["yhd", "miniapp"])
def test_no_transaction_retention_where_the_policy_names_none(app, app_id):
    assert app(app_id).transaction_retention() is None


@pytest.mark.parametrize("app_id", LAUNCH_APPS)
def test_no_launch_policy_has_a_cooling_off_or_a_request_type_deadline(app, app_id):
    kb = app(app_id)
    assert kb.cooling_off is None
    for request_type in ("account_deletion", "info_deletion", "data_export", "unsubscribe"):
        assert kb.deadline_for(request_type) == kb.response_deadline
    assert [d for d in kb.other_deadlines if d.applies_to] == []
