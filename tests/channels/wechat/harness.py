"""Real servers on loopback for the WeChat channel's tests: the channel in a Sanic server, and the
WeChat simulator as its peer — each in its own thread and event loop, on free ports.

``ScriptedAssistant`` stands in for Rasa's agent at the input-channel boundary (the callable a
channel's blueprint is given): it records every ``UserMessage`` and answers from a small script,
so these tests exercise the protocol without loading a model. The end-to-end tests
(``tests/e2e/test_wechat_*.py``) run the real assistant.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional

import aiohttp
import requests
from aiohttp import web
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.config import env_prefix
from bot.channels.wechat_sim.credentials import SimulatedApp, new_app
from bot.channels.wechat_sim.server import Simulator, create_app, simulated_openid


# Sanic rewrites its request handler in place when a server starts; test mode keeps the original
# so that several servers can start in one process, as these tests do
Sanic.test_mode = True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopThread:
    """An event loop in a daemon thread, to run a server beside the (synchronous) test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class ScriptedAssistant:
    """Answers like a tiny assistant: greets, echoes, offers buttons, hands over, or takes its time."""

    def __init__(self, journal: Optional[List] = None) -> None:
        self.messages: List[UserMessage] = []
        self.journal = journal if journal is not None else []  # shared by several servers' assistants
        self.turn_seconds = 0.0
        self.paused: set = set()  # conversations a handoff paused: Rasa answers nothing there

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        self.journal.append((time.monotonic(), message.sender_id, message.text))
        out, to = message.output_channel, message.sender_id
        text = message.text
        if to in self.paused:
            return
        if text.startswith("慢"):  # "慢2" takes 2 s
            await asyncio.sleep(float(text[1:] or 1))
        elif self.turn_seconds:
            await asyncio.sleep(self.turn_seconds)
        if text == "你好":
            await out.send_text_message(to, "您好，我是隐私助手。")
        elif text == "要按钮":
            await out.send_response(to, {"text": "确认要注销账号吗？", "buttons": [
                {"title": "确认提交", "payload": "/affirm"}, {"title": "算了", "payload": "/deny"}]})
        elif text == "两条":
            await out.send_text_message(to, "第一条。")
            await out.send_text_message(to, "第二条。")
        elif text == "转人工":
            await out.send_text_message(to, "已为您转接人工客服（工单号 HT-1）。")
            await out.send_custom_json(to, {"handoff": {"ticket": "HT-1", "reason": "user_request"}})
            self.paused.add(to)
        elif text == "出错":
            raise RuntimeError("the assistant failed")
        else:
            await out.send_text_message(to, f"收到：{text}")


class ChannelServer:
    """The WeChat channel, as Rasa mounts it (``/webhooks/wechat/...``), on a free port."""

    def __init__(self, environ: Dict[str, str], assistant: ScriptedAssistant, port: Optional[int] = None,
                 **channel_options: Any) -> None:
        self.port, self.assistant = port or free_port(), assistant
        self.channel = WeChatInput(environ=environ, **channel_options)
        self.app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}")
        register([self.channel], self.app, route="/webhooks/")
        self.loop = LoopThread()
        self._server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ChannelServer":
        self.app.ctx.agent = _AgentStandIn(self.assistant)
        self.loop.run(self._serve())
        return self

    async def _serve(self) -> None:
        self._server = await self.app.create_server(host="127.0.0.1", port=self.port,
                                                    return_asyncio_server=True, access_log=False)
        await self._server.startup()
        await self._server.before_start()
        await self._server.start_serving()
        await self._server.after_start()

    def kill(self) -> None:
        """Stops serving at once, as a crashed process would: nothing is finished or released."""
        self.loop.run(self._close_socket())
        self.loop.close()

    async def _close_socket(self) -> None:
        self._server.close()

    def stop(self) -> None:
        if not self.loop.thread.is_alive():
            return
        async def shutdown():
            await self._server.before_stop()
            self._server.close()
            await self._server.after_stop()
        self.loop.run(shutdown())
        self.loop.close()


class _AgentStandIn:
    """What ``rasa.core.channels.channel.register`` calls: ``app.ctx.agent.handle_message``."""

    def __init__(self, assistant: ScriptedAssistant) -> None:
        self.handle_message = assistant
        self.tracker_store = _TrackerStoreStandIn(assistant)


class _TrackerStoreStandIn:
    """Enough of a tracker store for the channel: whether a handoff paused the conversation."""

    def __init__(self, assistant: ScriptedAssistant) -> None:
        self.assistant = assistant

    async def retrieve(self, sender_id: str):
        return SimpleNamespace(events=[], is_paused=lambda: sender_id in self.assistant.paused)


