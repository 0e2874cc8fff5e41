"""The simulator's HTTP server: WeChat's API, the control routes, and the chat page.

WeChat's API, as the channel calls it (``WECHAT_API_BASE`` = this server):

* ``POST /cgi-bin/stable_token``
* ``POST /cgi-bin/message/custom/send?access_token=``
* ``POST /cgi-bin/message/custom/typing?access_token=`` (also ``/custom/business/typing``)

Control routes, for the page, the tests and the benchmark (JSON; ``<app>``, ``<openid>`` in the path):

* ``GET  /sim/apps`` — apps with their mode, format and simulated users;
* ``POST /sim/apps/<app>/users/<openid>/messages`` ``{"type": "text"|"enter"|"image"|"voice"|
  "video"|"location"|"miniprogrampage", "text", "duplicates", "concurrent_duplicates",
  "ack_timeout_ms", "push_bases"}`` — the user sends something; WeChat pushes it (retrying a
  push answered later than ``ack_timeout_ms``, default 5 s) and, with ``duplicates``, pushes it
  again as a later retry would (at the same time, to the other servers, with
  ``concurrent_duplicates``); answers with every attempt's outcome and time;
* ``GET  /sim/apps/<app>/users/<openid>/log?after=<seq>&wait=<seconds>`` — what the user sees
  (their messages, replies with their latency, typing, transfers), long-polled;
* ``POST /sim/apps/<app>/users/<openid>/window`` ``{"remaining", "close"}`` — the user's quota;
* ``POST /sim/apps/<app>/tokens`` ``{"action": "expire"|"revoke", "lifetime_seconds"}``;
* ``POST /sim/apps/<app>/faults`` ``{"api": "send"|"typing"|"stable_token", "errcode" or
  "http_status", "times"}`` — the next calls fail so;
* ``GET  /sim/apps/<app>/stats`` — API calls counted;
* ``POST /sim/clock`` ``{"advance_seconds"}`` — WeChat's clock moves forward (token lifetimes,
  48-hour windows).

The page (``/``) lets a person chat as a mini-program user of a chosen app.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

from bot.channels.wechat.messages import ENTER_SESSION
from bot.channels.wechat_sim.credentials import SimulatedApp
from bot.channels.wechat_sim.platform import AppPlatform, Platform, reply
from bot.channels.wechat_sim.pusher import Pusher, PushResult
from bot.knowledge import load_app

WEB_DIR = Path(__file__).resolve().parent / "web"
MAX_BODY_BYTES = 64 * 1024
USER_NAMES = ("微信用户A", "微信用户B", "微信用户C")
MAX_WAIT_SECONDS = 30.0
_OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


def simulated_openid(appid: str, name: str) -> str:
    """A stable, openid-shaped id (28 characters) for a simulated user of one app."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(f"{appid}:{name}".encode()).digest()).decode()
    return "o" + digest[:27]


