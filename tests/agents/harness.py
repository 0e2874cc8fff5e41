"""The workspace on a loopback port, a stand-in for Rasa's HTTP API, and helpers to drive them.

Rasa is not ours: its HTTP API (``/model/parse``, ``/conversations/{id}/tracker``, ``.../events``)
is played by ``FakeRasa`` — canned parses by text, trackers kept in memory, appended events
recorded. The backend and the workspace are the real ones.
"""
from __future__ import annotations

import asyncio
import secrets
import threading
from datetime import timedelta

import requests
from aiohttp import web

from bot.agents.config import AgentSettings
from bot.agents.server import create_app
from bot.backend.services import agents, tickets
from bot.backend.services.context import Actor, Backend
from bot.backend.services.identity import Credentials

RASA_TOKEN = "rasa-" + secrets.token_hex(8)
ASSIST_TOKEN = "assist-" + secrets.token_hex(16)
PASSWORD = "correct horse battery"
CLI = Actor("admin", "cli:test")


def parse_result(text: str, intent: str, confidence: float = 0.9, ranking=(), entities=()) -> dict:
    ranking = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in ranking]
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking,
            "entities": [{"entity": e, "value": v} for e, v in entities]}


class LoopThread:
    """An aiohttp application served on a free loopback port from a background thread."""

    def __init__(self, make_app) -> None:
        self._make_app, self.port = make_app, 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LoopThread":
        self._thread.start()
        assert self._ready.wait(15), "server did not start"
        return self

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self._make_app())
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        pending = asyncio.all_tasks(self.loop)  # streams still waiting for their next event
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(15)


class FakeRasa:
    def __init__(self) -> None:
        self.parses: dict[str, dict] = {}
        self.trackers: dict[str, list] = {}
        self.appended: dict[str, list] = {}
        self.server = LoopThread(self._app).start()
        self.url = self.server.url

    def _app(self) -> web.Application:
        app = web.Application()

        def authorised(request):
            if request.query.get("token") != RASA_TOKEN:
                raise web.HTTPUnauthorized()

        async def parse(request):
            authorised(request)
            text = (await request.json())["text"]
            return web.json_response(self.parses.get(text) or parse_result(text, "nlu_fallback", 0.3))

        async def tracker(request):
            authorised(request)
            conversation = request.match_info["id"]
            return web.json_response({"sender_id": conversation, "events": self.trackers.get(conversation, [])})

        async def append(request):
            authorised(request)
            conversation = request.match_info["id"]
            events = await request.json()
            self.appended.setdefault(conversation, []).extend(events)
            self.trackers.setdefault(conversation, []).extend(events)
            return web.json_response({"sender_id": conversation})

        app.router.add_post("/model/parse", parse)
        app.router.add_get("/conversations/{id}/tracker", tracker)
        app.router.add_post("/conversations/{id}/tracker/events", append)
        return app

    def handed_over(self, conversation: str, user_texts=("怎么注销账号",), platform: str = "app") -> None:
        """A tracker that ends with a handoff (``pause``)."""
        events = []
        for text in user_texts:
            events.append({"event": "user", "text": text, "timestamp": 1.0, "metadata": {"platform": platform},
                           "parse_data": {"intent": {"name": "how_delete_account"}}})
            events.append({"event": "bot", "text": "好的", "timestamp": 2.0})
        events.append({"event": "pause", "timestamp": 3.0})
        self.trackers[conversation] = events

    def stop(self) -> None:
        self.server.stop()


class SentMessages:
    """A WeChat send client that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    async def send(self, app_id: str, openid: str, text: str) -> bool:
        self.sent.append((app_id, openid, text))
        return True


def workspace_settings(rasa_url: str, wechat_apps=()) -> AgentSettings:
    return AgentSettings(host="127.0.0.1", port=0, assist_token=ASSIST_TOKEN, rasa_url=rasa_url,
                         rasa_token=RASA_TOKEN, session_lifetime=timedelta(hours=12), cookie_secure=False,
                         wechat_apps=frozenset(wechat_apps), is_production=False)


def start_workspace(backend: Backend, rasa_url: str, wechat_apps=(), wechat=None) -> LoopThread:
    settings = workspace_settings(rasa_url, wechat_apps)
    return LoopThread(lambda: create_app(backend, settings, wechat=wechat or SentMessages())).start()


def new_agent(backend: Backend, apps, role: str = "agent", all_apps: bool = False, name: str = "小王") -> dict:
    login = f"a{secrets.token_hex(5)}"
    return agents.create_agent(backend, login=login, display_name=name, password=PASSWORD, role=role,
                               apps=list(apps), all_apps=all_apps, actor=CLI)


def new_ticket(backend: Backend, app_id: str, reason: str = "user_request", conversation: str | None = None,
               summary: str = "应用：测试\n最近对话：\n用户：我的手机 13912345678 怎么注销") -> dict:
    conversation = conversation or "c-" + secrets.token_urlsafe(12)
    return tickets.create_handoff(backend, app_id=app_id, conversation_id=conversation, reason=reason,
                                  summary=summary, creds=Credentials(conversation_id=conversation))


class Console:
    """An agent's browser: the session cookie kept by requests, the CSRF header sent on changes."""

    def __init__(self, workspace: LoopThread) -> None:
        self.base, self.http, self.csrf = workspace.url, requests.Session(), ""

    def login(self, login: str, password: str = PASSWORD) -> requests.Response:
        response = self.http.post(self.base + "/api/login", json={"login": login, "password": password}, timeout=30)
        if response.ok:
            self.csrf = response.json()["csrf_token"]
        return response

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=30)

    def post(self, path: str, body=None, csrf: bool = True) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.http.post(self.base + path, json=body or {}, headers=headers, timeout=30)
