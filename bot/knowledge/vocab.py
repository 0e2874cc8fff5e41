"""The knowledge base's fixed vocabularies and the Chinese keywords that map policy text onto them.

Every pattern here is matched against *normalised* text (``bot.text.normalize``: half-width,
simplified), so full-width punctuation appears in its ASCII form: ``(`` ``)`` ``:`` ``,`` ``;``.
Keep patterns generic: they must work on policies nobody on the team has read.
"""
from __future__ import annotations

import re
from typing import Dict, List, NamedTuple, Optional, Pattern, Tuple

from bot.contract import CONVERSATION_CHANNELS, DataCategory, Permission, Platform

# --- public vocabularies ---------------------------------------------------------------------

PATH_TOPICS: Tuple[str, ...] = (
    "account_deletion", "view_or_correct_info", "delete_info", "withdraw_consent",
    "personalization", "unsubscribe", "permissions", "data_copy",
)
FACT_TOPICS: Tuple[str, ...] = ("contact", "response_time", "retention", "sdk", "minors")
SHOW_TOPICS: Tuple[str, ...] = PATH_TOPICS + FACT_TOPICS

QUESTION_TOPICS: Tuple[str, ...] = (
    "data_collected", "data_usage", "permissions", "third_party_sharing", "cookies",
    "storage_retention", "security", "minors", "policy_updates", "contact", "response_time",
    "complaint", "view_or_correct_info", "delete_info", "account_deletion", "withdraw_consent",
    "personalization", "unsubscribe", "data_copy", "incident",
)

# the contract's values (bot.contract), under the names the knowledge base uses
PLATFORMS: Tuple[str, ...] = Platform.values()
CATEGORIES: Tuple[str, ...] = DataCategory.values()
CHANNELS: Tuple[str, ...] = CONVERSATION_CHANNELS
PERMISSIONS: Tuple[str, ...] = Permission.values()
# Personalisation paths are qualified by what they switch off (beyond the vocabularies).
PERSONALIZATION_KINDS: Tuple[str, ...] = ("ads", "recommendations")
# How a settings path is followed: "menu" — navigate these steps in the app's UI; "instruction" —
# do this (reply TD to the SMS, follow the SMS's prompt, long-press an item).
PATH_KINDS: Tuple[str, ...] = ("menu", "instruction")
CONTACT_KINDS: Tuple[str, ...] = (
    "email", "phone", "address", "online_service", "privacy_officer", "url",
)


def _compile(table: Dict[str, str]) -> Dict[str, Pattern[str]]:
    return {key: re.compile(pattern, re.IGNORECASE) for key, pattern in table.items()}


def matching(table: Dict[str, Pattern[str]], text: str) -> List[str]:
    """The keys of ``table`` whose pattern occurs in ``text``, in table order."""
    return [key for key, pattern in table.items() if pattern.search(text)]


# --- qualifiers --------------------------------------------------------------------------------

CATEGORY_WORDS = _compile({
    "account_info": r"账[号户](?:信息|名称|名|资料|密码|设置|与安全|安全)|个人资料|个人信息页|会员账户|"
                    r"昵称|头像|实名认证|安全信息|基本资料|个人主页",
    "address": r"收货地址|收货信息|地址管理|收货人|配送地址|常用地址|地址簿|(?:^|\s)(?:我的)?地址$",
    "order": r"订单",
    "browsing_history": r"浏览(?:记录|信息|历史|足迹)|足迹|(?:观看|播放)(?:记录|历史)",
    "search_history": r"搜索(?:历史|记录)",
    "review": r"评价|评论|晒单",
    "invoice": r"发票|增票",
    "profile_archive": r"档案",
    "face": r"刷脸|人脸|面部|脸部|面容",
    "location": r"位置信息|地理位置|定位信息|行踪",
    "contacts": r"通讯录|通信录",
    "chat_history": r"聊天(?:记录|信息|内容)|会话记录|消息记录",
    "phone_number": r"手机号|电话号码|绑定手机|联系电话",
})

