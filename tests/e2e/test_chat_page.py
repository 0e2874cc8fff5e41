"""The chat page in headless Chromium (Debian's): one full question-and-request conversation."""
import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.helpers import demo_users, latest_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# no background networking: this machine has no internet and Chromium would keep trying
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(stack):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def bot_says(page, pattern):
    expect(page.locator("#log li.bot").last).to_contain_text(re.compile(pattern))


def test_question_then_verified_deletion_request_on_the_chat_page(stack, page):
    app, _, _, phone, _ = [u for u in demo_users(stack) if u[0] == "tego"][2]
    page.goto(f"{stack.url('web')}/")
    page.select_option("#app", app)
    expect(page.locator("#user option")).to_have_count(4)  # anonymous + three demo users
    page.select_option("#user", "")

    page.fill("#message", "怎么注销账号？")
    page.click("#send")
    bot_says(page, "账号注销")
    page.get_by_role("button", name="好的，帮我办理").click()
    bot_says(page, "确认要注销账号吗")
    page.get_by_role("button", name="确认提交").click()
    bot_says(page, "手机号")
    page.fill("#message", phone)
    page.click("#send")
    bot_says(page, "验证码已发送")
    page.fill("#message", latest_code(stack, app, phone))
    page.click("#send")
    bot_says(page, r"申请编号：PR-[0-9A-Z]{10}")
    page.screenshot(path=str(stack.logs / "chat_page.png"))