class SimulatorServer:
    def __init__(self, apps: Dict[str, SimulatedApp], push_bases: List[str], port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.simulator = Simulator(apps, push_bases)
        self.loop = LoopThread()
        self._runner: Optional[web.AppRunner] = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SimulatorServer":
        self.loop.run(self._serve())
        return self

    async def _serve(self) -> None:
        self._runner = web.AppRunner(create_app(self.simulator), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        self.loop.run(self._runner.cleanup())
        self.loop.close()

    # the simulated users -------------------------------------------------------------------------

    def openid(self, app: str, name: str = "微信用户A") -> str:
        return simulated_openid(self.simulator.apps[app].appid, name)

    def send(self, app: str, openid: str, text: Optional[str] = None, kind: str = "text", **options) -> Dict:
        response = requests.post(f"{self.base}/sim/apps/{app}/users/{openid}/messages", timeout=60,
                                 json={"type": kind, "text": text, **options})
        assert response.status_code == 200, response.text
        return response.json()

    def log(self, app: str, openid: str, after: int = 0, wait: float = 0) -> List[Dict]:
        response = requests.get(f"{self.base}/sim/apps/{app}/users/{openid}/log",
                                params={"after": after, "wait": wait}, timeout=wait + 30)
        return response.json()["entries"]

    def replies(self, app: str, openid: str) -> List[str]:
        return [entry["text"] for entry in self.log(app, openid) if entry["kind"] == "bot"]

    def wait_for_replies(self, app: str, openid: str, count: int, timeout: float = 15) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.replies(app, openid)
            if len(replies) >= count:
                return replies
            time.sleep(0.05)
        raise AssertionError(f"only {self.replies(app, openid)} after {timeout} s")

    def control(self, path: str, body: Dict) -> Dict:
        response = requests.post(f"{self.base}/sim/apps/{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def advance_clock(self, seconds: float) -> None:
        """Moves WeChat's clock forward (token lifetimes, quota windows)."""
        assert requests.post(f"{self.base}/sim/clock", json={"advance_seconds": seconds}, timeout=10).ok

    def stats(self, app: str) -> Dict:
        return requests.get(f"{self.base}/sim/apps/{app}/stats", timeout=10).json()["calls"]

    def sessions(self, app: str) -> Dict:
        """Each user's remaining customer-service quota and window, as WeChat counts them."""
        return requests.get(f"{self.base}/sim/apps/{app}/stats", timeout=10).json()["users"]


class SlowLink:
    """A hop between WeChat and the server that delivers each request at once but holds the
    answer back for ``delay`` seconds — the slow push WeChat gives up on and retries."""

    def __init__(self, target: str, delay: float) -> None:
        self.target, self.delay, self.port = target.rstrip("/"), delay, free_port()
        self.loop = LoopThread()
        self._runner: Optional[web.AppRunner] = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SlowLink":
        self.loop.run(self._serve())
        return self

    async def _serve(self) -> None:
        async def forward(request: web.Request) -> web.Response:
            async with aiohttp.ClientSession() as session:
                async with session.post(self.target + request.path_qs, data=await request.read(),
                                        headers={"Content-Type": request.content_type}) as answer:
                    body, status = await answer.read(), answer.status
            await asyncio.sleep(self.delay)
            return web.Response(body=body, status=status)

        application = web.Application()
        application.router.add_post("/{tail:.*}", forward)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        self.loop.run(self._runner.cleanup())
        self.loop.close()


def simulated_apps(modes: Dict[str, tuple]) -> Dict[str, SimulatedApp]:
    """Fresh credentials for each app: ``{"melochi": ("safe", "json"), …}``."""
    return {app: new_app(app, mode, body_format) for app, (mode, body_format) in modes.items()}


def channel_environment(apps: Dict[str, SimulatedApp], api_base: str, state_dir, **extra: str) -> Dict[str, str]:
    environ = {"WECHAT_API_BASE": api_base, "WECHAT_STATE_DIR": str(state_dir), "PRIVACY_ENV": "dev"}
    for app in apps.values():
        prefix = env_prefix(app.app)
        environ.update({prefix + "APPID": app.appid, prefix + "TOKEN": app.token, prefix + "SECRET": app.secret})
        if app.encrypted:
            environ[prefix + "AES_KEY"] = app.aes_key
    environ.update(extra)
    return environ


def eventually(check: Callable[[], bool], timeout: float = 10, message: str = "condition never held") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(message)
