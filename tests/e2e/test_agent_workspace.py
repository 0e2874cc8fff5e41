"""The agent workspace with the whole help desk running, in headless Chromium with two pages: a
user asks for a human, an agent logs in, claims the conversation, sees the assist panel, sends a
suggestion, the user sees it live, the agent hands back and the bot answers again — and no phone
number reaches the agent's page or any log."""
import re
import secrets
import subprocess
import sys

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from bot.devserver import REPO
from tests.e2e.helpers import Chat, log_files
from tests.e2e.test_chat_page import CHROMIUM, CHROMIUM_FLAGS

PASSWORD = "an agent's long password"
PHONE = "13900004002"


def create_agent(stack, apps: str, name: str) -> str:
    login = "e2e-" + secrets.token_hex(4)
    subprocess.run([sys.executable, "-m", "bot.backend", "agents", "create", "--login", login, "--name", name,
                    "--apps", apps], cwd=REPO, env=stack.environment, input=PASSWORD + "\n", text=True,
                   check=True, capture_output=True)
    return login


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def new_page(browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(30_000)
    return page


def user_sends(page, text):
    page.fill("#message", text)
    page.click("#send")


def test_a_conversation_handed_to_an_agent_and_back_to_the_bot(stack, browser):
    login = create_agent(stack, "tego", "小唐")
    user, agent = new_page(browser), new_page(browser)

    user.goto(f"{stack.url('web')}/")
    user.select_option("#app", "tego")
    user.select_option("#user", "")
    user_sends(user, "转人工")
    expect(user.locator("#log li.bot").last).to_contain_text("人工客服")
    user_sends(user, f"电脑上怎么注销账号？我的手机是{PHONE}")
    expect(user.locator("#log li.bot").last).to_contain_text(re.compile("已收到您的消息"))

    agent.goto(f"{stack.url('agent')}/")
    agent.fill("#login", login)
    agent.fill("#password", PASSWORD)
    agent.click("#login-submit")
    waiting = agent.locator("#queue li", has_text="tego").first
    expect(waiting).to_contain_text("排队中")
    waiting.click()
    agent.click("#claim")
    expect(agent.locator("#ticket-meta")).to_contain_text("小唐")
    expect(agent.locator("#assist-intent")).to_contain_text(re.compile(r"how_delete_account|request_account_deletion"))
    first = agent.locator("#suggestions > li").first
    expect(first.locator(".intent")).to_contain_text("how_delete_account")  # "do it for me" → the how-to
    expect(first).to_contain_text("依据条款")
    expect(first.locator("ol.steps li").first).to_be_visible()
    suggestion = first.locator(".text").inner_text()
    first.locator(".send-suggestion").click()

    expect(user.locator("#log li.agent").last).to_contain_text("人工客服小唐", timeout=5_000)
    expect(user.locator("#log li.agent").last).to_contain_text(suggestion.splitlines()[0])

    agent.click("#handback")
    expect(user.locator("#log li.system").last).to_contain_text("智能助手将继续")
    user_sends(user, "营销短信怎么退订")
    expect(user.locator("#log li.bot").last).to_contain_text("退订")

    shown = agent.locator("body").inner_text()
    assert PHONE not in shown and "139****4002" in shown
    agent.screenshot(path=str(stack.logs / "agent_workspace.png"))
    user.screenshot(path=str(stack.logs / "agent_workspace_user.png"))
    for log in log_files(stack):
        assert PHONE not in log.read_text(errors="replace"), log.name


def logged_in(stack, apps: str, name: str) -> requests.Session:
    http = requests.Session()
    answer = http.post(f"{stack.url('agent')}/api/login", json={"login": create_agent(stack, apps, name),
                                                               "password": PASSWORD}, timeout=30)
    assert answer.ok, answer.text
    return http


def test_no_session_no_access_and_another_apps_agent_sees_nothing(stack):
    base = stack.url("agent")
    assert requests.get(f"{base}/api/queue", timeout=10).status_code == 401
    assert "人工客服" in Chat(stack, "tego").send("转人工")
    tego, melochi = logged_in(stack, "tego", "小唐"), logged_in(stack, "melochi", "小美")
    waiting = [t for t in tego.get(f"{base}/api/queue", timeout=10).json()["items"] if t["status"] == "open"]
    assert waiting
    assert all(t["app"] == "melochi" for t in melochi.get(f"{base}/api/queue", timeout=10).json()["items"])
    assert melochi.get(f"{base}/api/tickets/{waiting[0]['id']}", timeout=10).status_code == 404
