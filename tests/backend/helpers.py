"""Test helpers: a movable clock, a downstream webhook receiver, apps and users with real data."""
from __future__ import annotations

import http.server
import itertools
import json
import secrets
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import requests

from bot.backend.client import Subject
from bot.backend.models import App, DevOutboxMessage
from bot.backend.security import issue_host_token
from bot.backend.services.context import Backend
from bot.backend.services.demo import create_user


def pg_schema_url(base_url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use ``schema`` (works for subprocesses too)."""
    return f"{base_url}?options={quote(f'-csearch_path={schema}')}"


class Clock:
    """Real time plus an offset tests can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, **kwargs) -> None:
        self.offset += timedelta(**kwargs)


class WebhookReceiver:
    """A downstream system on loopback that can be taken down (503) and brought back."""

    def __init__(self) -> None:
        self.up = True
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append({"headers": dict(self.headers), "body": body,
                                          "json": json.loads(body)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events_for(self, request_id: str) -> list[dict]:
        return [r for r in self.received if r["json"]["request_id"] == request_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Admin:
    def __init__(self, server, token):
        self.base, self.http = server.url, requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **params):
        response = self.http.get(self.base + path, params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path, body=None, expect=200):
        response = self.http.post(self.base + path, json=body or {}, timeout=30)
        assert response.status_code == expect, response.text
        return response.json()


def make_app(backend: Backend, *, deadline_days: int = 15, working_days: bool = True,
             cooling_off_days: int | None = None, name: str = "测试商城") -> str:
    app_id = "t" + secrets.token_hex(6)
    with backend.transaction() as session:
        session.add(App(id=app_id, name=name, deadline_days=deadline_days,
                        deadline_working_days=working_days, deadline_is_default=False,
                        cooling_off_days=cooling_off_days, updated_at=backend.now()))
    return app_id


_ID_SEQUENCE = itertools.count()


class DemoUser:
    def __init__(self, backend: Backend, app_id: str, **kwargs):
        self.app_id = app_id
        self.phone = "139" + f"{secrets.randbelow(10**8):08d}"
        self.app_user_id = "u" + secrets.token_hex(5)
        self.openid = "oT" + secrets.token_hex(12)
        with backend.transaction() as session:
            # Unique name, address and ID number, so a scan for them cannot hit another test's user.
            user = create_user(session, app_id, secrets.randbelow(6), phone=self.phone,
                               app_user_id=self.app_user_id, openid=self.openid, now=backend.now(),
                               real_name="测" + "".join(secrets.choice("明华强丽军秀英桂兰") for _ in range(4)),
                               id_sequence=next(_ID_SEQUENCE) % 1000,
                               street_suffix=f"{secrets.randbelow(10**6)}号",
                               nickname=f"昵称{secrets.token_hex(4)}", **kwargs)
            self.id = user.id
            self.id_number = user.id_number
            self.email = user.email
        self.token = issue_host_token(app_id, self.app_user_id, backend.settings.host_token_secret(app_id))
        self.subject = Subject(user_token=self.token)

    def personal_values(self, backend: Backend) -> set[str]:
        """Every identifying string seeded for this user (checked to be gone after erasure)."""
        from sqlalchemy import select

        from bot.backend.models import Address, Invoice, Order, User

        with backend.sessions() as session:
            user = session.get(User, self.id)
            values = {self.phone, self.app_user_id, self.openid, self.id_number, self.email,
                      user.real_name, user.nickname}
            values |= {a.detail for a in session.execute(select(Address).where(
                Address.user_id == self.id)).scalars()}
            values |= {o.shipping_address for o in session.execute(select(Order).where(
                Order.user_id == self.id)).scalars()}
            values |= {i.title for i in session.execute(select(Invoice).where(
                Invoice.user_id == self.id)).scalars()}
        return {v for v in values if v}


def read_code(backend: Backend, challenge_id: str) -> str:
    from sqlalchemy import select

    with backend.sessions() as session:
        body = session.execute(select(DevOutboxMessage.body).where(
            DevOutboxMessage.challenge_id == challenge_id)
            .order_by(DevOutboxMessage.id.desc())).scalars().first()
    return body.split("验证码为")[1][:6]


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"
