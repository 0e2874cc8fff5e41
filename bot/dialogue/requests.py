"""The request flows: what each request needs from the user, and what the assistant says.

A request is explained (what happens, what the law keeps, the cooling-off period), confirmed,
then the user's identity is proven before anything is filed:

* deletion and export always need a one-time code — sent to the bound phone of a user the host
  app authenticated, or to the phone an anonymous user gives;
* unsubscribe needs no code for an authenticated user (it takes effect at once);
* status and cancellation need an identity: the host app's token, or a verified code.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.contract import CONVERSATION_CHANNELS, OPEN_STATUSES
from bot.dialogue.answers import Reply, cancellation_lines, cooling_off_line, transaction_retention_line
from bot.dialogue.vocabulary import (
    CHANNEL_LABELS,
    DATA_CATEGORY_LABELS,
    REQUEST_TYPE_LABELS,
    STATUS_LABELS,
)

# The legal minimum (E-Commerce Law art. 31: transaction records kept ≥ 3 years from completion),
# said as the law's, never as the app's, when the policy names no period of its own.
TRANSACTION_RECORD_YEARS = 3
CONFIRM_BUTTONS = (("确认提交", "/affirm"), ("算了", "/deny"))
MAX_REQUESTS_LISTED = 3
BEIJING = timezone(timedelta(hours=8))


# what the flow needs ---------------------------------------------------------------------------

def needs_code(request_type: str, authenticated: bool) -> bool:
    """Whether filing ``request_type`` needs a one-time code."""
    return not (request_type == "unsubscribe" and authenticated)


def request_steps(
    request_type: str, *, authenticated: bool, verified: bool, confirmed: bool = False
) -> List[str]:
    """The slots the request form asks for, in order."""
    steps = []
    if request_type == "info_deletion":
        steps.append("data_category")
    if request_type == "unsubscribe":
        steps.append("channel")
    steps.append("request_confirmed")
    if confirmed and needs_code(request_type, authenticated) and not verified:
        steps += identity_steps(authenticated=authenticated, verified=False, code_always=True)
    return steps


def identity_steps(*, authenticated: bool, verified: bool, code_always: bool = False) -> List[str]:
    """The slots that prove who the user is: a phone (anonymous only) and a code."""
    if verified or (authenticated and not code_always):
        return []
    return ["verification_code"] if authenticated else ["phone_number", "verification_code"]


# explaining and confirming ---------------------------------------------------------------------

def explain_request(
    kb, request_type: str, categories: Sequence[str] = (), channels: Sequence[str] = ()
) -> Reply:
    """What will happen, then the confirmation question. Every fact is the app's own, from its
    policy (with the section), or labelled as the legal minimum — never presented as the app's."""
    if request_type == "account_deletion":
        lines = ["注销账号前，请您了解："]
        facts = cancellation_lines(kb) + [transaction_retention_line(kb, TRANSACTION_RECORD_YEARS)]
        cooling = cooling_off_line(kb)
        if cooling:
            facts.append(cooling)
        lines += [f"{number}. {fact}" for number, fact in enumerate(facts, 1)]
        lines.append("确认要注销账号吗？")
    elif request_type == "info_deletion":
        lines = [f"将为您删除：{labels(categories, DATA_CATEGORY_LABELS)}。删除后无法恢复。"]
        if "order" in categories:
            lines.append(transaction_retention_line(kb, TRANSACTION_RECORD_YEARS))
        lines.append("确认删除吗？")
    elif request_type == "data_export":
        lines = [
            "我们会把您的个人信息整理成一个压缩包（每类信息一份 JSON 和 CSV 文件，附中文说明），",
            "生成后提供有时效的下载链接。确认申请导出吗？",
        ]
    elif request_type == "unsubscribe":
        lines = [
            f"退订后将不再向您发送{labels(channels, CHANNEL_LABELS)}；验证码、订单和物流等服务通知不受影响。",
            "确认退订吗？",
        ]
    else:
        raise ValueError(f"unknown request type {request_type!r}")
    return Reply("\n".join(lines), CONFIRM_BUTTONS)


