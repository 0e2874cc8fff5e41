"""Filing throughput and latency of the privacy-request backend, SQLite vs PostgreSQL.

For each database a real server (``python -m bot.backend serve``) is started on a free loopback
port with a fresh database (SQLite file / PostgreSQL schema). 20 concurrent clients, each on its own
keep-alive connection, file requests over HTTP as fast as they get answers (closed loop), for
``--requests`` filings per run. A filing is the full path the bot takes for an anonymous user:
``POST /v1/requests`` (data_export, phone, Idempotency-Key) → validation, idempotency checks, the
request row, a one-time-code challenge, the code written to the outbox, two audit events.

Runs alternate between the databases; the table reports the median of the runs (the machine is
noisy). Afterwards every answered request is checked to exist exactly once in the database.

    .venv/bin/python bench/backend_bench.py [--runs 3] [--requests 2000] [--clients 20]

Writes ``bench/results/backend.json``. PostgreSQL: ``BACKEND_TEST_PG_URL`` or
``postgresql+psycopg2://postgres@127.0.0.1:5432/test``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import aiohttp
from sqlalchemy import create_engine, func, select, text

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.backend.apps import default_terms, upsert_app  # noqa: E402
from bot.backend.config import load_settings  # noqa: E402
from bot.backend.db import make_engine, make_session_factory, migrate, transaction  # noqa: E402
from bot.backend.models import PrivacyRequest  # noqa: E402

PG_URL = os.environ.get("BACKEND_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
APP_ID = "melochi"
RESULTS = REPO_ROOT / "bench" / "results" / "backend.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A fresh database and a ``serve`` subprocess on it."""

    def __init__(self, name: str, workdir: Path, processes: int) -> None:
        self.name = name
        self.var_dir = workdir / name
        self.schema = None
        if name == "sqlite":
            self.url = f"sqlite:///{self.var_dir / 'bench.db'}"
        else:
            self.schema = f"backend_bench_{secrets.token_hex(4)}"
            with create_engine(PG_URL, future=True).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{PG_URL}?options={quote(f'-csearch_path={self.schema}')}"
        self.port = free_port()
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("BACKEND_")},
                    "BACKEND_VAR_DIR": str(self.var_dir), "BACKEND_DATABASE_URL": self.url,
                    "PRIVACY_ENV": "dev", "BACKEND_PORT": str(self.port)}
        settings = load_settings(self.env)
        self.service_token = settings.service_token
        engine = make_engine(self.url)
        migrate(engine)
        with transaction(make_session_factory(engine)) as session:
            upsert_app(session, default_terms(APP_ID), datetime.now(timezone.utc))
        self.engine = engine
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.backend", "serve", "--port", str(self.port),
             "--processes", str(processes)],
            cwd=REPO_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        import requests

        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not start")

    def count_requests(self, ids: set[str]) -> tuple[int, int]:
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(PrivacyRequest.__table__)).scalar_one()
            found = 0
            id_list = list(ids)
            for start in range(0, len(id_list), 500):
                found += connection.execute(select(func.count()).select_from(PrivacyRequest.__table__)
                                            .where(PrivacyRequest.id.in_(id_list[start:start + 500]))).scalar_one()
        return total, found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.engine.dispose()
        if self.schema:
            with create_engine(PG_URL, future=True).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))


def _phone(counter: int) -> str:
    return f"138{counter:08d}"


async def _client(session: aiohttp.ClientSession, server: Server, jobs: asyncio.Queue,
                  latencies: list, ids: list, failures: list, think: float, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {server.service_token}", "Content-Type": "application/json"}
    while True:
        try:
            number = jobs.get_nowait()
        except asyncio.QueueEmpty:
            return
        body = json.dumps({"app": APP_ID, "type": "data_export", "phone": _phone(number)})
        started = time.perf_counter()
        async with session.post(server.base + "/v1/requests", data=body, headers={
                **headers, "Idempotency-Key": f"bench-{number:010d}-{secrets.token_hex(4)}"}) as response:
            payload = await response.json()
        latencies.append(time.perf_counter() - started)
        if response.status == 201:
            ids.append(payload["id"])
        else:
            failures.append((response.status, payload))
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))


