"""Two of every part behind nginx on PostgreSQL and Redis, and one of each killed mid-traffic.

Fifty users, each in their own anonymous chat conversation, ask for a copy of their data, confirm,
give their phone and the code the (dev) SMS brought them. While they do, one Rasa server, one
action server, one backend and one worker are SIGKILLed in turn and started again. A user does
what a user does: answers what the bot asks, and sends the same message again when told to retry.
Every user must end with exactly one filed request, every reply must be an answer or a clear
"please retry" (never silence or a 5xx page), and the audit trail must record every filing.
"""
from __future__ import annotations

import random
import re
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
import requests
import sqlalchemy as sa

from bot.backend.api.admin_routes import read_outbox
from bot.backend.config import load_settings
from bot.backend.services.context import Backend
from bot.backend.services.demo import create_user
from bot.scaled import ScaledStack, UNAVAILABLE_JSON

USERS, APP = 50, "tego"
REQUEST_ID = re.compile(r"PR-[0-9A-HJKMNP-TV-Z]{10}")
CODE_IN_SMS = re.compile(r"验证码为(\d{6})")
REDIS_DB = 5
# the clear "please retry" answers of each layer: nginx, our chat channel, our Rasa patches, the flow
RETRY_SIGNS = ("稍后再试", "稍后重试", "再试一次")
USER_DEADLINE_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def phone_of(index: int) -> str:
    return f"1370000{index:04d}"  # made-up numbers, one per user


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    prefix = "faults_" + uuid.uuid4().hex[:8]
    ports = {name: free_port() for name in ("rasa", "actions", "backend", "web")}
    stack = ScaledStack(2, ports, tmp_path_factory.mktemp("scaled"), database_prefix=prefix,
                        redis_db=REDIS_DB,
                        extra_env={"RASA_AUTH_TOKEN": "faults-" + uuid.uuid4().hex,
                                   "BACKEND_ADMIN_TOKEN": "faults-admin-" + uuid.uuid4().hex})
    try:
        with stack:
            yield stack
    finally:
        stack.discard_data()


@pytest.fixture(scope="module")
def backend(scaled):
    """The stack's backend database, read directly: the users' phones and the audit trail."""
    backend = Backend.from_settings(load_settings(scaled.environment), migrate=False)
    with backend.transaction() as session:
        now = datetime.now(timezone.utc)
        for index in range(USERS):
            create_user(session, APP, 1000 + index, phone=phone_of(index), app_user_id=f"tg_fault_{index}",
                        openid=None, now=now)
    return backend


