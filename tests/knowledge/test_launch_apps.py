"""Ground truth for the five launch apps, checked by reading each policy.

Every fact below was verified against ../shared/policies/<file>.txt; what a policy does not say
is asserted absent.
"""
from __future__ import annotations

import datetime

import pytest

from .helpers import LAUNCH_APPS

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
        assert steps(kb.paths("unsubscribe", channel="sms")) == [("根据短信内容提示",)]

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
        assert contacts(kb, "privacy_officer") == ["个人信息保护负责人"]
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
        assert contacts(kb, "privacy_officer") == ["个人信息保护专职部门"]
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
        assert sms.steps == ("回复“TD”",)
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
        assert contacts(kb, "privacy_officer") == ["个人信息保护专职部门"]

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
def test_every_item_cites_a_section_of_its_policy(app, app_id):
    kb = app(app_id)
    sections = {c.section for c in kb.clauses}
    items = list(kb.all_paths) + kb.contacts + kb.retention + kb.sdks + [kb.minors, kb.response_deadline]
    for item in items:
        if item is not None:
            assert item.section in sections, item
