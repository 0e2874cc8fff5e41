"""``make run``: the whole help desk on this machine, on the embedded defaults.

Starts the privacy-request backend and its worker (SQLite), the action server, the Rasa server
(in-memory tracker and lock stores, HTTP API behind a token), the chat page and the agent
workspace; waits until each
answers; prints the URLs, the demo users and how to read the dev outbox; and on Ctrl-C stops every
process it started. Logs go to ``var/logs/``.

Ports (environment): RASA_PORT 5005, ACTIONS_PORT 5055, BACKEND_PORT 8000, WEB_PORT 8080,
AGENT_PORT 8090 (the agent workspace).
The local WeChat simulator (``bot.channels.wechat_sim``, WECHAT_SIM_PORT 8070) plays WeChat for the
Rasa server's ``wechat`` channel, with development credentials for every app kept in ``var/wechat/``.
The end-to-end tests start the same stack on free ports with their own state directory.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.channels.wechat_sim.credentials import dev_credentials

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "models" / "privacy-desk.tar.gz"
STARTUP_TIMEOUT_SECONDS = 180
DEFAULT_PORTS = {"rasa": 5005, "actions": 5055, "backend": 8000, "web": 8080, "wechat_sim": 8070,
                 "agent": 8090}


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    process: Optional[subprocess.Popen] = None


class LocalStack:
    """The processes of the help desk, started and stopped together."""

    def __init__(self, ports: Dict[str, int], var_dir: Path, extra_env: Optional[Dict[str, str]] = None,
                 model: Path = MODEL) -> None:
        self.ports, self.var_dir, self.model = ports, var_dir, model
        self.logs = var_dir / "logs"
        # a token the caller passes wins: every process that calls Rasa's API must hold the same one
        self.auth_token = (extra_env or {}).get("RASA_AUTH_TOKEN") or self._secret("RASA_AUTH_TOKEN", "rasa_auth_token")
        self.environment = {
            **os.environ, "RASA_TELEMETRY_ENABLED": "false",
            "PRIVACY_ENV": os.environ.get("PRIVACY_ENV", "dev"),
            # shared secrets between our own processes (every listener answers only its callers)
            "ACTION_SERVER_TOKEN": self._secret("ACTION_SERVER_TOKEN", "action_server_token"),
            "APP_CHAT_SECRET": self._secret("APP_CHAT_SECRET", "app_chat_secret"),
            "AGENT_ASSIST_TOKEN": self._secret("AGENT_ASSIST_TOKEN", "agent_assist_token"),
            "RASA_AUTH_TOKEN": self.auth_token,  # the agent workspace reads conversations through Rasa's API
            "BACKEND_VAR_DIR": str(var_dir / "backend"),
            "BACKEND_URL": f"http://127.0.0.1:{ports['backend']}",
            "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
            **(extra_env or {}),
        }
        # the WeChat channel talks to the local simulator: dev credentials for every app, the same
        # for both; anything the environment already sets wins (docs/wechat.md)
        self.ports = {"wechat_sim": _free_port(), **self.ports}
        self.ports = {"agent": _free_port(), **self.ports}  # the agent workspace, if the caller names no port
        wechat = dev_credentials(var_dir / "wechat", api_base=self.url("wechat_sim"))
        self.environment = {**wechat.rasa_environment(), **wechat.simulator_environment(), **self.environment}
        self.services: List[Service] = []

    # lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        if not self.model.exists():
            raise RuntimeError(f"{self.model} is missing: run `make train` first")
        self._prepare_backend()
        self.services = self._services()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        for service in self.services:
            self._launch(service)
        for service in self.services:
            self._wait_until_healthy(service, deadline)

    def _launch(self, service: Service) -> None:
        log = open(self.logs / f"{service.name}.log", "ab")
        service.process = subprocess.Popen(service.command, cwd=REPO, env=self.environment,
                                           stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        """Stop one process abruptly (fault tests), leaving the others running."""
        process = self.service(name).process
        os.killpg(process.pid, signum)
        process.wait(timeout=30)

    def restart(self, name: str) -> None:
        """Start a stopped process again and wait until it answers."""
        service = self.service(name)
        self._launch(service)
        self._wait_until_healthy(service, time.monotonic() + STARTUP_TIMEOUT_SECONDS)

    def stop(self) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        for service in self.services:
            if service.process:
                try:
                    service.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(service.process.pid, signal.SIGKILL)

    def all_running(self) -> bool:
        return all(s.process and s.process.poll() is None for s in self.services)

    def __enter__(self) -> "LocalStack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # helpers ------------------------------------------------------------------------------------

    def backend_command(self, *arguments: str) -> str:
        """Runs a ``python -m bot.backend`` command against this stack's backend; its stdout."""
        return subprocess.run([sys.executable, "-m", "bot.backend", *arguments], cwd=REPO,
                              env=self.environment, check=True, capture_output=True, text=True).stdout

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _secret(self, variable: str, filename: str) -> str:
        """The variable's value, or a secret generated once and kept (0600) in the state directory."""
        value = os.environ.get(variable)
        if value:
            return value
        path = self.var_dir / filename
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
        return path.read_text().strip()

    def _endpoints_file(self) -> Path:
        """endpoints.yml, pointed at this stack's action server."""
        text = (REPO / "endpoints.yml").read_text(encoding="utf-8")
        path = self.var_dir / "endpoints.yml"
        path.write_text(text.replace(":5055/", f":{self.ports['actions']}/"), encoding="utf-8")
        return path

    def _prepare_backend(self) -> None:
        """Schema, apps from the knowledge base and demo users — all idempotent."""
        for step in (["migrate"], ["sync-apps"], ["seed-demo"]):
            self.backend_command(*step)

    def _services(self) -> List[Service]:
        python, rasa = sys.executable, str(Path(sys.executable).with_name("rasa"))
        port = self.ports
        return [
            Service("backend", [python, "-m", "bot.backend", "serve", "--port", str(port["backend"])],
                    f"{self.url('backend')}/health"),
            Service("worker", [python, "-m", "bot.backend", "worker"], ""),
            # rasa-sdk's server (as `rasa run actions`) on loopback, answering only the Rasa server
            Service("actions", [python, "-m", "bot.action_server", "--port", str(port["actions"])],
                    f"{self.url('actions')}/health"),
            Service("rasa", [rasa, "run", "--model", str(self.model), "--interface", "127.0.0.1",
                             "--port", str(port["rasa"]),
                             "--enable-api", f"--auth-token={self.auth_token}",  # a token may start with "-"
                             "--credentials", "credentials.yml", "--endpoints", str(self._endpoints_file())],
                    f"{self.url('rasa')}/"),
            Service("web", [python, "-m", "bot.webchat", "--port", str(port["web"])], f"{self.url('web')}/"),
            Service("agent", [python, "-m", "bot.agents", "--port", str(port["agent"])],
                    f"{self.url('agent')}/health"),
            # the local WeChat: pushes mini-program users' messages to the Rasa server, serves WeChat's API
            Service("wechat_sim", [python, "-m", "bot.channels.wechat_sim", "--port", str(port["wechat_sim"])],
                    f"{self.url('wechat_sim')}/health"),
        ]

    def _wait_until_healthy(self, service: Service, deadline: float) -> None:
        while service.health_url and time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited; see {self.logs / (service.name + '.log')}")
            try:
                if requests.get(service.health_url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        if service.health_url:
            raise RuntimeError(f"{service.name} did not start in time; see {self.logs}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configured_ports() -> Dict[str, int]:
    return {name: int(os.environ.get(f"{name.upper()}_PORT", default))
            for name, default in DEFAULT_PORTS.items()}


def banner(stack: LocalStack) -> str:
    return f"""
隐私助手 is running — press Ctrl-C to stop everything.

  Chat page         {stack.url('web')}/
  Agent workspace   {stack.url('agent')}/   (agents: .venv/bin/python -m bot.backend agents create --login … --apps …)
  WeChat simulator  {stack.url('wechat_sim')}/   (chat as a mini-program user; docs/wechat.md)
  Rasa server       {stack.url('rasa')}/   (HTTP API token: {stack.auth_token})
  Action server     {stack.url('actions')}/health
  Backend API       {stack.url('backend')}/openapi.json
  Logs              {stack.logs.relative_to(REPO) if stack.logs.is_relative_to(REPO) else stack.logs}/

Demo users (pick one on the chat page, or chat anonymously and give the phone number):
{stack.backend_command("demo-users").strip()}

One-time codes are not sent by SMS in development; read them from the dev outbox:
  PRIVACY_ENV=dev .venv/bin/python -m bot.backend outbox
"""


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.devserver", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=0, metavar="N",
                        help="N of each Rasa server, action server, backend and worker behind nginx, on "
                             "PostgreSQL and Redis (bot.scaled); default: one of each on SQLite")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if args.scale:
        from bot.scaled import ScaledStack

        stack: LocalStack = ScaledStack(args.scale, configured_ports(), REPO / "var" / "scaled")
    else:
        stack = LocalStack(configured_ports(), REPO / "var")
    try:
        stack.start()
        print(banner(stack), flush=True)
        while stack.all_running():
            time.sleep(1)
        print("a process exited; see var/logs/ — stopping", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
