"""Conversations over WeChat against the running help desk: the simulator plays WeChat and mini-program
users; the Rasa server's wechat channel, the action server and the backend answer for real."""
import re
import time
import uuid

import requests

from bot.channels.wechat import wording
from tests.e2e.helpers import demo_users, latest_code, log_files

REQUEST_ID = re.compile(r"PR-[0-9A-HJKMNP-TV-Z]{10}")


class WeChatUser:
    """One mini-program user of one app, talking through the stack's WeChat simulator."""

    def __init__(self, stack, app: str) -> None:
        self.stack, self.app = stack, app
        self.openid = "oE2E" + uuid.uuid4().hex[:24]
        self.base = f"{stack.url('wechat_sim')}/sim/apps/{app}/users/{self.openid}"

    @property
    def sender(self) -> str:
        return f"wechat:{self.app}:{self.openid}"

    def push(self, text: str = None, kind: str = "text") -> dict:
        answer = requests.post(f"{self.base}/messages", json={"type": kind, "text": text}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def say(self, text: str = None, kind: str = "text", timeout: float = 60) -> str:
        """The reply to what the user sends (WeChat acknowledged at once; the reply came later)."""
        pushed = self.push(text, kind)
        assert pushed["outcome"] == "acknowledged", pushed
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entries = requests.get(f"{self.base}/log", params={"after": pushed["seq"], "wait": 5}, timeout=30).json()
            replies = [e["text"] for e in entries["entries"] if e["kind"] == "bot" and e.get("reply_to") == pushed["seq"]]
            if replies:
                return "\n".join(replies)
        raise AssertionError(f"no reply to {text!r} within {timeout} s")


def user_of(stack, app, index):
    return [u for u in demo_users(stack) if u[0] == app][index]


def test_opening_the_chat_greets_and_a_policy_question_is_answered_from_the_apps_policy(stack):
    user = WeChatUser(stack, "melochi")
    assert "隐私助手" in user.say(kind="enter")
    reply = user.say("你们的客服邮箱是多少")
    assert "1391718307@qq.com" in reply and "依据" in reply


def test_a_picture_gets_the_text_only_notice(stack):
    assert WeChatUser(stack, "liqun").say(kind="image") == wording.ONLY_TEXT


def test_a_full_account_deletion_over_wechat_verified_with_the_code(stack):
    app, _, _, phone, _ = user_of(stack, "yhd", 1)
    user = WeChatUser(stack, app)
    offer = user.say("我要注销账号")
    assert "确认" in offer and "1. " in offer and "（回复数字即可）" in offer
    assert "手机号" in user.say("1")  # the number picks the first offered choice
    assert "验证码已发送" in user.say(phone)
    filed = user.say(f"验证码是{latest_code(stack, app, phone)}")
    request_id = REQUEST_ID.search(filed).group()
    assert "已为您提交" in filed
    assert request_id in user.say("我的申请进度怎么样了")


def test_a_handoff_passes_the_user_to_wechat_customer_service_and_the_bot_stays_silent(stack):
    user = WeChatUser(stack, "tego")
    handed = user.say("转人工")
    assert "人工客服" in handed and wording.HANDOFF_NEXT_STEP in handed
    assert user.push("你好，有人吗")["outcome"] == "transferred"
    assert user.push("我想注销账号")["outcome"] == "transferred"


def test_wechat_history_and_logs_hold_no_phone_number_code_or_full_openid(stack):
    app, _, _, phone, _ = user_of(stack, "melochi", 1)
    user = WeChatUser(stack, app)
    user.say("帮我导出我的个人信息")
    user.say("1")
    user.say(phone)
    code = latest_code(stack, app, phone)
    assert REQUEST_ID.search(user.say(code))
    tracker = requests.get(f"{stack.url('rasa')}/conversations/{user.sender}/tracker",
                           params={"token": stack.auth_token}, timeout=30).text
    assert phone not in tracker and code not in tracker
    for log in log_files(stack):
        text = log.read_text(encoding="utf-8", errors="replace")
        assert phone not in text and not re.search(rf"(?<!\d){code}(?!\d)", text), log.name
        assert user.openid not in text, log.name
