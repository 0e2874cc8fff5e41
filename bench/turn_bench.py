"""Turn latency of the running help desk, 1 and 20 concurrent conversations, and process memory.

Starts the whole stack (``bot.devserver.LocalStack``) on free ports and measures, over HTTP
through the in-app chat channel:

* a **policy-question turn** (NLU, rules, action server, knowledge base);
* a **request-filing turn**: an authenticated user's unsubscribe confirmation (files and applies
  the request) and an anonymous export's code turn (checks the code, files the request);
* as a baseline in the same run, Rasa's bare ``/model/parse`` (NLU only, no dialogue, no actions).

Twenty concurrent conversations run two ways: **paced**, each user pausing between messages
(exponential, mean ``--think-ms``, 3 s by default — people read and type), and **closed-loop**,
each sending its next message the moment it has the reply: a stress test, since 20 messages are
then always in flight. Writes ``bench/results/turns.json``.

    .venv/bin/python -m bench.turn_bench [--turns 200] [--think-ms 3000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.devserver import LocalStack  # noqa: E402
from bot.nlu.evaluation import percentile  # noqa: E402

RESULTS = REPO / "bench" / "results"
QUESTIONS = [
    ("melochi", "怎么注销账号"), ("liqun", "营销短信怎么退订"), ("tego", "你们会把我的信息给第三方吗"),
    ("miniapp", "为什么要获取我的位置"), ("yhd", "你们收集我哪些信息"), ("melochi", "刷脸登录怎么关"),
    ("liqun", "个人信息保存多久"), ("tego", "客服电话是多少"), ("melochi", "cookie是干嘛用的"),
    ("liqun", "多久能回复我"),
]
CODE_IN_SMS = re.compile(r"验证码为(\d{6})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Conversation:
    def __init__(self, stack: LocalStack, app: str, token: str | None = None) -> None:
        self.url = f"{stack.url('rasa')}/webhooks/app_chat/webhook"
        self.http = requests.Session()
        # the conversation is the server's: its id and token come from the channel
        started = self.http.post(f"{stack.url('rasa')}/webhooks/app_chat/conversations", json={"app": app},
                                 timeout=60)
        started.raise_for_status()
        self.sender, self.token = started.json()["sender"], started.json()["conversation_token"]
        self.metadata = {"app": app, "platform": "app", **({"user_token": token} if token else {})}

    def send(self, text: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = self.http.post(self.url, json={"sender": self.sender, "conversation_token": self.token,
                                                  "message": text, "metadata": self.metadata}, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return elapsed, "\n".join(m.get("text", "") for m in response.json())


def run_concurrently(clients: int, turns_each: int, one_turn: Callable[[int, int], float],
                     think_ms: float = 0.0) -> List[float]:
    """Latencies (ms) of ``clients`` × ``turns_each`` turns, clients in parallel, each pausing
    an exponential ``think_ms`` on average between turns (0: closed loop)."""
    latencies: List[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        pacing = random.Random(index)
        if think_ms:
            time.sleep(pacing.uniform(0, think_ms) / 1000)  # users do not all start at once
        for turn in range(turns_each):
            elapsed = one_turn(index, turn)
            with lock:
                latencies.append(elapsed)
            if think_ms:
                time.sleep(pacing.expovariate(1000 / think_ms))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def summary(latencies: List[float], wall_seconds: float) -> Dict[str, float]:
    return {"turns": len(latencies), "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "turns_per_second": round(len(latencies) / wall_seconds, 1)}


def timed(clients: int, turns_each: int, one_turn, think_ms: float = 0.0) -> Dict[str, float]:
    started = time.perf_counter()
    latencies = run_concurrently(clients, turns_each, one_turn, think_ms)
    return summary(latencies, time.perf_counter() - started)


def policy_question_turn(stack: LocalStack):
    def turn(index: int, number: int) -> float:
        app, question = QUESTIONS[(index + number) % len(QUESTIONS)]
        return Conversation(stack, app).send(question)[0]
    return turn


def nlu_parse_turn(stack: LocalStack):
    url = f"{stack.url('rasa')}/model/parse"

    def turn(index: int, number: int) -> float:
        started = time.perf_counter()
        requests.post(url, params={"token": stack.auth_token},
                      json={"text": QUESTIONS[(index + number) % len(QUESTIONS)][1]}, timeout=60).raise_for_status()
        return (time.perf_counter() - started) * 1000
    return turn


def unsubscribe_filing_turn(stack: LocalStack, users):
    def turn(index: int, number: int) -> float:
        app, _, _, _, token = users[(index * 7 + number) % len(users)]
        conversation = Conversation(stack, app, token)
        conversation.send("别再给我发营销短信了")
        elapsed, reply = conversation.send("确认")
        assert "PR-" in reply, reply
        return elapsed
    return turn


def export_filing_turn(stack: LocalStack, users, outbox: Callable[[str, str], str]):
    # 20 clients share 15 demo phones: one flow per phone at a time, or a client would read
    # another's code from the outbox
    phone_locks = {user[3]: threading.Lock() for user in users}

    def turn(index: int, number: int) -> float:
        app, _, _, phone, _ = users[(index * 7 + number) % len(users)]
        with phone_locks[phone]:
            conversation = Conversation(stack, app)
            conversation.send("帮我导出我的个人信息")
            conversation.send("确认")
            conversation.send(phone)
            elapsed, reply = conversation.send(outbox(app, phone))
        assert "PR-" in reply, reply
        return elapsed
    return turn


def admin_outbox(stack: LocalStack) -> Callable[[str, str], str]:
    secrets_file = Path(stack.environment["BACKEND_VAR_DIR"]) / "secrets.json"
    admin_token = json.loads(secrets_file.read_text())["admin_token"]

    def latest_code(app: str, phone: str) -> str:
        response = requests.get(f"{stack.url('backend')}/admin/v1/outbox", timeout=10,
                                params={"app": app, "phone": phone, "limit": 1},
                                headers={"Authorization": f"Bearer {admin_token}"})
        response.raise_for_status()
        return CODE_IN_SMS.findall(json.dumps(response.json(), ensure_ascii=False))[-1]
    return latest_code


def memory_mb(stack: LocalStack) -> Dict[str, float]:
    """Resident memory of each process of the stack (with its children)."""
    usage = {}
    for service in stack.services:
        pids = [service.process.pid] + _children(service.process.pid)
        usage[service.name] = round(sum(_rss_kb(pid) for pid in pids) / 1024, 1)
    return usage


def _children(pid: int) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found += [int(entry.name)] + _children(int(entry.name))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=200, help="turns per scenario and concurrency")
    parser.add_argument("--think-ms", type=float, default=3000, help="mean pause between a user's messages")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("rasa", "actions", "backend", "web")}
    with tempfile.TemporaryDirectory() as var_dir, LocalStack(
            ports, Path(var_dir), extra_env={"BACKEND_CODES_PER_PHONE_PER_HOUR": "100000"}) as stack:
        users = [tuple(line.split("\t")) for line in
                 stack.backend_command("demo-users").strip().splitlines()[1:]]
        outbox = admin_outbox(stack)
        scenarios = {
            "nlu_parse_baseline": nlu_parse_turn(stack),
            "policy_question": policy_question_turn(stack),
            "filing_unsubscribe_authenticated": unsubscribe_filing_turn(stack, users),
            "filing_export_code_turn": export_filing_turn(stack, users, outbox),
        }
        for turn in scenarios.values():  # warm up every path once
            run_concurrently(1, 3, turn)
        results: Dict[str, Dict] = {}
        for name, turn in scenarios.items():
            for mode, clients, think_ms in (("1", 1, 0.0), ("20 paced", 20, args.think_ms),
                                             ("20 closed-loop", 20, 0.0)):
                turns_each = max(1, args.turns // clients) if clients > 1 else min(args.turns, 60)
                results[f"{name}@{mode}"] = timed(clients, turns_each, turn, think_ms)
                print(name, mode, results[f"{name}@{mode}"], flush=True)
        memory = memory_mb(stack)
    report = {"cores": os.cpu_count(), "think_ms": args.think_ms, "results": results, "memory_mb": memory}
    (RESULTS / "turns.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(markdown(report))


def markdown(report: Dict) -> str:
    lines = ["| turn | conversations | p50 ms | p99 ms | turns/s |", "|---|---|---|---|---|"]
    for key, value in report["results"].items():
        name, clients = key.rsplit("@", 1)
        lines.append(f"| {name} | {clients} | {value['p50_ms']} | {value['p99_ms']} | {value['turns_per_second']} |")
    lines += ["", "| process | resident memory, MB |", "|---|---|"]
    lines += [f"| {name} | {mb} |" for name, mb in report["memory_mb"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
