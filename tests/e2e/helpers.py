"""Talking to the running help desk in end-to-end tests."""
import re
import uuid
from pathlib import Path

import requests

from bot.devserver import LocalStack

CODE_IN_SMS = re.compile(r"验证码为(\d{6})")


class Chat:
    """One conversation with the bot through the in-app chat channel."""

    def __init__(self, stack: LocalStack, app: str, platform: str = "app", token: str = None):
        self.stack, self.sender = stack, "e2e-" + uuid.uuid4().hex[:12]
        self.metadata = {"app": app, "platform": platform, **({"user_token": token} if token else {})}

    def send(self, text: str) -> str:
        """The bot's replies to ``text``, joined by newlines."""
        response = requests.post(f"{self.stack.url('rasa')}/webhooks/app_chat/webhook", timeout=60,
                                 json={"sender": self.sender, "message": text, "metadata": self.metadata})
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())


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