CHANNEL_WORDS = _compile({
    "sms": r"短信|SMS|回复\s*[\"“「]?TD",
    "email": r"邮件|电子邮箱|EDM",
    "push": r"(?<!广告)推送|消息通知|通知栏|系统通知|消息提醒|\"通知\"|“通知”",
    "phone_call": r"电话营销|营销电话|推销电话|来电|外呼",
})

PERMISSION_WORDS = _compile({
    "location": r"位置|定位|GPS|地理",
    "camera": r"相机|摄像头|拍照|拍摄|扫码|CAMERA",
    "photos": r"相册|图片库|照片|图库",
    "microphone": r"麦克风|录音|语音|AUDIO",
    "contacts": r"通讯录|通信录|联系人|CONTACTS",
    "storage": r"存储|储存|STORAGE",
    "calendar": r"日历|CALENDAR",
    "phone_state": r"电话状态|设备状态|PHONE_STATE|设备标识",
    "clipboard": r"剪贴板|剪切板|粘贴板",
})

PERSONALIZATION_WORDS = _compile({
    "ads": r"广告",
    "recommendations": r"推荐|个性化内容|个性化展示|算法",
})

# --- path topics -------------------------------------------------------------------------------
# Specific topics win over the generic rights (view/delete): "访问“…-注销账号”完成注销" is an
# account deletion, not a way to view information.
SPECIFIC_PATH_TOPIC_WORDS = _compile({
    "account_deletion": r"注销",
    "withdraw_consent": r"撤回|撤销(?:授权|同意)|取消授权|解除授权|关闭授权|解绑|解除绑定|"
                        r"关闭.{0,6}(?:刷脸|人脸|面容)",
    "personalization": r"个性化|推荐管理|广告管理|个性化广告|定向推送|程序化广告",
    "unsubscribe": r"退订|取消订阅|取消.{0,6}订阅|促销信息|营销信息|推广信息|商业性(?:短信|信息)|"
                   r"促销短信|(?:不想|不希望|拒绝|停止)接[收受].{0,12}(?:短信|邮件|消息|通知|推送)|"
                   r"回复\s*[\"“「]?TD|是否接[收受](?!(?:程序化|个性化|定向)?广告)",
    "permissions": r"权限",
    "data_copy": r"副本|导出|下载(?:您的)?(?:个人)?(?:信息|数据)|(?:信息|数据)下载|可携",
})
GENERIC_PATH_TOPIC_WORDS = _compile({
    "view_or_correct_info": r"查看|查阅|查询|访问|更正|修改|更新|补充|编辑|添加|更改|变更|管理",
    "delete_info": r"删除|清除|清空",
})
# In section titles only the explicit verbs count: "您如何管理您的个人信息" heads every right.
TITLE_GENERIC_PATH_TOPIC_WORDS = _compile({
    "view_or_correct_info": r"查看|查阅|查询|访问|更正|修改|补充",
    "delete_info": r"删除|清除",
})
# The generic rights only count when the text is about the user's own data, not the policy.
PERSONAL_DATA_WORDS = re.compile(
    r"个人信息|个人资料|您的|账[号户]|地址|订单|记录|评价|评论|发票|档案|信息"
)
NOT_PERSONAL_DATA = re.compile(r"(?:本|隐私)政策|隐私声明|本协议")

# What a path does, in the policy's own verb (the path's ``purpose``), nearest the path first.
PURPOSE_VERBS = re.compile(
    r"取消订阅|退订|关闭|取消|删除|清除|清空|注销|撤回|撤销|解绑|解除绑定|查看|查阅|查询|访问|修改|更正|更改|编辑|补充|"
    r"管理|导出|下载|获取|复制|开启|打开|重新订阅|订阅|恢复|设置|申请"
)
# Turning something (back) on is not a way to stop marketing or personalisation.
TURN_ON_VERBS = re.compile(r"开启|打开|订阅|接收")
TURN_BACK_ON = re.compile(r"重新(?:订阅|接收|接受|开启|打开)|恢复(?:接收|订阅)")
TURN_OFF_WORDS = re.compile(r"退订|取消|关闭|不想|不希望|不愿|拒绝|停止|撤回")
# A data record the vocabulary has no value for ("收听记录"): the path is about that, not any category.
OTHER_RECORD = re.compile(r"([\u4e00-\u9fff]{2}(?:记录|历史))")
NOT_A_RECORD = re.compile(r"^(?:历史|相关|使用|全部|上述|这些|个人|您的|交易|订单|登录|操作|日志|聊天)")
# Other products a policy covers ("快看极速版", "抖音火山版"): a path written for one is not the app's.
PRODUCT_EDITION = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{0,8}(?:极速|火山|国际|精简|青春|概念|极简|商家|骑手|司机|企业|Lite|HD)版)")