def ask_data_category(kb=None) -> Reply:
    """Which category to delete: the ones the app's policy gives a deletion path for, in its own
    words (观看记录 for a video app), else the categories every app has."""
    own = [(value, label) for value, label in (kb.deletable_categories() if kb is not None else [])
           if value in DATA_CATEGORY_LABELS]
    if own:
        buttons = tuple((label, f'/inform{{"data_category":"{value}"}}') for value, label in own)
        examples = "、".join(label for _, label in own[:5])
        return Reply(f"请问您想删除哪一类信息？例如{examples}。", buttons)
    buttons = tuple((label, f'/inform{{"data_category":"{value}"}}')
                    for value, label in DATA_CATEGORY_LABELS.items()
                    if value not in ("phone_number", "account_info"))
    return Reply("请问您想删除哪一类信息？例如收货地址、浏览记录、搜索记录、评价、人脸信息。", buttons)


def ask_channel() -> Reply:
    buttons = tuple((CHANNEL_LABELS[value], f'/inform{{"channel":"{value}"}}')
                    for value in CONVERSATION_CHANNELS)
    return Reply("请问您想退订哪种营销信息？", buttons)


def ask_phone() -> str:
    return "为核实您的身份，请提供注册账号时使用的手机号，我们会向该号码发送验证码。"


def code_sent(masked_phone: Optional[str]) -> str:
    where = f"尾号 {masked_phone[-4:]} 的手机" if masked_phone else "您的手机"
    return f"验证码已发送至{where}，5 分钟内有效，请输入 6 位验证码。"


def code_prompt_again() -> str:
    return "请输入短信中的 6 位验证码。"


def wrong_code(attempts_left: int) -> str:
    return f"验证码不正确，您还可以再试 {attempts_left} 次。"


def code_expired() -> str:
    return "验证码已过期，已为您重新发送。"


def challenge_locked() -> str:
    return "验证码错误次数过多，本次验证已失效。为保护您的账号安全，申请未提交，请稍后重新发起。"


def rate_limited() -> str:
    return "验证码发送过于频繁，请稍后再试。本次申请未提交。"


def phone_not_registered() -> str:
    return "该手机号未注册账号，无法办理。请确认后重新发起申请，或输入“转人工”咨询。"


def invalid_phone() -> str:
    return "这不是有效的中国大陆手机号，请重新输入 11 位手机号。"


# results ----------------------------------------------------------------------------------------

def filed_request(request, created: bool) -> str:
    """The confirmation after filing: id, status, due date, what happens next."""
    type_label = REQUEST_TYPE_LABELS.get(request.type, request.type)
    if not created and request.status == "completed":
        head = f"您的“{type_label}”申请已经办理完成，无需重复提交。"
    elif not created:
        head = f"您已有一个进行中的“{type_label}”申请，无需重复提交。"
    elif request.status == "completed":
        head = f"已为您办理“{type_label}”，即刻生效。"
    else:
        head = f"已为您提交“{type_label}”申请。"
    lines = [head, f"申请编号：{request.id}", f"当前状态：{status_label(request)}"]
    if request.status not in ("completed", "rejected", "cancelled") and request.due_date:
        if (request.deadline or {}).get("is_default"):
            # the app publishes no deadline: the date is our internal target, not its promise
            lines.append(f"预计 {chinese_date(request.due_date)} 前处理完毕（该应用的隐私政策未写明处理期限，此为预计时间）。")
        else:
            lines.append(f"将在 {chinese_date(request.due_date)} 前{deadline_phrase(request)}处理完毕。")
    if request.cooling_off_ends_at and request.status in OPEN_STATUSES:
        lines.append(f"冷静期至 {chinese_date(request.cooling_off_ends_at)}，在此之前您可以随时撤回。")
    lines.append("您可以随时发送“查询进度”查看办理情况。")
    return "\n".join(lines)


def request_summary(request) -> str:
    line = f"{request.id}｜{REQUEST_TYPE_LABELS.get(request.type, request.type)}｜{status_label(request)}"
    if request.status in OPEN_STATUSES and request.due_date:
        line += f"｜预计 {chinese_date(request.due_date)} 前完成"
    if request.status == "rejected" and request.rejection_reason:
        line += f"｜原因：{request.rejection_reason}"
    download = export_download(request)
    return f"{line}\n{download}" if download else line