@dataclass
class User:
    """One user's side of the conversation, and everything they were told."""
    index: int
    stack: ScaledStack
    backend: Backend
    sender: str = ""
    token: str = ""
    request_ids: set = field(default_factory=set)
    replies: Counter = field(default_factory=Counter)   # answer | retry | failure kinds
    failures: list = field(default_factory=list)
    codes_seen: int = 0

    @property
    def phone(self) -> str:
        return phone_of(self.index)

    def _post(self, path: str, body: dict) -> requests.Response | None:
        try:
            return requests.post(f"{self.stack.url('rasa')}{path}", json=body, timeout=90)
        except requests.RequestException as exc:
            self.failures.append(f"no HTTP answer: {type(exc).__name__}")
            return None

    def _is_clear_retry(self, response: requests.Response) -> bool:
        if response.status_code != 503:
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        return body.get("error") == "assistant_unavailable" and bool(body.get("message"))

    def start(self) -> bool:
        response = self._post("/webhooks/app_chat/conversations", {"app": APP})
        if response is not None and response.status_code == 201:
            self.sender, self.token = response.json()["sender"], response.json()["conversation_token"]
            return True
        self._judge_error(response)
        return False

    def _judge_error(self, response: requests.Response | None) -> None:
        if response is None:
            return
        if self._is_clear_retry(response):
            self.replies["retry"] += 1
        else:
            self.failures.append(f"HTTP {response.status_code}: {response.text[:120]}")

    def say(self, text: str) -> str | None:
        """The bot's replies joined, or None when the user was (clearly) told to try again."""
        response = self._post("/webhooks/app_chat/webhook", {
            "sender": self.sender, "conversation_token": self.token, "message": text,
            "metadata": {"app": APP, "platform": "app"}})
        if response is None or response.status_code != 200:
            self._judge_error(response)
            return None
        texts = [m.get("text", "") for m in response.json()]
        reply = "\n".join(texts).strip()
        if not reply:
            self.failures.append(f"silence after {text!r}")
            return None
        if any(sign in reply for sign in RETRY_SIGNS) and not REQUEST_ID.search(reply):
            self.replies["retry"] += 1
            return None
        self.replies["answer"] += 1
        return reply

    def latest_code(self) -> str | None:
        """The newest code the SMS brought that this user has not used yet (waits for the worker)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            messages = read_outbox(self.backend, app_id=APP, phone=self.phone, challenge_id=None, limit=1)
            if messages and messages[0]["id"] > self.codes_seen:
                self.codes_seen = messages[0]["id"]
                return CODE_IN_SMS.search(messages[0]["body"]).group(1)
            time.sleep(0.5)
        return None

    def next_message(self, reply: str, last: str) -> str | None:
        """What a user answers to ``reply``; None when the request is filed."""
        found = REQUEST_ID.search(reply)
        if found:
            self.request_ids.add(found.group())
            return None
        if "验证码" in reply and ("已发送" in reply or "不正确" in reply or "重新" in reply):
            return self.latest_code() or last
        if "手机号" in reply:
            return self.phone
        if "确认" in reply:
            return "确认"
        return "帮我导出我的个人信息"

    def run(self, start_at: float) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        deadline = time.monotonic() + USER_DEADLINE_SECONDS
        while not self.start():
            if time.monotonic() > deadline:
                return
            time.sleep(1)
        message = "帮我导出我的个人信息"
        while time.monotonic() < deadline and len(self.failures) < 5:
            reply = self.say(message)
            if reply is None:
                time.sleep(1)  # told to retry: the same message again, as a user would
                continue
            message = self.next_message(reply, message)
            if message is None:
                return
            time.sleep(random.uniform(0.3, 1.0))  # reading and typing


def kill_and_restart_each_part(stack: ScaledStack, log: list) -> None:
    """SIGKILL one process of each part in turn while users are mid-flow, then start it again."""
    time.sleep(6)
    for name in ("rasa-1", "actions-1", "backend-1", "worker-1"):
        stack.kill(name, signal.SIGKILL)
        log.append((time.time(), "killed", name))
        time.sleep(2)
        stack.restart(name)
        log.append((time.time(), "restarted", name))
        time.sleep(3)


def test_fifty_verified_requests_survive_killing_one_of_each_part(scaled, backend):
    users = [User(index, scaled, backend) for index in range(USERS)]
    begin = time.time() + 1
    threads = [threading.Thread(target=user.run, args=(begin + index * 0.5,), daemon=True)
               for index, user in enumerate(users)]
    events: list = []
    killer = threading.Thread(target=kill_and_restart_each_part, args=(scaled, events), daemon=True)
    for thread in threads + [killer]:
        thread.start()
    killer.join(timeout=400)
    for thread in threads:
        thread.join(timeout=USER_DEADLINE_SECONDS + 60)

    assert [what for _, what, _ in events].count("restarted") == 4, events
    failures = {user.index: user.failures for user in users if user.failures}
    assert not failures, failures  # never silence, a 5xx page or a dropped connection
    unfinished = [user.index for user in users if len(user.request_ids) != 1]
    assert not unfinished, unfinished

    with backend.sessions() as session:
        rows = session.execute(sa.text(
            "SELECT u.phone, r.id FROM privacy_requests r JOIN users u ON u.id = r.user_id "
            "WHERE u.app_id = :app AND u.phone LIKE '1370000%' AND r.type = 'data_export'"),
            {"app": APP}).all()
        filed_audit = {row.entity_id for row in session.execute(sa.text(
            "SELECT entity_id FROM audit_events WHERE action = 'request.filed'"))}
    per_phone = Counter(phone for phone, _ in rows)
    assert sorted(per_phone) == sorted(user.phone for user in users)
    assert set(per_phone.values()) == {1}, per_phone          # filed exactly once each
    assert {request_id for _, request_id in rows} == set().union(*(u.request_ids for u in users))
    assert {request_id for _, request_id in rows} <= filed_audit  # and each filing audited

    told = sum((user.replies for user in users), Counter())
    print(f"\nfaults: {told['answer']} answers, {told['retry']} clear retries, events {events}")
    assert told["answer"] >= USERS * 4


def test_nginx_answers_json_not_an_html_page_when_no_process_can_take_the_request(scaled):
    for name in scaled.names("backend"):
        scaled.kill(name, signal.SIGKILL)
    try:
        response = requests.get(f"{scaled.url('backend')}/health", timeout=30)
        assert response.status_code == 503
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.text == UNAVAILABLE_JSON
    finally:
        for name in scaled.names("backend"):
            scaled.restart(name)
    # nginx takes a process that failed back after its fail_timeout (3 s)
    deadline = time.monotonic() + 15
    while requests.get(f"{scaled.url('backend')}/health", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the restarted backends never came back behind nginx"
        time.sleep(0.5)
