"""Section tree and cleaning on synthetic policies: every numbering style, outlines, appendices,
unnumbered and Markdown headings, export artefacts."""
from __future__ import annotations

from bot.knowledge.cleaning import clean_text
from bot.knowledge.sections import parse

from .helpers import knowledge_of


def breadcrumbs(text: str) -> list:
    return [section.breadcrumb for section in parse(clean_text(text)).sections]


def section_of(text: str, needle: str) -> str:
    document = parse(clean_text(text))
    return next(p.section.breadcrumb for p in document.paragraphs if needle in p.text)


NESTED = """某某隐私政策
一、我们如何收集您的个人信息
我们会收集您主动提供的信息。
（一）注册信息
1、基本资料
（1）手机号码
注册时您需要提供手机号码用于验证。
①验证码
我们会发送短信验证码。
（2）昵称
您可以设置昵称。
2、扩展资料
您可以补充生日。
二、您的权利
1.1 查阅
您可以查阅您的信息。
1.2 删除
您可以删除您的信息。
"""


def test_chinese_numbering_styles_nest_in_reading_order():
    assert section_of(NESTED, "验证码") == (
        "一、我们如何收集您的个人信息 › （一）注册信息 › 1、基本资料 › （1）手机号码 › ①验证码")
    assert section_of(NESTED, "设置昵称") == "一、我们如何收集您的个人信息 › （一）注册信息 › 1、基本资料 › （2）昵称"
    assert section_of(NESTED, "补充生日") == "一、我们如何收集您的个人信息 › （一）注册信息 › 2、扩展资料"
    assert section_of(NESTED, "删除您的信息") == "二、您的权利 › 1.2 删除"


def test_chapters_and_articles_keep_their_text():
    text = "第一章 总则\n第一条 本政策适用于本应用提供的全部服务，请您仔细阅读并理解本政策的全部内容。\n第二章 信息收集\n第二条 我们收集手机号。\n"
    assert section_of(text, "适用于本应用") == "第一章 总则 › 第一条"
    assert section_of(text, "收集手机号") == "第二章 信息收集 › 第二条"


def test_table_of_contents_is_dropped_and_real_headings_kept():
    text = """隐私政策
本政策将帮助您了解以下内容：
- 一、我们如何收集信息
- 二、我们如何使用信息
- 三、如何联系我们

一、我们如何收集信息
我们收集您的手机号码，用于注册与登录，以及保障账号安全。
二、我们如何使用信息
我们使用您的信息提供服务，并用于改进产品。
三、如何联系我们
您可以发送邮件至privacy@example.com与我们联系。
"""
    sections = breadcrumbs(text)
    assert sections.count("一、我们如何收集信息") == 1
    assert section_of(text, "发送邮件") == "三、如何联系我们"
    assert not any(s.startswith("- ") for s in sections)


def test_outline_with_other_numbering_than_the_body_is_dropped():
    text = """利群隐私政策
本政策将帮助您了解以下内容:
1、我们如何收集和使用您的个人信息
2、我们如何共享您的个人信息
3、如何联系我们
一、我们如何收集和使用您的个人信息
我们收集您的手机号码,用于注册与登录,以及保障账号安全。
二、我们如何共享您的个人信息
我们不会出售您的个人信息,但以下情况除外。
三、如何联系我们
您可以发送邮件至privacy@example.com与我们联系。
"""
    assert section_of(text, "出售") == "二、我们如何共享您的个人信息"
    assert "1、我们如何收集和使用您的个人信息" not in " ".join(breadcrumbs(text))


def test_appendix_nests_its_own_numbering_and_old_versions_are_superseded():
    text = """一、如何联系我们
您可以拨打客服电话400-123-4567与我们联系。
附件一：账号注销须知
1、注销后您将无法登录，账户内的资产视为自动放弃，请您在申请注销前妥善处理。
附件二：上一版隐私政策
一、联系方式
您可以拨打客服电话400-999-9999与我们联系。
"""
    document = parse(clean_text(text))
    old = next(p for p in document.paragraphs if "400-999" in p.text)
    assert old.section.breadcrumb == "附件二：上一版隐私政策 › 一、联系方式"
    assert old.section.superseded
    notice = next(p for p in document.paragraphs if "注销后" in p.text)
    assert notice.section.breadcrumb == "附件一：账号注销须知" and not notice.section.superseded
    phones = [c.value for c in knowledge_of(text).contacts if c.kind == "phone"]
    assert phones == ["400-123-4567"]