INSTRUCTION_STEP = re.compile(
    r"^(?:回复|发送|编辑短信|拨打|致电|长按|按住|根据|按照|依照|按短信|扫描|扫码|摇一摇|退订链接|点击短信|点击邮件)"
)


def path_kind(steps) -> str:
    """"instruction" when a step is an action rather than a UI label (回复“TD”, 根据短信内容提示)."""
    return "instruction" if any(INSTRUCTION_STEP.match(step.strip()) for step in steps) else "menu"


# --- platforms ----------------------------------------------------------------------------------
# Longest, most specific first: "移动端APP" is the app, "微信小程序" the mini-program.
PLATFORM_MARKERS: Tuple[Tuple[str, Pattern[str]], ...] = tuple(
    (platform, re.compile(pattern, re.IGNORECASE)) for platform, pattern in (
        ("miniprogram", r"小程序"),
        ("ios", r"(?<![A-Za-z])iOS(?![A-Za-z])|iPhone|iPad|苹果(?:手机|系统|设备)?"),
        ("android", r"Android|安卓"),
        ("h5", r"(?<![A-Za-z0-9])H5(?![0-9])|移动网页|手机网页|WAP|M站|触屏版"),
        ("pc", r"(?<![A-Za-z])PC(?![A-Za-z])|电脑端?|网页端|网页版|桌面端|官网|网站端"),
        ("app", r"移动端|手机端|客户端|APP|App|app|应用内|手机应用"),
    )
)


def platform_markers(text: str) -> List[Tuple[int, str, str]]:
    """(offset, platform, marker text) of every platform marker in ``text``, by offset."""
    found = []
    for platform, pattern in PLATFORM_MARKERS:
        for match in pattern.finditer(text):
            found.append((match.start(), platform, match.group()))
    found.sort()
    return found


# --- question topics (clauses_for) -------------------------------------------------------------


class TopicWords(NamedTuple):
    """How a policy names a question topic: in a section heading (``heading``; ``weak_heading``
    names something related, e.g. "第三方SDK" for sharing), in the passage itself (``content``),
    and, for some topics, words that mark the direct answer (``cue``: "我们收集的信息包括…")."""
    heading: Pattern[str]
    weak_heading: Optional[Pattern[str]]
    content: Pattern[str]
    cue: Optional[Pattern[str]] = None


def _topic_words(heading: str, weak: Optional[str], content: str, cue: Optional[str] = None) -> TopicWords:
    return TopicWords(re.compile(heading, re.I), re.compile(weak, re.I) if weak else None, re.compile(content, re.I),
                      re.compile(cue, re.I) if cue else None)


