"""The command line, the SMS gateway adapter, the client's retries and the dev-only endpoint."""
from __future__ import annotations

import dataclasses
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from bot.backend.client import BackendClient, Subject, Unavailable
from bot.backend.config import REPO_ROOT
from bot.backend.models import DevOutboxMessage, PrivacyRequest, SmsMessage, VerificationChallenge
from bot.backend.services import filing, sms
from bot.backend.services.delivery import GatewaySender
from bot.backend.services.identity import Credentials
from tests.backend.helpers import DemoUser, make_app


class FakeHTTP:
    """A loopback HTTP server answering from a list of (status, body) and recording requests."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.calls.append({"path": self.path, "headers": dict(self.headers),
                                   "body": self.rfile.read(length)})
                status, body = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env, *args) -> str:
    result = subprocess.run([sys.executable, "-m", "bot.backend", *args], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "PRIVACY_"))}
    env.update(BACKEND_VAR_DIR=str(tmp_path / "var"), PRIVACY_ENV="dev")
    return env


def test_cli_seeds_demo_users_prints_tokens_outbox_requests_and_overdue(cli_env):
    assert "database at head" in run_cli(cli_env, "migrate")
    assert "melochi: 3 demo users" in run_cli(cli_env, "seed-demo")
    assert "melochi: 3 demo users" in run_cli(cli_env, "seed-demo")  # idempotent
    header, *lines = run_cli(cli_env, "demo-users", "--app", "melochi").strip().splitlines()
    assert len(lines) == 3 and header.startswith("app\t")
    app_id, app_user_id, _, phone, token = lines[0].split("\t")
    assert app_id == "melochi" and phone == "13900001001" and token.count(".") == 2
    assert "0 request(s)" in run_cli(cli_env, "requests", "list")
    assert "Overdue as of" in run_cli(cli_env, "overdue")
    run_cli(cli_env, "outbox", "--app", "melochi")
    assert json.loads(run_cli(cli_env, "worker", "--once"))["executed"] == 0


def test_serve_command_runs_the_api_with_worker_and_stops_on_sigterm(cli_env):
    port = free_port()
    run_cli(cli_env, "seed-demo", "--app", "yhd")
    token_line = run_cli(cli_env, "demo-users", "--app", "yhd").splitlines()[1]
    process = subprocess.Popen([sys.executable, "-m", "bot.backend", "serve", "--port", str(port),
                                "--with-worker"], cwd=REPO_ROOT, env={**cli_env, "BACKEND_WORKER_INTERVAL": "0.2"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = BackendClient(f"http://127.0.0.1:{port}", _service_token(cli_env), retries=0)
        deadline = time.time() + 30
        while True:
            try:
                assert client.health()["status"] == "ok"
                break
            except Unavailable:
                assert time.time() < deadline and process.poll() is None, "server did not start"
                time.sleep(0.2)
        filed = client.file_request("yhd", "unsubscribe", subject=Subject(user_token=token_line.split("\t")[4]),
                                    channels=["sms"])
        assert filed.request.status == "completed"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output


def _service_token(env) -> str:
    from bot.backend.config import load_settings

    return load_settings(env).service_token


def test_codes_go_to_the_sms_gateway_when_configured(backend):
    gateway = FakeHTTP([(200, {"ok": True})])
    try:
        via_gateway = dataclasses.replace(backend, sms_sender=GatewaySender(gateway.url + "/send", "gw-key"))
        app = make_app(backend, name="一号店")
        user = DemoUser(backend, app)
        challenge = filing.start_verification(via_gateway, app_id=app, phone=None,
                                              creds=Credentials(user_token=user.token))
        sent = json.loads(gateway.calls[0]["body"])
        assert sent["phone"] == user.phone and "【一号店】您的验证码为" in sent["message"]
        assert gateway.calls[0]["headers"]["Authorization"] == "Bearer gw-key"
        with backend.sessions() as session:
            assert session.execute(select(DevOutboxMessage).where(
                DevOutboxMessage.challenge_id == challenge["challenge_id"])).first() is None
    finally:
        gateway.close()


def test_a_failing_sms_gateway_never_fails_the_filing_and_the_worker_sends_the_code_later(backend):
    gateway = FakeHTTP([(500, {"error": "down"}), (200, {"ok": True})])
    try:
        via_gateway = dataclasses.replace(backend, sms_sender=GatewaySender(gateway.url + "/send", None))
        app = make_app(backend)
        user = DemoUser(backend, app)
        filed, created = filing.file_request(via_gateway, app_id=app, type_="data_export", categories=None,
                                             channels=None, phone=None, idempotency_key="gateway-down-1",
                                             creds=Credentials(user_token=user.token))
        assert created and filed["status"] == "identity_unverified" and len(gateway.calls) == 1
        challenge_id = filed["verification"]["challenge_id"]
        with backend.sessions() as session:
            waiting = session.execute(select(SmsMessage).where(SmsMessage.challenge_id == challenge_id)).scalar_one()
        assert waiting.status == "pending" and waiting.attempts == 1 and user.phone not in str(waiting.phone_encrypted)
        backend.clock.advance(seconds=3)
        assert sms.deliver_due(via_gateway) == 1
        assert json.loads(gateway.calls[1]["body"])["phone"] == user.phone
        with backend.sessions() as session:
            sent = session.get(SmsMessage, waiting.id)
        assert sent.status == "sent" and sent.phone_encrypted is None and sent.body_encrypted is None
    finally:
        gateway.close()


def test_the_filing_transaction_has_committed_before_the_gateway_is_called(backend):
    app = make_app(backend)
    user = DemoUser(backend, app)
    seen = {}

    class Observer:
        def send(self, _backend, *, challenge_id, **_):
            with backend.sessions() as session:  # another connection: sees only committed rows
                seen["request"] = session.execute(select(func.count()).select_from(PrivacyRequest).where(
                    PrivacyRequest.app_id == app)).scalar_one()

    filing.file_request(dataclasses.replace(backend, sms_sender=Observer()), app_id=app, type_="data_export",
                        categories=None, channels=None, phone=None, idempotency_key="observed-1",
                        creds=Credentials(user_token=user.token))
    assert seen == {"request": 1}


def test_a_code_that_expired_before_it_could_be_sent_is_not_sent(backend):
    gateway = FakeHTTP([(500, {"error": "down"})])
    try:
        via_gateway = dataclasses.replace(backend, sms_sender=GatewaySender(gateway.url + "/send", None))
        app = make_app(backend)
        user = DemoUser(backend, app)
        challenge = filing.start_verification(via_gateway, app_id=app, phone=None,
                                              creds=Credentials(user_token=user.token))
        backend.clock.advance(minutes=6)
        sms.deliver_due(via_gateway)
        assert len(gateway.calls) == 1  # only the first, failed attempt
        with backend.sessions() as session:
            message = session.execute(select(SmsMessage).where(
                SmsMessage.challenge_id == challenge["challenge_id"])).scalar_one()
        assert message.status == "failed" and message.last_error == "expired"
    finally:
        gateway.close()


def test_the_client_retries_reads_on_5xx_but_not_code_checks():
    flaky = FakeHTTP([(503, {"error": {"code": "unavailable", "message": "down"}}),
                      (502, {}), (200, {"status": "ok"})])
    try:
        client = BackendClient(flaky.url, "token", retries=3, backoff=0.01)
        assert client.health() == {"status": "ok"}
        assert len(flaky.calls) == 3
        failing = FakeHTTP([(503, {"error": {"code": "unavailable", "message": "down"}})])
        try:
            with pytest.raises(Unavailable):
                BackendClient(failing.url, "token", retries=3, backoff=0.01).check_code("VCx", "123456")
            assert len(failing.calls) == 1
        finally:
            failing.close()
    finally:
        flaky.close()


def test_the_client_reports_an_unreachable_backend_as_unavailable():
    client = BackendClient(f"http://127.0.0.1:{free_port()}", "token", retries=2, backoff=0.01,
                           connect_timeout=0.5)
    with pytest.raises(Unavailable):
        client.list_requests("melochi", Subject(user_token="x"))


def test_demo_users_endpoint_needs_the_admin_token_lists_only_demo_users_and_is_absent_in_production(
        backend, server):
    app = make_app(backend)
    demo, real = DemoUser(backend, app, demo=True), DemoUser(backend, app)
    url, admin = f"{server.url}/v1/dev/demo-users", {"Authorization": f"Bearer {backend.settings.admin_token}"}
    for headers in ({}, {"Authorization": f"Bearer {backend.settings.service_token}"}):
        refused = requests.get(url, params={"app": app}, headers=headers, timeout=10)
        assert refused.status_code == 401 and "user_token" not in refused.text
    listed = requests.get(url, params={"app": app}, headers=admin, timeout=10).json()
    assert [u["app_user_id"] for u in listed["users"]] == [demo.app_user_id]  # never a real user
    assert real.app_user_id not in str(listed)
    assert listed["users"][0]["phone_masked"] == demo.phone[:3] + "****" + demo.phone[-4:]
    backend.settings.env = "production"
    try:
        hidden = requests.get(url, params={"app": app}, headers=admin, timeout=10)
        assert hidden.status_code == 404
    finally:
        backend.settings.env = "dev"