def export_download(request) -> Optional[str]:
    """Where a completed export is downloaded, while its link is valid (only the verified owner
    ever sees a request, so only they get the link)."""
    export = getattr(request, "export", None) or {}
    if request.type != "data_export" or request.status != "completed" or not export.get("download_url"):
        return None
    until = export.get("link_expires_at")
    valid = f"（{chinese_datetime(until)}前有效，请勿转发给他人）" if until else "（请勿转发给他人）"
    return f"个人信息副本下载链接{valid}：{export['download_url']}"


def status_report(requests: Iterable) -> str:
    requests = list(requests)
    if not requests:
        return "没有查到您名下的隐私申请记录。"
    lines = [f"您最近的申请（共 {len(requests)} 个）："]
    lines += [request_summary(r) for r in requests[:MAX_REQUESTS_LISTED]]
    return "\n".join(lines)


def cancelled_request(request) -> str:
    return f"已为您撤回申请 {request.id}（{REQUEST_TYPE_LABELS.get(request.type, request.type)}），不会再继续办理。"


def choose_request_to_cancel(candidates: Sequence) -> str:
    lines = ["您有多个可撤回的申请，请告诉我要撤回的申请编号："]
    return "\n".join(lines + [request_summary(r) for r in candidates[:MAX_REQUESTS_LISTED]])


def nothing_to_cancel() -> str:
    return "您目前没有可以撤回的申请。已在处理中或已完成的申请无法撤回，如有疑问可输入“转人工”。"


def not_cancellable(request) -> str:
    return f"申请 {request.id} 当前状态为“{status_label(request)}”，已无法撤回。如有疑问可输入“转人工”。"


def request_not_found(request_id: Optional[str]) -> str:
    which = f"编号为 {request_id} 的" if request_id else "该"
    return f"没有查到{which}申请，请核对申请编号。"


def abandoned() -> str:
    return "好的，已为您取消本次办理，没有提交任何申请。还有其他可以帮您的吗？"


def filing_to_retry(maybe_done: bool) -> str:
    """The backend did not answer at the confirm turn; the confirmation is kept for a retry."""
    if maybe_done:
        head = "抱歉，申请系统响应超时，暂时无法确认申请是否已提交。"
    else:
        head = "抱歉，申请系统暂时无法连接，申请还没有提交成功。"
    return head + "请稍后回复“确认”再试一次（不会重复提交），或发送“查询进度”查看。"


def backend_unavailable() -> str:
    return "抱歉，申请系统暂时无法连接，您的申请尚未提交。请稍后再试，或输入“转人工”。"


def lookup_unavailable() -> str:
    return "抱歉，申请系统暂时无法连接，请稍后再试，或输入“转人工”。"


def identity_expired() -> str:
    return "您的身份验证已过期，请重新发起，我会再次发送验证码。"


# formatting -------------------------------------------------------------------------------------

def labels(values: Sequence[str], vocabulary: dict) -> str:
    return "、".join(vocabulary.get(v, v) for v in values) or "—"


def status_label(request) -> str:
    return STATUS_LABELS.get(request.status, request.status_label or request.status)


def chinese_datetime(value) -> str:
    """2026-12-02T20:00:00+08:00 → 2026年12月2日 20:00 (Beijing time)."""
    moment = datetime.fromisoformat(str(value)).astimezone(BEIJING)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def chinese_date(value) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def deadline_phrase(request) -> str:
    """"（按隐私政策，15个工作日内）" for a deadline the app publishes; nothing for a default."""
    deadline = request.deadline or {}
    days = deadline.get("days")
    if not days or deadline.get("is_default"):
        return ""
    unit = "个工作日" if deadline.get("working_days") else "天"
    return f"（按隐私政策，{days}{unit}内）"


def open_requests(requests: Iterable) -> List:
    return [r for r in requests if r.status in OPEN_STATUSES]


def cancellable_requests(requests: Iterable) -> List:
    return [r for r in requests if r.cancellable]


def pick_request(requests: Sequence, request_id: Optional[str]) -> Tuple[Optional[object], List]:
    """The request the user means: by id, or the only cancellable one; else the candidates."""
    if request_id:
        matching = [r for r in requests if r.id == request_id]
        return (matching[0] if matching else None), []
    candidates = cancellable_requests(requests)
    return (candidates[0], []) if len(candidates) == 1 else (None, candidates)
