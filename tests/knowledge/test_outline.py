"""Outlines real policies write that the first parser missed, on synthetic policies: headings
numbered "1 标题" (a digit and a space) after an outline numbered "1.标题", and a stray line (a
link caption) between numbered headings that must not become a top-level heading."""
from __future__ import annotations

from bot.knowledge.cleaning import clean_text
from bot.knowledge.sections import parse


def section_of(text: str, needle: str) -> str:
    document = parse(clean_text(text))
    return next(p.section.breadcrumb for p in document.paragraphs if needle in p.text)


DIGIT_SPACE = """示例隐私政策
更新日期：2023年2月16日
我们深知个人信息对你的重要性，并会尽全力保护你的个人信息安全。
概要
下文将帮你了解我们如何收集、使用、存储和保护个人信息。

1.我们如何收集和使用个人信息
2.我们如何共享个人信息
3.联系我们

1 我们如何收集和使用个人信息
1.1 账号服务
1.1.1 注册、登录
当你注册时，你可以通过手机号码创建账号，我们会收集你的手机号码。
1.2 内容浏览
我们会记录你浏览的内容，用于向你展示更相关的信息。
2 我们如何共享个人信息
2.1 基本原则
我们与合作方合作时，将遵守合法、正当、必要的原则。
3 联系我们
你可以发送邮件至privacy@example.com与我们联系。
"""


def test_headings_numbered_with_a_digit_and_a_space_nest_their_subsections():
    assert section_of(DIGIT_SPACE, "手机号码创建账号") == (
        "1 我们如何收集和使用个人信息 › 1.1 账号服务 › 1.1.1 注册、登录")
    assert section_of(DIGIT_SPACE, "记录你浏览的内容") == "1 我们如何收集和使用个人信息 › 1.2 内容浏览"
    assert section_of(DIGIT_SPACE, "合法、正当") == "2 我们如何共享个人信息 › 2.1 基本原则"
    assert section_of(DIGIT_SPACE, "privacy@example.com") == "3 联系我们"


def test_an_unnumbered_introduction_gives_way_to_the_top_numbering():
    assert section_of(DIGIT_SPACE, "下文将帮你了解") == "概要"
    assert section_of(DIGIT_SPACE, "合法、正当").startswith("2 我们如何共享个人信息")


def test_a_sentence_starting_with_a_number_is_not_a_heading():
    text = "示例隐私政策\n一、保存期限\n3 年内我们会保存您的交易记录，之后予以删除或匿名化处理。\n"
    assert section_of(text, "交易记录") == "一、保存期限"


STRAY_LINE = """示例隐私政策
2 数据使用过程中涉及的合作方
2.1 合作方
2.1.1 基本原则
我们与合作方合作过程中，将遵守合法、正当、必要的原则。
接入合作方SDK目录
2.1.2 委托处理
对于委托处理个人信息的场景，我们会与受托合作方约定严格的数据保护措施。
"""


def test_a_stray_line_between_numbered_headings_does_not_open_a_section():
    assert section_of(STRAY_LINE, "委托处理个人信息") == (
        "2 数据使用过程中涉及的合作方 › 2.1 合作方 › 2.1.2 委托处理")
