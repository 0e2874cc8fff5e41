"""The WeChat simulator's page in headless Chromium: a person chats as a mini-program user."""
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.test_chat_page import CHROMIUM, CHROMIUM_FLAGS


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


def test_chatting_as_a_mini_program_user_on_the_simulator_page(stack, page):
    page.goto(f"{stack.url('wechat_sim')}/")
    page.select_option("#app", "melochi")
    expect(page.locator("#user option")).to_have_count(3)
    page.select_option("#user", index=1)
    expect(page.locator("#mode")).to_contain_text(re.compile("模式"))

    page.click("#enter")
    bot_says(page, "隐私助手")
    page.fill("#message", "你们的客服邮箱是多少")
    page.click("#send")
    bot_says(page, "1391718307@qq.com")
    expect(page.locator("#status")).to_contain_text("success")
    page.click("#image")
    bot_says(page, "只能理解文字")
    page.screenshot(path=str(stack.logs / "wechat_sim_page.png"))