class ConversationLog:
    """What one user sees in the chat, numbered, with waiters for new entries."""

    def __init__(self) -> None:
        self.entries: List[Dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._unanswered: List[Tuple[Dict[str, Any], float]] = []
        self._last_answered: Optional[Tuple[Dict[str, Any], float]] = None

    async def add(self, entry: Dict[str, Any], started: Optional[float] = None) -> Dict[str, Any]:
        entry = {"seq": len(self.entries) + 1, "at": round(time.time() * 1000), **entry}
        if entry["kind"] == "user":
            self._unanswered.append((entry, started or time.perf_counter()))
        elif entry["kind"] == "bot":
            answered = self._unanswered.pop(0) if self._unanswered else self._last_answered
            if answered:
                self._last_answered = answered
                entry["reply_to"] = answered[0]["seq"]
                entry["latency_ms"] = round((time.perf_counter() - answered[1]) * 1000, 2)
        self.entries.append(entry)
        async with self._changed:
            self._changed.notify_all()
        return entry

    async def changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def since(self, after: int, wait_seconds: float) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + wait_seconds
        async with self._changed:
            while len(self.entries) <= after and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
        return self.entries[after:]


class Simulator:
    def __init__(self, apps: Dict[str, SimulatedApp], push_bases: List[str]) -> None:
        self.apps = apps
        self.platform = Platform(apps)
        self.pusher = Pusher(push_bases)
        self.logs: Dict[Tuple[str, str], ConversationLog] = {}

    def log(self, app: str, openid: str) -> ConversationLog:
        return self.logs.setdefault((app, openid), ConversationLog())

    def users(self, app: SimulatedApp) -> List[Dict[str, str]]:
        return [{"name": name, "openid": simulated_openid(app.appid, name)} for name in USER_NAMES]

    async def user_sends(self, app: SimulatedApp, openid: str, request: Dict[str, Any]) -> Dict[str, Any]:
        kind = request.get("type") or "text"
        fields = message_fields(app, openid, kind, request.get("text"))
        self.platform.user_acted(app.app, openid, entered_session=kind == "enter")
        started = time.perf_counter()
        entry = await self.log(app.app, openid).add(
            {"kind": "user", "type": kind, "text": request.get("text") if kind == "text" else None,
             "msg_id": fields.get("MsgId")}, started)
        bases = request.get("push_bases") or None
        timeout = float(request["ack_timeout_ms"]) / 1000 if request.get("ack_timeout_ms") else None
        duplicates = int(request.get("duplicates") or 0)
        if request.get("concurrent_duplicates") and duplicates:
            results = await asyncio.gather(*(self.pusher.push(app, fields, bases, timeout, start=number)
                                             for number in range(duplicates + 1)))
            result = PushResult([a for r in results for a in r.attempts])
            for later in result.attempts[len(results[0].attempts):]:
                later.duplicate = True
        else:
            result = await self.pusher.push(app, fields, bases, timeout)
            targets = list(bases or self.pusher.bases)
            for _ in range(duplicates):  # WeChat's later retry of a push it thinks was lost: 5 s to answer
                result.attempts.append(await self.pusher.attempt(
                    app, fields, targets[len(result.attempts) % len(targets)], self.pusher.timeout_seconds,
                    duplicate=True))
        entry["push"] = {"outcome": result.outcome, "attempts": [a.to_dict() for a in result.attempts]}
        if any(a.outcome == "transferred" for a in result.attempts):
            await self.log(app.app, openid).add({"kind": "transfer", "text": "已转接到微信客服工具（人工客服将看到这条消息）"})
        else:
            await self.log(app.app, openid).changed()
        return {"msg_id": fields.get("MsgId"), "create_time": fields["CreateTime"], "seq": entry["seq"],
                "outcome": result.outcome, "attempts": entry["push"]["attempts"]}


def message_fields(app: SimulatedApp, openid: str, kind: str, text: Optional[str]) -> Dict[str, Any]:
    """The fields of a message or event, as WeChat pushes it to a mini-program's server."""
    fields: Dict[str, Any] = {"ToUserName": app.original_id, "FromUserName": openid,
                              "CreateTime": int(time.time())}
    if kind == "enter":
        return {**fields, "MsgType": "event", "Event": ENTER_SESSION, "SessionFrom": "wechat-sim"}
    media = "sim_" + hashlib.sha1(f"{openid}{time.time()}".encode()).hexdigest()[:20]
    extra = {
        "text": {"Content": text or ""},
        "image": {"PicUrl": "https://example.invalid/photo.jpg", "MediaId": media},
        "voice": {"MediaId": media, "Format": "amr"},
        "video": {"MediaId": media, "ThumbMediaId": media},
        "location": {"Location_X": "31.2304", "Location_Y": "121.4737", "Scale": "15", "Label": "上海"},
        "miniprogrampage": {"Title": "商品详情", "AppId": app.appid, "PagePath": "pages/item/index?id=1",
                            "ThumbUrl": "https://example.invalid/thumb.jpg", "ThumbMediaId": media},
    }.get(kind)
    if extra is None:
        raise web.HTTPBadRequest(text=json.dumps({"error": "unknown_type"}), content_type="application/json")
    return {**fields, "MsgType": kind, **extra, "MsgId": next(_msg_ids)}


# routes ------------------------------------------------------------------------------------------

def _sim(request: web.Request) -> Simulator:
    return request.app["simulator"]


def _app(request: web.Request) -> SimulatedApp:
    app = _sim(request).apps.get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "unknown_app"}), content_type="application/json")
    if "openid" in request.match_info and not _OPENID_RE.match(request.match_info["openid"]):
        raise web.HTTPBadRequest(text=json.dumps({"error": "invalid_openid"}), content_type="application/json")
    return app


async def _json(request: web.Request) -> Dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text=json.dumps({"errcode": 47001, "errmsg": "data format error"}),
                                 content_type="application/json")
    return data


async def stable_token(request: web.Request) -> web.Response:
    return web.json_response(_sim(request).platform.stable_token(await _json(request)))


def _api_route(api: str):
    async def handle(request: web.Request) -> web.Response:
        simulator = _sim(request)
        platform, errcode = simulator.platform.check_token(request.query.get("access_token"))
        if errcode:
            return web.json_response(reply(errcode))
        fault = simulator.platform.take_fault(platform, api)
        if fault and fault.http_status:
            return web.Response(status=fault.http_status, text="simulated failure")
        if fault:
            return web.json_response(reply(fault.errcode))
        body = await _json(request)
        answer = getattr(simulator.platform, api)(platform, body)
        if answer["errcode"] == 0:
            await _log_delivery(simulator, platform, api, body)
        return web.json_response(answer)
    return handle


