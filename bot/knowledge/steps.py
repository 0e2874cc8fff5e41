"""The vocabulary of settings-path text: quote pairs, step separators and step labels.

Shared by the path finder. Everything works on *normalised* text (``bot.text.normalize``), where
full-width punctuation has its ASCII form (－ → -, ＞ → >, （ → (), while labels are cut from the
original text at the same offsets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

OPEN_TO_CLOSE = {"“": "”", "「": "」", "『": "』", "‘": "’"}
BRACKETS = {"【": "】", "[": "]"}
MAX_LABEL = 20
MAX_QUOTED_SINGLE = 10

SEPARATOR = re.compile(r"\s*(?:-+>|=+>|[→⟶➔➜⇒›»]|>{1,2}|—+|–+|-{1,3}|/|\\)\s*")
HARD_STOP = set(",:;。!?\n")
CJK = re.compile(r"[\u4e00-\u9fff]")
QUOTE_CHARS = set("“”「」『』‘’【】\"")
TRIGGER = re.compile(
    r"(?:具体)?(?:操作|设置|撤回|注销|访问|退订)?路径(?:为|是|:)?|入口(?:为|是)|依次(?:点击|选择|进入)?|"
    r"进入|点击|点按|单击|打开|前往|访问|通过|登录|选择|找到|在|于"
)
LEADING_WORDS = re.compile(r"^(?:您可以|您可|可以|可|请|再|然后|并|依次|通过|在(?!线)|于|进入|点击|点按|单击|选择|打开|前往|找到|访问|至)+")
PLATFORM_PREFIX = re.compile(
    r"^(?:(?:移动端|手机端|客户端|PC端|pc端|H5端|h5端|网页端|电脑端|APP|App|app|小程序)(?:内|中|里|上)?)+", re.I)
POSITION = re.compile(r"(?:页面)?(?:右上角|左上角|右下角|左下角|顶部|底部|右侧|左侧|上方|下方)(?:的)?")
TRAILING_UI = re.compile(r"(?:按钮|菜单|页面|界面|选项|入口|图标|栏目|标签|模块)$")
TRAILING_BUTTON = re.compile(r"(?:按钮|图标)$")
TRAILING_ACTION = re.compile(
    r"(?:中|里|内|页面中|页面内|后)(?:进行|即可|可以|可|来|以|完成|查看|设置|申请|管理|操作|删除|修改|关闭|开启|"
    r"取消|撤回|选择|提交|点击)|即可|进行|完成|以便|"
    # a verb with its object after the last step: "…-注销服务申请注销账户"
    r"(?:申请|提交|关闭|开启|打开|取消|撤回|删除|修改)(?=[\u4e00-\u9fff]{2})"
)
COMMON_YI = re.compile(r"一键|统一|唯一|一般|一起|第一|一些|一定|一旦|一次|一致|进一步|之一|一下|一个|一项|一部分|一律|一并")
SENTENCE_WORDS = re.compile(r"您|我们|如果|如需|是否|可能|以便|用于")
SETTINGS_WORDS = re.compile(r"设置|我的|首页|账户|账号|隐私|管理|中心|安全|个人")
CONNECTIVE = re.compile(
    r"^\s*(?:页面|页|菜单|界面|栏目|选项|按钮|图标|模块|板块|入口|标签)?\s*(?:的|中的|里的|下的|内的|中|里|后|内)?\s*"
    r"[,、]?\s*(?:并|再|然后|之后|后)?\s*(?:点击|点按|单击|选择|进入|打开|找到|前往|轻触|点)?\s*"
    r"(?:页面)?(?:右上角|左上角|右下角|左下角|顶部|底部|右侧|左侧)?(?:的)?\s*$"
)
CONNECTIVE_RESIDUAL = re.compile(r"页面|页|菜单|界面|的|中|里|[,、\s]")
NAV_BEFORE = re.compile(r"(?:进入|点击|点按|单击|打开|访问|在|通过|前往|选择|登录|依次|于|至)\s*(?:[^,。;“”「」]{0,4})$")
SINGLE_BEFORE = re.compile(r"(?:进入|点击|点按|单击|打开|访问|通过|前往)\s*$")
SINGLE_AFTER = re.compile(r"^(?:页面|菜单|界面|中|里|查看|管理|设置|进行)")
CONTINUATION = re.compile(
    r"^(?:页面|菜单|界面)?\s*(?:中|里)?\s*,?\s*(?:再|然后|并)?\s*(?:点击|选择|进入)\s*"
    r"(?:“([^”]{1,12})”|「([^」]{1,12})」|([\u4e00-\u9fffA-Za-z0-9]{2,8}?)(?=后|即可|进行|,|。|;|$))"
)
# What follows "选择" after the last step is a choice, not a menu label, when it is a verb with its
# object ("中选择关闭个性化推荐"; a bare "选择删除" is the button) or points at the user's own
# content ("中选择相应内容").
CHOSEN_ACTION = re.compile(r"^(?:(?:关闭|开启|打开|删除|取消|修改|更改|查看|管理|设置).{2,}|是否|不)")
NOT_A_LABEL = re.compile(r"^(?:相应|对应|任意|任一|某一|某个|某些|该|需要|要|你要|您要|想要|所需)")
# A way to write to us named beside an in-app entry (“邮箱/问题反馈”) makes a '/' an "or".
CHANNEL_STEP = re.compile(r"(?:电子)?(?:邮箱|邮件)|电话|热线|短信|QQ|微信|信函", re.I)
# A list marker in front of a path's first step: "a) 【我】-【≡】-…", "①我的-设置".
LIST_MARKER = re.compile(
    r"\s*(?:\(?\s*(?:\d{1,2}|[a-zA-Z]|[一二三四五六七八九十]{1,3})\s*[)、]|[a-zA-Z]\s*\.(?![A-Za-z0-9])|"
    r"[\u2460-\u2473\u2776-\u277f])\s*")
PAGE_OF_MENU = re.compile(r"页面?的([\u4e00-\u9fffA-Za-z0-9]{2,8}?)(?:菜单|栏目|选项|入口|页面|模块)")
SMS_INSTRUCTION = re.compile(
    r"(?:根据|按照|依照|按|通过|使用|利用)\s*(?:手机)?短信(?:内容|中|里)?(?:提供|附带|所附|所列|载明)?的?"
    r"(?:提示|说明|指引|退订方式|退订指引|退订链接|退订方法)")
# "通过手机短信中提供的退订方式": the way is what the SMS offers; 通过 is not part of it.
SMS_INSTRUCTION_LEAD = re.compile(r"(?:通过|使用|利用)\s*")
REPLY_CODE = re.compile(
    r"回复\s*([\"“「]?)([A-Za-z0-9]{1,8})[\"”」]?((?:\s*(?:或|/|、)\s*[\"“「]?[A-Za-z0-9]{1,8}[\"”」]?)*)"
)
NOTE = re.compile(r"\(([^()]{1,40})\)")
# Menu buttons drawn as glyphs (【我】-【≡】-【设置】): a quoted glyph is a step.
MENU_GLYPH = re.compile(r"[≡☰⋯…·•+＋⚙︙⋮]{1,3}")
# A web page the user must open first: "打开www.example.com并登录", "登录XX官网后".
WEB_PRECONDITION = re.compile(
    r"(?:打开|访问|登录|登陆)\s*(?:(?:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[A-Za-z0-9/._~%-]*|"
    r"[\u4e00-\u9fffA-Za-z0-9]{2,10}(?:官网|网站|网页版))(?:\s*(?:并|后)\s*(?:登录|登陆)(?:您的)?(?:账号|账户)?)?"
)
_URL_TAIL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9./?=&%#:~+_-]*$|@[A-Za-z0-9._-]*$")

Segment = Tuple[int, int]              # a stretch of a clause between separators


@dataclass
class Span:
    open: int
    close: int                   # index of the closing mark (exclusive end = close + 1)
    pseudo: bool = False         # an unclosed quote, ended at 菜单/页面/中

    @property
    def inner(self) -> Tuple[int, int]:
        return self.open + 1, self.close


def quote_spans(norm: str) -> List[Span]:
    """Paired quotes (“” 「」 『』 ‘’ and straight quotes); 【】 pairs outside them."""
    spans: List[Span] = []
    opened: Optional[int] = None
    straight: Optional[int] = None
    for index, char in enumerate(norm):
        if char in OPEN_TO_CLOSE:
            if opened is not None:
                spans.extend(unclosed_quote_span(norm, opened))
            opened = index
        elif opened is not None and char == OPEN_TO_CLOSE[norm[opened]]:
            spans.append(Span(opened, index))
            opened = None
        elif char == '"':
            if straight is None:
                straight = index
            else:
                spans.append(Span(straight, index))
                straight = None
        elif char in "\n":
            opened = straight = None
    if opened is not None:
        spans.extend(unclosed_quote_span(norm, opened))
    inside = [(span.open, span.close) for span in spans]
    for open_mark, close_mark in BRACKETS.items():
        inner = r"[^" + re.escape(open_mark + close_mark) + r"\n]"
        for match in re.finditer(re.escape(open_mark) + inner + "{1,60}" + re.escape(close_mark), norm):
            # a long bracket only when it holds a whole path (【片场→个人→个人设置(…)→隐私权限设置】)
            if match.end() - match.start() > 22 and not SEPARATOR.search(match.group()):
                continue
            if not any(a < match.start() < b for a, b in inside):
                spans.append(Span(match.start(), match.end() - 1))
    return sorted(spans, key=lambda span: span.open)


def unclosed_quote_span(norm: str, opened: int) -> List[Span]:
    match = re.compile(r"菜单|页面|界面|中|里|[,。;:“”]").search(norm, opened + 1, opened + 12)
    if match and match.start() - opened - 1 >= 2:
        return [Span(opened, match.start(), pseudo=True)]
    return []


def find_separators(norm: str, start: int, end: int) -> List[Tuple[int, int]]:
    found = []
    for match in SEPARATOR.finditer(norm, start, end):
        left = norm[start:match.start()].rstrip()[-1:] or ""
        right = norm[match.end():end].lstrip()[:1] or ""
        if not (is_step_char(left) or is_step_char(right)):
            continue
        token = match.group().strip()
        if token == "/":
            if not (is_step_char(left) and is_step_char(right)):
                continue
            if left in "与和及或" or right == "或":
                continue
        if _URL_TAIL.search(norm[max(start, match.start() - 60):match.start()]):
            continue
        found.append((match.start(), match.end()))
    return found


def is_step_char(char: str) -> bool:
    return bool(char) and (bool(CJK.match(char)) or char in QUOTE_CHARS)


def clean_label(text: str, norm: str, notes: List[str], quoted: bool = False) -> Optional[str]:
    """A step label from a piece of text: notes in brackets, quotes and brackets off; for unquoted
    text also leading verbs, platform words, positions and trailing UI words."""
    for match in reversed(list(NOTE.finditer(norm))):
        notes.append(text[match.start(1):match.end(1)].strip())
        text, norm = text[:match.start()] + text[match.end():], norm[:match.start()] + norm[match.end():]
    position = None if quoted else POSITION.search(norm)
    if position:
        text, norm = text[:position.start()] + text[position.end():], norm[:position.start()] + norm[position.end():]
    keep = [i for i, ch in enumerate(norm) if ch not in QUOTE_CHARS]
    text, norm = "".join(text[i] for i in keep), "".join(norm[i] for i in keep)
    text, norm = _without_unmatched_brackets(text.strip(), norm.strip())
    if not quoted:
        for pattern in (LEADING_WORDS, PLATFORM_PREFIX, LEADING_WORDS):
            match = pattern.match(norm)
            if match and len(norm) - match.end() >= 2:
                text, norm = text[match.end():], norm[match.end():]
    match = (TRAILING_BUTTON if quoted else TRAILING_UI).search(norm)
    if match and match.start() >= 2:
        text, norm = text[:match.start()], norm[:match.start()]
    text, norm = text.strip(), norm.strip()
    if not valid_label(norm, quoted):
        return None
    if position:
        notes.append(position_note(text, position.group()))
    return text


def _without_unmatched_brackets(text: str, norm: str) -> Tuple[str, str]:
    """A path wrapped in brackets, "（我的-设置-隐私设置）予以关闭": the opening bracket is not part
    of the first step, and the sentence after the closing one is not part of the last."""
    while norm and norm[0] in "([":  # not norm[:1]: "" is in every string, and "（" looped forever
        text, norm = text[1:].lstrip(), norm[1:].lstrip()
    for index, char in enumerate(norm):
        if char in ")]" or char in "([":
            return text[:index].rstrip(), norm[:index].rstrip()
    return text, norm


def position_note(label: str, position: str) -> str:
    return f"“{label}”在{position.replace('页面', '').rstrip('的')}"


def valid_label(norm: str, quoted: bool = False) -> bool:
    """Short, no sentence punctuation; unquoted text must not read like prose (您/我们/如果…),
    while a quoted label may be a UI label such as “联系我们”."""
    if quoted and MENU_GLYPH.fullmatch(norm):
        return True
    return (
        0 < len(norm) <= MAX_LABEL
        and bool(CJK.search(norm) or re.search(r"[A-Za-z]{2,}", norm))
        and not re.search(r"[。;!?,:]", norm)
        and not (SENTENCE_WORDS.search(norm) and not (quoted and len(norm) <= 6))
        and not re.match(r"^\d+[、.)]", norm)
    )


def split_enter(norm: str, lo: int, hi: int) -> Tuple[int, int]:
    """Within a step segment, the clicked part: before "进入" (the page it leads to), unless
    the segment starts with it."""
    index = norm.find("进入", lo, hi)
    if index < 0:
        return lo, hi
    before = norm[lo:index]
    if LEADING_WORDS.sub("", POSITION.sub("", before)).strip():
        return lo, index
    return index + 2, hi


def slash_only(run: List[Segment], norm: str) -> bool:
    """Whether every separator of a chain is '/', which also writes alternatives (查看/修改)."""
    return all(norm[b:c].strip() == "/" for (_, b), (c, _) in zip(run, run[1:]))


def plausible_unquoted(steps: List[str], run: List[Segment], norm: str) -> bool:
    """Unquoted chains need to look like navigation: settings words, and three steps when the
    only separator is '/' (which also writes alternatives: 查看/修改)."""
    has_settings = any(SETTINGS_WORDS.search(step) for step in steps)
    if slash_only(run, norm):
        return len(steps) >= 3 and has_settings
    return len(steps) >= 3 or has_settings


def clause_bounds(norm: str) -> List[Tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer(r"[。!?;\n]", norm):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(norm)))
    return [(a, b) for a, b in spans if b > a]
