"""Development WeChat credentials for every app, kept across runs, and the environment they imply.

``dev_credentials(state_dir)`` gives each app of the knowledge base a made-up mini-program —
AppID, message-push Token, 43-character EncodingAESKey, AppSecret, original id — and a message
mode and data format, chosen in turn so that a local stack exercises all of them:

    safe/json, safe/xml, compatible/xml, plaintext/json, compatible/json, …

They are written once to ``<state_dir>/credentials.json`` (mode 0600) and read back afterwards,
so the Rasa server and the simulator agree across restarts. ``DevCredentials.rasa_environment``
is what the Rasa server needs (``WECHAT_<APP>_*``, ``WECHAT_API_BASE`` pointing at the
simulator, ``WECHAT_STATE_DIR``); ``simulator_environment`` is what the simulator needs.
These credentials mean nothing to WeChat: they are for the simulator only.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from bot.channels.wechat.config import env_prefix
from bot.knowledge import list_apps

FILE_NAME = "credentials.json"
MODES = ("plaintext", "compatible", "safe")
FORMATS = ("json", "xml")
ROTATION = (("safe", "json"), ("safe", "xml"), ("compatible", "xml"), ("plaintext", "json"),
            ("compatible", "json"))


@dataclass(frozen=True)
class SimulatedApp:
    app: str
    appid: str
    token: str
    aes_key: str
    secret: str
    original_id: str
    mode: str = "safe"
    format: str = "json"

    @property
    def encrypted(self) -> bool:
        return self.mode != "plaintext"


def new_app(app: str, mode: str, body_format: str) -> SimulatedApp:
    return SimulatedApp(
        app=app, appid="wx" + secrets.token_hex(8), token=secrets.token_hex(16),  # WeChat: 3–32 letters/digits
        aes_key=base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        secret=secrets.token_hex(16), original_id="gh_" + secrets.token_hex(6),
        mode=mode, format=body_format)


@dataclass(frozen=True)
class DevCredentials:
    state_dir: Path
    apps: Dict[str, SimulatedApp]
    api_base: str

    def rasa_environment(self) -> Dict[str, str]:
        environment = {"WECHAT_API_BASE": self.api_base, "WECHAT_STATE_DIR": str(self.state_dir)}
        for app in self.apps.values():
            prefix = env_prefix(app.app)
            environment.update({prefix + "APPID": app.appid, prefix + "TOKEN": app.token,
                                prefix + "SECRET": app.secret})
            if app.encrypted:
                environment[prefix + "AES_KEY"] = app.aes_key
        return environment

    def simulator_environment(self) -> Dict[str, str]:
        environment = {"WECHAT_SIM_STATE_DIR": str(self.state_dir)}
        for app in self.apps.values():
            prefix = simulator_prefix(app.app)
            environment.update({prefix + "MODE": app.mode, prefix + "FORMAT": app.format,
                                prefix + "ORIGINAL_ID": app.original_id})
        return environment


def simulator_prefix(app: str) -> str:
    return env_prefix(app).replace("WECHAT_", "WECHAT_SIM_", 1)


def dev_credentials(state_dir: Path, apps: Optional[Iterable[str]] = None,
                    api_base: str = "http://127.0.0.1:8070") -> DevCredentials:
    """Credentials for ``apps`` (default: every app of the knowledge base), created if missing."""
    if apps is None:
        apps = list_apps()
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / FILE_NAME
    known = load_file(path)
    wanted: List[str] = list(apps)
    changed = False
    for index, app in enumerate(sorted(wanted)):
        if app not in known:
            mode, body_format = ROTATION[index % len(ROTATION)]
            known[app] = new_app(app, mode, body_format)
            changed = True
    if changed or not path.exists():
        write_file(path, known)
    return DevCredentials(state_dir, {app: known[app] for app in wanted}, api_base.rstrip("/"))


def load_file(path: Path) -> Dict[str, SimulatedApp]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {app: SimulatedApp(**fields) for app, fields in data.get("apps", {}).items()}


def write_file(path: Path, apps: Dict[str, SimulatedApp]) -> None:
    text = json.dumps({"apps": {app: asdict(settings) for app, settings in sorted(apps.items())}},
                      ensure_ascii=False, indent=1)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    temporary.replace(path)


def apps_from_environment(environ, app_ids: Iterable[str]) -> Dict[str, SimulatedApp]:
    """Apps configured by ``WECHAT_<APP>_*`` (as the Rasa server reads them), for a simulator
    started beside a Rasa server configured by hand rather than by ``dev_credentials``; the
    mode and format from ``WECHAT_SIM_<APP>_MODE`` / ``_FORMAT`` (default: safe when an AES key
    is set, else plaintext; json)."""
    found = {}
    for app in app_ids:
        prefix = env_prefix(app)
        appid = environ.get(prefix + "APPID")
        if not appid:
            continue
        aes_key = environ.get(prefix + "AES_KEY") or ""
        sim_prefix = simulator_prefix(app)
        mode = environ.get(sim_prefix + "MODE") or ("safe" if aes_key else "plaintext")
        body_format = environ.get(sim_prefix + "FORMAT") or "json"
        if mode not in MODES or body_format not in FORMATS or (mode != "plaintext" and not aes_key):
            raise ValueError(f"{sim_prefix}MODE/FORMAT 不正确，或加密模式缺少 {prefix}AES_KEY")
        found[app] = SimulatedApp(app, appid, environ.get(prefix + "TOKEN", ""), aes_key,
                                  environ.get(prefix + "SECRET", ""),
                                  environ.get(sim_prefix + "ORIGINAL_ID") or "gh_" + appid[-12:],
                                  mode, body_format)
    return found