def test_unnumbered_and_markdown_headings():
    text = """---
layout: post
title: Privacy
---
## 隐私声明

我们注重对您个人隐私的保护，本声明解释数据的收集和使用情况。

用户信息的获取

我们获取用户信息的主要目的在于向您提供顺畅、高效的购物流程。

其他网站链接

本网站可能包含至其他网站的链接，我们建议您查看其隐私政策。
"""
    assert section_of(text, "主要目的") == "用户信息的获取"
    assert section_of(text, "其他网站的链接") == "其他网站链接"
    assert not any("layout" in s for s in breadcrumbs(text))


def test_list_item_continues_its_list_after_nested_headings():
    text = """一、附加功能
1、为使您购物更便捷，我们的以下附加功能中可能会收集和使用您的个人信息，这些附加功能包括：
(1)基于相机的附加功能:您可以使用相机拍照。
(2)基于通讯录的附加功能:您可以导入联系人。
2、上述附加功能可能需要您开启相机和通讯录的访问权限，您可以随时关闭这些权限。
"""
    assert section_of(text, "上述附加功能") == "一、附加功能"
    assert section_of(text, "导入联系人") == "一、附加功能 › (2)基于通讯录的附加功能"


def test_long_numbered_sentences_are_items_of_their_section():
    text = "五、您的权利\n1、如果我们处理个人信息的行为违反法律法规；\n2、如果我们收集、使用您的个人信息，却未征得您的同意；\n"
    assert breadcrumbs(text)[1:] == ["五、您的权利"]


def test_cleaning_removes_export_artefacts_but_not_wording():
    raw = ("\ufeff<p>生效日期：[2023]年[11]月[01]日</p>\r\n[bookmark: _GoBack]联系电话：【18367925111】"
           "&nbsp;请**务必**阅读。<br>下一行")
    cleaned = clean_text(raw)
    assert "生效日期：2023年11月01日" in cleaned
    assert "联系电话：18367925111" in cleaned
    assert "bookmark" not in cleaned and "<p>" not in cleaned and "&nbsp;" not in cleaned
    assert "请务必阅读。" in cleaned and "\n下一行" in cleaned


def test_brand_brackets_stay_in_the_text():
    assert "【某某商城】" in clean_text("欢迎使用【某某商城】服务。")


def test_wrapped_lines_are_joined_and_table_cells_kept_together():
    text = ("一、权限\n我们会在您使用扫码、拍照、上传头像、发布评价或联系客服提交凭证等功能时申请相机权限，并在您同意后才开启，您可以随时在系统设置中关闭该权\n"
            "限。\n权限名称\n读取日历\n用于添加日程提醒\n")
    document = parse(clean_text(text))
    texts = [p.text for p in document.paragraphs]
    assert any(t.endswith("关闭该权限。") for t in texts)
    assert "权限名称 读取日历 用于添加日程提醒" in texts


def test_a_line_broken_before_a_latin_word_goes_on_on_the_next_line():
    from .helpers import knowledge_of
    kb = knowledge_of("""示例隐私政策
三、我们如何使用 Cookie 和同类技术
您使用我们的服务时，我们会在您的设备上存储小型数据文件，这些数据文件可能是Cookie，Flash
Cookie，您的浏览器提供的其他本地存储（统称“Cookie”）。Cookie
通常包含标识符、站点名称以及一些号码和字符。我们使用该等信息判断注册用户是否已经登录。
""")
    (passage,) = [c for c in kb.clauses if "统称" in c.text]
    assert "判断注册用户是否已经登录" in passage.text
