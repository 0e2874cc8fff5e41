"""Third-party SDKs a policy lists: name, purpose and the personal data each one handles.

Three shapes are common: blocks of "SDK名称：… / 使用目的：… / 收集个人信息类型：…" lines;
numbered lists "腾讯bugly：收集应用崩溃信息" under an introduction about third-party code; and prose
naming package ids, "com.igexin.sdk(个推)…是为了推送消息". Table exports put each key on its own
line, so keys are read line by line.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from bot.knowledge.sections import Document, Line

_NAME_KEY = re.compile(r"^(?:第三方)?(?:SDK|sdk)\s*(?:名称|名字)?\s*:|^(?:合作方|第三方)\s*(?:SDK|sdk)\s*(?:名称)?\s*:|"
                       r"^(?:插件|第三方)名称\s*:")
_PURPOSE_KEY = re.compile(r"^(?:使用|合作|收集|处理|共享)?(?:目的|用途)\s*:|^(?:使用场景|业务场景|功能|业务功能)\s*:")
_DATA_KEY = re.compile(
    r"^(?:个人信息收集范围|收集(?:的)?(?:个人)?信息(?:类型|范围|字段)?|(?:涉及的?|共享的?)?个人信息(?:类型|字段|种类)?|"
    r"手机个人数据类型|数据类型|收集范围|信息类型|收集个人信息类型)\s*:"
)
_NUMBER_PREFIX = re.compile(r"^(?:\d{1,2}\s*[、.)]|\(\s*\d{1,2}\s*\)|[①-⑳])\s*")
_PACKAGE_NOTE = re.compile(r"\(\s*包名\s*:\s*([A-Za-z0-9_.]+)\s*\)")
_VENDOR = re.compile(
    r"SDK|腾讯|百度|阿里|支付宝|微信|小米|华为|荣耀|vivo|oppo|魅族|个推|极光|友盟|高德|银联|bugly|新浪|微博|"
    r"QQ|mob|京东|字节|穿山甲|神策|GrowingIO|Firebase|Google|Facebook|信鸽|网易|七牛|环信|融云|声网|云信|"
    r"TalkingData|Bugly|Umeng|JPush|Getui",
    re.I,
)
_NOT_SDK = re.compile(r"权限|^Android ?ID|^mac|^IMEI|^网络|设备序列号|在运行")
_SDK_INTRO = re.compile(r"SDK|第三方代码|插件|第三方服务|嵌入", re.I)
_LIST_ITEM = re.compile(r"^\d{1,2}\s*[.、]\s*([^:]{2,40}?)\s*:\s*(.+)$")
_PACKAGE = re.compile(
    r"(?<![A-Za-z0-9_./:-])(?:c?om\.[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*|cn\.[a-z]\w*(?:\.[a-z]\w*)+)(?![A-Za-z0-9_/-])"
)
_PACKAGE_NAMES = re.compile(r"\s*\(([^()]{1,60})\)")
_PURPOSE_WORDS = re.compile(r"是为了|用于|为了|以便|完成")


def extract_sdks(document: Document) -> List[dict]:
    sdks: Dict[str, dict] = {}
    lines = [line for line in document.source_lines if not line.section.superseded]
    _key_value_blocks(lines, sdks)
    _column_tables(lines, sdks)
    _intro_lists(lines, sdks)
    _package_prose(lines, sdks)
    return list(sdks.values())


def _merge(sdks: Dict[str, dict], name: str, purpose: Optional[str], data: Optional[str],
           line: Line, package: Optional[str] = None) -> None:
    name = name.strip(" 、,，")
    if not name:
        return
    entry = sdks.get(name)
    if entry is None:
        sdks[name] = {"name": name, "purpose": purpose or None, "data": data or None,
                      "package": package, "section": line.section.breadcrumb}
        return
    if data and entry["data"] and data not in entry["data"].split("、"):
        entry["data"] = f"{entry['data']}、{data}"
    entry["data"] = entry["data"] or data or None
    entry["purpose"] = entry["purpose"] or purpose or None
    entry["package"] = entry["package"] or package



_KEY_LINE = re.compile(r"^[^:,。;]{1,12}:")


def _key_value_blocks(lines: List[Line], sdks: Dict[str, dict]) -> None:
    """A name key opens a block; following "key: value" lines fill it until a line that is not
    one ends it."""
    blocks: List[dict] = []
    current: Optional[dict] = None
    for line in lines:
        norm = _NUMBER_PREFIX.sub("", line.norm)
        text = line.text[len(line.norm) - len(norm):]
        name = _NAME_KEY.match(norm)
        if name:
            package = _PACKAGE_NOTE.search(norm)
            current = {"name": _strip_package(text[name.end():].strip()), "purpose": None, "data": None,
                       "line": line, "package": package.group(1) if package else None}
            blocks.append(current)
            continue
        if current is None or not _KEY_LINE.match(norm):
            current = None
            continue
        purpose = _PURPOSE_KEY.match(norm)
        data = _DATA_KEY.match(norm)
        if purpose and current["purpose"] is None:
            current["purpose"] = text[purpose.end():].strip()
        elif data and current["data"] is None:
            current["data"] = text[data.end():].strip()
    for block in blocks:
        _merge(sdks, block["name"], block["purpose"], block["data"], block["line"], block["package"])


_TABLE_HEADER = re.compile(r"(?:SDK|sdk|第三方|合作方|插件)\s*(?:名称|名字)")
_HEADER_PURPOSE = re.compile(r"目的|用途|场景|功能")
_HEADER_DATA = re.compile(r"信息|字段|数据|类型|范围")
_LINK_CELL = re.compile(r"\s*(?:点击)?(?:查看)?(?:第三方)?(?:SDK)?(?:隐私(?:权)?政策|隐私协议)(?:链接)?\s*$")
_ROW_STOP = re.compile(r"^\s*(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[、.)]|[一二三四五六七八九十]{1,3}\s*[、.]|[(（][一二三四五六七八九十]{1,3}[)）])")
MAX_TABLE_LINES = 80


def _cells(norm: str) -> List[str]:
    return [cell for cell in re.split(r"\s+", norm.strip()) if cell]


def _looks_like_name(cell: str) -> bool:
    return (0 < len(cell) <= 20 and not re.search(r"[、,。;:()]", cell)
            and bool(_VENDOR.search(cell) or re.search(r"[A-Za-z]{2,}", cell) or len(cell) <= 8))


def _column_tables(lines: List[Line], sdks: Dict[str, dict]) -> None:
    """Tables exported as text, one row per line with cells separated by spaces or tabs, under a
    header naming the SDK, purpose and data columns ("SDK名称 使用目的 收集的个人信息", even run
    together): a row starts with the SDK's name; a line that does not is the data cell of the row
    before it (tables wrap long cells onto the next line)."""
    index = 0
    while index < len(lines):
        header = lines[index].norm
        index += 1
        if not (_TABLE_HEADER.search(header) and _HEADER_PURPOSE.search(header) and _HEADER_DATA.search(header)
                and len(header) <= 60 and "。" not in header):
            continue
        row: Optional[dict] = None
        for line in lines[index:index + MAX_TABLE_LINES]:
            if _ROW_STOP.match(line.norm) or _TABLE_HEADER.search(line.norm):
                break
            cells = [_LINK_CELL.sub("", cell) for cell in _cells(line.text)]
            cells = [cell for cell in cells if cell]
            if len(cells) >= 2 and _looks_like_name(cells[0]):
                if row:
                    _merge(sdks, row["name"], row["purpose"], row["data"], row["line"])
                row = {"name": cells[0], "purpose": cells[1], "data": " ".join(cells[2:]) or None, "line": line}
            elif row is not None and cells and row["data"] is None and ":" not in line.norm:
                row["data"] = " ".join(cells)
            index += 1
        if row:
            _merge(sdks, row["name"], row["purpose"], row["data"], row["line"])


def _strip_package(value: str) -> str:
    return re.sub(r"[(（]\s*包名\s*[:：][^)）]*[)）]", "", value).strip()


def _intro_lists(lines: List[Line], sdks: Dict[str, dict]) -> None:
    """"N.名称(数据):用途" items following a line that introduces third-party code or SDKs."""
    in_list = False
    for line in lines:
        item = _LIST_ITEM.match(line.norm)
        if not item:
            if not (in_list and _NUMBER_PREFIX.match(line.norm)):
                in_list = bool(_SDK_INTRO.search(line.norm)) and line.norm.rstrip().endswith(":")
            continue
        if not in_list:
            continue
        label_norm = item.group(1)
        label_start = item.start(1)
        label = line.text[label_start:label_start + len(label_norm)]
        purpose = line.text[item.start(2):].strip()
        head = re.split(r"\(", label_norm, maxsplit=1)[0]
        if _NOT_SDK.search(head.strip()) or not _VENDOR.search(head):
            continue
        data = None
        paren = re.search(r"\(([^()]*)\)", label_norm)
        if paren:
            data = label[paren.start(1):paren.end(1)].split(",")[0].split("，")[0].strip()
            label = label[:paren.start()]
        parts = [part.strip() for part in re.split("、", label) if part.strip()]
        if len(parts) > 1:
            vendor_parts = [p for p in parts if _VENDOR.search(p)]
            name = vendor_parts[0]
            rest = [p for p in parts if p != name]
            data = "、".join(([data] if data else []) + rest)
        else:
            name = parts[0] if parts else label
        _merge(sdks, name, purpose, data, line)


def _package_prose(lines: List[Line], sdks: Dict[str, dict]) -> None:
    """Package ids with names in brackets, the purpose after 是为了/用于 applying to the group."""
    for line in lines:
        norm = line.norm
        matches = [m for m in _PACKAGE.finditer(norm) if not re.search(r"包名\s*:\s*$", norm[:m.start()])]
        if not matches:
            continue
        pending = []
        for index, match in enumerate(matches):
            package = match.group()
            names = _PACKAGE_NAMES.match(norm, match.end())
            end = names.end() if names else match.end()
            if names:
                first = names.group(1).split(";")[0].strip()
                name = line.text[names.start(1):names.start(1) + len(first)] if first else package
            else:
                name = package
            pending.append((name, package))
            following = matches[index + 1].start() if index + 1 < len(matches) else len(norm)
            between = norm[end:following]
            purpose_match = _PURPOSE_WORDS.search(between)
            if purpose_match:
                stop = re.search(r"[,。;]\s*(?:使用|$)|。", between[purpose_match.start():])
                cut = purpose_match.start() + (stop.start() if stop else len(between) - purpose_match.start())
                purpose_start = end + purpose_match.end()
                purpose = line.text[purpose_start:end + cut].strip(" ,，。")
                for pending_name, pending_package in pending:
                    _merge(sdks, pending_name, purpose or None, None, line, pending_package)
                pending = []
        for pending_name, pending_package in pending:
            _merge(sdks, pending_name, None, None, line, pending_package)