QUESTION_TOPIC_WORDS: Dict[str, TopicWords] = {topic: _topic_words(*words) for topic, words in {
    "data_collected": (r"收集|采集|信息的获取|获取(?:您的)?(?:用户|个人)?信息(?!副本)", r"获得.{0,6}信息",
                       r"收集|采集|获取您|获取的?(?:用户|个人)?信息(?!副本)|需要(?:您)?提供|向我们提供|我们会记录|"
                       r"信息(?:类型|种类)|(?:个人|用户)信息包括",
                       r"(?:收集|获取|采集)(?:和使用)?的(?:您的)?(?:用户|个人)?信息(?:类型|种类)?包括|信息(?:类型|种类)|"
                       r"(?:个人|用户)信息包括"),
    "data_usage": (r"使用(?:规则|您的|个人|用户|的)|如何使用(?!cookie)|收集(?:和|及|与)使用|利用|用途|使用情况|信息的使用",
                   None, r"用于|用来|目的|用户画像|数据分析|使用您的|使用规则|进行使用|利用|收集(?:和|及|与|、)使用"),
    "permissions": (r"权限", None, r"权限|摄像头|相机|麦克风|通讯录|相册|定位|地理位置|存储|剪[贴切]板|日历"),
    "third_party_sharing": (r"共享|转让|转移|公开披露|对外.{0,4}提供|委托处理|提供、转移|披露", r"第三方|SDK|分享",
                            r"共享|第三方|SDK|合作伙伴|合作方|出售|转让|委托|关联方|披露|提供给|对外提供"),
    "cookies": (r"cookie", r"同类技术|beacon", r"cookie|beacon|像素|同类技术",
                r"(?:发送|使用|放置|存储).{0,20}cookie|cookie.{0,20}(?:用于|是为了|主要为了|以便|帮助)"),
    "storage_retention": (r"保存|存储|保留|储存|留存|存放", None,
                          r"保存|存储|储存|保留|留存|期限|境内|境外|匿名化|\d+\s*年|[一二三四五六七八九十]+年"),
    "security": (r"保护.{0,8}(?:措施|技术)|安全(?:措施|技术|防护|保护|管理)|(?:信息|数据|存储)安全|如何保护|保护您的个人信息",
                 r"安全", r"加密|安全|SSL|https|认证|访问控制|脱敏|权限控制|保密|防护"),
    "minors": (r"未成年|儿童|青少年", None, r"未成年|儿童|监护人|父母|周岁"),
    "policy_updates": (r"(?:政策|声明|协议).{0,6}(?:更新|修订|变更)|修订|如何更新|的更新", r"更新|变更|修改",
                       r"更新|修订|重大变[更化]|旧版本|变更|通知您"),
    "contact": (r"联系(?:我们|方式)|如何联系", r"联系|联络", r"联系我们|与我们联系|联络我们|邮箱|@|热线|客服"),
    "response_time": (r"响应(?:您|用户)|答复|回复|处理(?:您的)?请求", r"响应",
                      r"\d+\s*(?:个)?(?:工作日|天|日)内|[一二三四五六七八九十]+(?:个)?(?:工作日|天|日)内|答复|回复|响应"),
    "complaint": (r"投诉|举报|诉讼|申诉", r"争议", r"投诉|举报|监管部门|网信|工信|法院|诉讼|仲裁|不满意"),
    "view_or_correct_info": (r"访问|查阅|更正|查询|补充|查看|更新您的", None,
                             r"查阅|更正|修改|查看|补充|更新您的|访问(?:和|或|、)?(?:更正|您的个人信息)"),
    "delete_info": (r"删除", None, r"删除|清除|清空"),
    "account_deletion": (r"注销", None, r"注销"),
    "withdraw_consent": (r"撤回|撤销|授权同意的范围|改变.{0,6}授权|同意的范围", None,
                         r"撤回|撤销|取消(?:了)?(?:您的|这些|相关)?授权|关闭.{0,4}权限|解绑|解除绑定|改变.{0,6}授权"),
    "personalization": (r"个性化|推荐|广告|自动决策|自动化决策", None,
                        r"个性化|推荐|广告|用户画像|自动决策|自动化决策|定向"),
    "unsubscribe": (r"退订|营销|促销|订阅|(?:不想|不希望|拒绝)接[收受]", r"推送|消息通知",
                    r"退订|促销|商业性(?:短信|信息)|营销|取消.{0,4}订阅|TD|不想接[收受]"),
    "data_copy": (r"副本|复制|可携|导出", None, r"副本|导出|复制|可携|转移至"),
    "incident": (r"安全事件|泄露|泄密|应急", None, r"安全事件|泄露|泄密|被盗|应急|补救|盗用"),
}.items()}

# Topics a user acts on; a "管理/权利" section that mentions them answers them.
ACTION_TOPICS = frozenset({
    "view_or_correct_info", "delete_info", "account_deletion", "withdraw_consent", "personalization",
    "unsubscribe", "data_copy",
})
SUPERSEDED_TITLE = re.compile(r"上一版|旧版|历史版本|原版本|废止|已失效")
CONTACT_TITLE = re.compile(r"联系")
RIGHTS_TITLE = re.compile(r"管理|权利|访问|更正|删除|查阅|注销|撤回|副本|响应")
MINORS_TITLE = re.compile(r"未成年|儿童")