async def _log_delivery(simulator: Simulator, platform: AppPlatform, api: str, body: Dict[str, Any]) -> None:
    log = simulator.log(platform.app.app, body["touser"])
    if api == "send" and body.get("msgtype") == "text":
        await log.add({"kind": "bot", "text": body["text"]["content"]})
    elif api == "send":
        await log.add({"kind": "bot", "text": f"[{body.get('msgtype')}]"})
    elif body.get("command") == "Typing":
        await log.add({"kind": "typing"})


async def list_apps(request: web.Request) -> web.Response:
    simulator = _sim(request)
    return web.json_response([{"app": app.app, "name": load_app(app.app).name, "mode": app.mode,
                               "format": app.format, "appid": app.appid, "users": simulator.users(app)}
                              for app in simulator.apps.values()])


async def user_message(request: web.Request) -> web.Response:
    app, openid = _app(request), request.match_info["openid"]
    return web.json_response(await _sim(request).user_sends(app, openid, await _json(request)))


async def user_log(request: web.Request) -> web.Response:
    app, openid = _app(request), request.match_info["openid"]
    after = int(request.query.get("after") or 0)
    wait = min(float(request.query.get("wait") or 0), MAX_WAIT_SECONDS)
    entries = await _sim(request).log(app.app, openid).since(after, wait)
    return web.json_response({"entries": entries})


async def user_window(request: web.Request) -> web.Response:
    app, openid, body = _app(request), request.match_info["openid"], await _json(request)
    session = _sim(request).platform.set_window(app.app, openid, body.get("remaining"), bool(body.get("close")))
    return web.json_response({"remaining": session.remaining, "window_ends": session.window_ends})


async def tokens(request: web.Request) -> web.Response:
    app, body, platform = _app(request), await _json(request), _sim(request).platform
    if body.get("lifetime_seconds"):
        platform.apps[app.app].token_lifetime = float(body["lifetime_seconds"])
    if body.get("action") == "expire":
        platform.expire_tokens(app.app)
    elif body.get("action") == "revoke":
        platform.revoke_tokens(app.app)
    return web.json_response({"ok": True})


async def faults(request: web.Request) -> web.Response:
    app, body = _app(request), await _json(request)
    if body.get("api") not in ("send", "typing", "stable_token"):
        raise web.HTTPBadRequest(text=json.dumps({"error": "unknown_api"}), content_type="application/json")
    _sim(request).platform.add_fault(app.app, body["api"], body.get("errcode"), body.get("http_status"),
                                     int(body.get("times") or 1))
    return web.json_response({"ok": True})


async def stats(request: web.Request) -> web.Response:
    platform = _sim(request).platform.apps[_app(request).app]
    return web.json_response({"calls": platform.calls,
                              "users": {openid: {"remaining": s.remaining, "window_ends": s.window_ends}
                                        for openid, s in platform.users.items()}})


async def clock(request: web.Request) -> web.Response:
    platform = _sim(request).platform
    platform.advance(float((await _json(request)).get("advance_seconds") or 0))
    return web.json_response({"offset_seconds": platform.offset})


async def index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html")


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "simulator": True})


async def _close(app: web.Application) -> None:
    await app["simulator"].pusher.close()


def create_app(simulator: Simulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app["simulator"] = simulator
    app.router.add_post("/cgi-bin/stable_token", stable_token)
    app.router.add_post("/cgi-bin/message/custom/send", _api_route("send"))
    app.router.add_post("/cgi-bin/message/custom/typing", _api_route("typing"))
    app.router.add_post("/cgi-bin/message/custom/business/typing", _api_route("typing"))
    app.router.add_get("/sim/apps", list_apps)
    app.router.add_post("/sim/apps/{app}/users/{openid}/messages", user_message)
    app.router.add_get("/sim/apps/{app}/users/{openid}/log", user_log)
    app.router.add_post("/sim/apps/{app}/users/{openid}/window", user_window)
    app.router.add_post("/sim/apps/{app}/tokens", tokens)
    app.router.add_post("/sim/apps/{app}/faults", faults)
    app.router.add_get("/sim/apps/{app}/stats", stats)
    app.router.add_post("/sim/clock", clock)
    app.router.add_get("/health", health)
    app.router.add_get("/", index)
    app.router.add_static("/static", WEB_DIR)
    app.on_cleanup.append(_close)
    return app
