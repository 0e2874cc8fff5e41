"""Talking to the running help desk in end-to-end tests."""
import re
from pathlib import Path

import requests

from bot.devserver import LocalStack

CODE_IN_SMS = re.compile(r"验证码为(\d{6})")


class Chat:
    """One conversation with the bot through the in-app chat channel."""

    def __init__(self, stack: LocalStack, app: str, platform: str = "app", token: str = None):
        self.stack = stack
        started = requests.post(f"{stack.url('rasa')}/webhooks/app_chat/conversations", json={"app": app},
                                timeout=30)
        assert started.status_code == 201, started.text
        self.sender = started.json()["sender"]
        self.conversation_token = started.json()["conversation_token"]
        self.metadata = {"app": app, "platform": platform, **({"user_token": token} if token else {})}

    def post(self, text: str, **overrides) -> requests.Response:
        body = {"sender": self.sender, "conversation_token": self.conversation_token, "message": text,
                "metadata": self.metadata, **overrides}
        return requests.post(f"{self.stack.url('rasa')}/webhooks/app_chat/webhook", json=body, timeout=60)

    def replies(self, text: str) -> list:
        response = self.post(text)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, text: str) -> str:
        """The bot's replies to ``text``, joined by newlines."""
        return "\n".join(m.get("text", "") for m in self.replies(text))


def demo_users(stack: LocalStack):
    """(app, user id, nickname, phone, token) of every demo user."""
    lines = stack.backend_command("demo-users").strip().splitlines()[1:]
    return [tuple(line.split("\t")) for line in lines]


def latest_code(stack: LocalStack, app: str, phone: str) -> str:
    """The newest one-time code the dev outbox 'sent' to ``phone`` for ``app``."""
    outbox = stack.backend_command("outbox", "--app", app, "--phone", phone, "--limit", "1")
    codes = CODE_IN_SMS.findall(outbox)
    assert codes, f"no code in the dev outbox for that phone: {outbox!r}"
    return codes[-1]


def log_files(stack: LocalStack):
    return sorted(Path(stack.logs).glob("*.log"))