async def _load(server: Server, clients: int, first: int, count: int, think: float = 0.0) -> dict:
    jobs: asyncio.Queue = asyncio.Queue()
    for number in range(first, first + count):
        jobs.put_nowait(number)
    latencies, ids, failures = [], [], []
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in range(clients)]
    started = time.perf_counter()
    rng = random.Random(first)
    await asyncio.gather(*(_client(s, server, jobs, latencies, ids, failures, think, rng)
                           for s in sessions))
    elapsed = time.perf_counter() - started
    for session in sessions:
        await session.close()
    latencies.sort()
    return {"requests": count, "seconds": round(elapsed, 3),
            "throughput_rps": round(count / elapsed, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
            "max_ms": round(1000 * latencies[-1], 2), "failures": len(failures),
            "ids": ids, "failure_samples": failures[:3]}


MODES = {
    # 20 users' worth of bot traffic: each client files, then pauses (exponential, mean --think s).
    "paced": "20 clients, exponential think time between filings",
    # The same 20 clients with no pause: the service's capacity; latency here is queueing.
    "saturated": "20 clients, no think time (closed loop)",
}


def _summary(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in ("throughput_rps", "p50_ms", "p99_ms")}


def main() -> int:
    try:  # the load generator should add as little latency of its own as possible
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1500, help="filings per run")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.2, help="mean pause of a paced client (s)")
    parser.add_argument("--processes", type=int, default=1, help="server processes (serve --processes)")
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="backend-bench-") as workdir:
        servers = {name: Server(name, Path(workdir), args.processes) for name in ("sqlite", "postgresql")}
        try:
            counter = 0
            for server in servers.values():
                asyncio.run(_load(server, args.clients, counter, args.warmup))
                counter += args.warmup
            answered = {name: set() for name in servers}
            runs = {name: {mode: [] for mode in MODES} for name in servers}
            for run in range(args.runs):
                for mode in MODES:
                    for name, server in servers.items():
                        think = args.think if mode == "paced" else 0.0
                        outcome = asyncio.run(_load(server, args.clients, counter, args.requests, think))
                        counter += args.requests
                        outcome["duplicate_ids"] = len(outcome["ids"]) - len(set(outcome["ids"]))
                        answered[name] |= set(outcome.pop("ids"))
                        runs[name][mode].append(outcome)
                        print(f"run {run + 1} {mode:9} {name:10} {outcome['throughput_rps']:7.1f} req/s  "
                              f"p50 {outcome['p50_ms']:7.2f} ms  p99 {outcome['p99_ms']:7.2f} ms  "
                              f"failures {outcome['failures']}", flush=True)
            for name, server in servers.items():
                total, found = server.count_requests(answered[name])
                results[name] = {
                    **{mode: {"median": _summary(runs[name][mode]), "runs": runs[name][mode]}
                       for mode in MODES},
                    "answered_201": len(answered[name]), "found_in_database": found,
                    "rows_in_database": total, "lost": len(answered[name]) - found,
                    "duplicates": total - found - args.warmup,
                }
        finally:
            for server in servers.values():
                server.stop()

    report = {
        "benchmark": "POST /v1/requests (data_export, anonymous phone) over HTTP on loopback",
        "modes": MODES, "clients": args.clients, "think_seconds": args.think,
        "requests_per_run": args.requests, "runs": args.runs, "server_processes": args.processes,
        "warmup_per_database": args.warmup, "target": "p99 <= 50 ms on PostgreSQL (paced)",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print(f"\nFiling with {args.clients} concurrent clients, {args.processes} server process(es): "
          f"median of {args.runs} runs x {args.requests} filings")
    print(f"{'database':11} {'mode':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, result in results.items():
        for mode in MODES:
            median = result[mode]["median"]
            print(f"{name:11} {mode:10} {median['throughput_rps']:8.1f} {median['p50_ms']:8.2f} "
                  f"{median['p99_ms']:8.2f}")
    for name, result in results.items():
        print(f"{name}: {result['answered_201']} filings answered 201, {result['found_in_database']} found "
              f"in the database, lost {result['lost']}, duplicated {result['duplicates']}")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")
    p99 = results["postgresql"]["paced"]["median"]["p99_ms"]
    print(f"target p99 <= 50 ms on PostgreSQL (paced): {'met' if p99 <= 50 else 'NOT met'} ({p99:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
