"""The WeChat channel under load, beside the chat channel, in one run of the whole help desk.

Starts the stack (``bot.devserver.LocalStack``, with the WeChat simulator) with the channel's state
on Redis (``REDIS_HOST``, a key prefix of its own) and a second Rasa server process, then measures:

* **chat channel, policy question** — 20 users through ``app_chat`` (the baseline, as
  ``bench/turn_bench.py`` measures it);
* **WeChat, policy question** — 20 mini-program users through the simulator: *push-to-success*
  (every push attempt, from the simulator sending it to WeChat's ``success``) and *push-to-reply*
  (from the push to the reply reaching ``custom/send``, on the simulator's clock);
* as a floor for both, a trivial request to the Rasa server every 50 ms meanwhile: how long the
  event loop that runs every turn takes to answer anything;
* **duplicates under load** — 20 users, each push also sent at once to the other Rasa process,
  and every fifth push given up on three times by WeChat (a 3 ms timeout: the answer comes "too
  late", or the attempt never arrives) and then retried with the usual 5 s: each message must be
  answered exactly once, and appear exactly once in the conversations of the two processes.

Both channels run *paced* (users pause between messages: exponential, mean ``--think-ms``) and
*closed-loop* (the next message the moment the reply arrives: 20 messages always in flight), in
alternating rounds so that other load on the machine weighs on both alike.
Writes ``bench/results/wechat.json`` (``wechat_memory.json`` with ``--state memory``) and prints
a table; the machine's load average at the end is recorded beside the figures.

    .venv/bin/python -m bench.wechat_bench [--turns 200] [--think-ms 3000] [--state redis|memory]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.turn_bench import QUESTIONS, free_port, run_concurrently, summary  # noqa: E402
from bot.devserver import LocalStack  # noqa: E402
from bot.nlu.evaluation import percentile  # noqa: E402

RESULTS = REPO / "bench" / "results"
USERS = 20


class ChatConversation:
    """A conversation through the in-app chat channel (started by the server, token-bound)."""

    def __init__(self, stack: LocalStack, app: str) -> None:
        self.http, self.base = requests.Session(), f"{stack.url('rasa')}/webhooks/app_chat"
        started = self.http.post(f"{self.base}/conversations", json={"app": app}, timeout=30)
        started.raise_for_status()
        self.sender, self.token = started.json()["sender"], started.json()["conversation_token"]
        self.app = app

    def send(self, text: str) -> float:
        began = time.perf_counter()
        answer = self.http.post(f"{self.base}/webhook", timeout=60, json={
            "sender": self.sender, "conversation_token": self.token, "message": text,
            "metadata": {"app": self.app, "platform": "app"}})
        answer.raise_for_status()
        return (time.perf_counter() - began) * 1000


class WeChatUser:
    """A mini-program user of one app, through the stack's WeChat simulator."""

    def __init__(self, stack: LocalStack, app: str) -> None:
        self.app, self.openid = app, "oBench" + uuid.uuid4().hex[:22]
        self.base = f"{stack.url('wechat_sim')}/sim/apps/{app}/users/{self.openid}"
        self.http = requests.Session()

    def send(self, text: str, **push_options) -> Dict:
        answer = self.http.post(f"{self.base}/messages", json={"type": "text", "text": text, **push_options},
                                timeout=60)
        answer.raise_for_status()
        return answer.json()

    def replies_to(self, seq: int, wait_seconds: float = 30) -> List[Dict]:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            entries = self.http.get(f"{self.base}/log", params={"after": seq, "wait": 2}, timeout=30).json()["entries"]
            found = [e for e in entries if e["kind"] == "bot" and e.get("reply_to") == seq]
            if found:
                return found
        return []

    def log(self) -> List[Dict]:
        return self.http.get(f"{self.base}/log", timeout=30).json()["entries"]


def chat_turn(stack: LocalStack):
    """A policy question per turn; each user keeps one conversation per app, as a WeChat user does."""
    conversations: Dict[tuple, ChatConversation] = {}

    def turn(index: int, number: int) -> float:
        app, question = QUESTIONS[(index + number) % len(QUESTIONS)]
        conversation = conversations.get((index, app))
        if conversation is None:
            conversation = conversations[(index, app)] = ChatConversation(stack, app)
        return conversation.send(question)
    return turn


def wechat_turn(stack: LocalStack, acks: List[float], lock: threading.Lock):
    users: Dict[tuple, WeChatUser] = {}

    def turn(index: int, number: int) -> float:
        app, question = QUESTIONS[(index + number) % len(QUESTIONS)]
        user = users.setdefault((index, app), WeChatUser(stack, app))
        pushed = user.send(question)
        with lock:
            acks.extend(a["ms"] for a in pushed["attempts"])
        [reply] = user.replies_to(pushed["seq"])[:1] or [None]
        if reply is None:
            raise RuntimeError("a WeChat message was not answered")
        return reply["latency_ms"]
    return turn


def duplicate_turn(stack: LocalStack, bases: List[str], sent: List, acks: List[float], lock: threading.Lock):
    users: Dict[int, WeChatUser] = {}

    def turn(index: int, number: int) -> float:
        app = "liqun"  # one app, so that the two processes see the same users
        question = QUESTIONS[(index + number) % len(QUESTIONS)][1]
        user = users.setdefault(index, WeChatUser(stack, app))
        retried = number % 5 == 4
        order = bases if (index + number) % 2 else bases[::-1]
        # every fifth push: answered "too late" (3 ms) three times, then retried once more normally
        options = ({"ack_timeout_ms": 3, "duplicates": 1, "push_bases": order} if retried else
                   {"duplicates": 1, "concurrent_duplicates": True, "push_bases": order})
        pushed = user.send(question, **options)
        with lock:
            acks.extend(a["ms"] for a in pushed["attempts"] if a["outcome"] == "acknowledged")
            sent.append((user, pushed))
        replies = user.replies_to(pushed["seq"], wait_seconds=20)
        return replies[0]["latency_ms"] if replies else float("nan")
    return turn


def exactly_once_report(stack: LocalStack, rasa_urls: List[str], sent: List) -> Dict[str, int]:
    time.sleep(3)  # late duplicates, if any, would have been answered by now
    replies = Counter()
    for user, pushed in sent:
        replies[pushed["msg_id"]] = sum(1 for e in user.log() if e["kind"] == "bot" and e.get("reply_to") == pushed["seq"])
    in_conversations = Counter()
    for user in {id(u): u for u, _ in sent}.values():
        for url in rasa_urls:
            tracker = requests.get(f"{url}/conversations/wechat:{user.app}:{user.openid}/tracker",
                                   params={"token": stack.auth_token}, timeout=30).json()
            for event in tracker.get("events", []):
                if event.get("event") == "user" and str(event.get("message_id", "")).startswith("msg:"):
                    in_conversations[int(event["message_id"][4:])] += 1
    messages = [pushed["msg_id"] for _, pushed in sent]
    for _, pushed in sent:  # what happened to a message that was not answered exactly once
        if replies[pushed["msg_id"]] != 1 or in_conversations[pushed["msg_id"]] != 1:
            print("not exactly once:", replies[pushed["msg_id"]], in_conversations[pushed["msg_id"]],
                  pushed["attempts"], flush=True)
    return {"messages": len(messages),
            "push_attempts": sum(len(p["attempts"]) for _, p in sent),
            "answered_once": sum(1 for m in messages if replies[m] == 1),
            "duplicated": sum(1 for m in messages if replies[m] > 1 or in_conversations[m] > 1),
            "lost": sum(1 for m in messages if replies[m] == 0 or in_conversations[m] == 0)}


def latency_summary(latencies: List[float], wall_seconds: float) -> Dict[str, float]:
    clean = [value for value in latencies if value == value]  # NaN: no reply
    return {**summary(clean, wall_seconds), "unanswered": len(latencies) - len(clean)}


def ack_summary(acks: List[float]) -> Dict[str, float]:
    return {"pushes": len(acks), "p50_ms": round(percentile(acks, 50), 2), "p99_ms": round(percentile(acks, 99), 2),
            "max_ms": round(max(acks), 2)}


def timed(one_turn, turns_each: int, think_ms: float) -> Dict[str, float]:
    started = time.perf_counter()
    latencies = run_concurrently(USERS, turns_each, one_turn, think_ms)
    return latency_summary(latencies, time.perf_counter() - started)


class LoopProbe:
    """Times a trivial request to the Rasa server every 50 ms: how long its event loop — where
    turns, acknowledgements and chat requests all wait their turn — takes to answer anything."""

    def __init__(self, url: str) -> None:
        self.url, self.times, self._stop = url, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LoopProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        http = requests.Session()
        while not self._stop.wait(0.05):
            began = time.perf_counter()
            http.get(self.url, timeout=30)
            self.times.append((time.perf_counter() - began) * 1000)


def side_by_side(stack: LocalStack, chat, wechat, acks: List[float], turns_each: int, think_ms: float,
                 mode: str) -> Dict[str, Dict]:
    """Both channels in alternating rounds of two turns per user, so that whatever else the machine
    is doing weighs on both alike."""
    latencies: Dict[str, List[float]] = {"chat": [], "wechat": []}
    seconds = {"chat": 0.0, "wechat": 0.0}
    with LoopProbe(f"{stack.url('rasa')}/") as probe:
        for _ in range(max(1, turns_each // 2)):
            for name, one_turn in (("chat", chat), ("wechat", wechat)):
                started = time.perf_counter()
                latencies[name] += run_concurrently(USERS, 2, one_turn, think_ms)
                seconds[name] += time.perf_counter() - started
    return {f"chat_policy_question@{mode}": latency_summary(latencies["chat"], seconds["chat"]),
            f"wechat_push_to_reply@{mode}": latency_summary(latencies["wechat"], seconds["wechat"]),
            f"wechat_push_to_success@{mode}": ack_summary(acks),
            f"rasa_trivial_request@{mode}": ack_summary(probe.times)}


def second_rasa(stack: LocalStack, port: int) -> subprocess.Popen:
    command = list(stack.service("rasa").command)
    command[command.index("--port") + 1] = str(port)
    log = open(stack.logs / "rasa2.log", "ab")
    process = subprocess.Popen(command, cwd=REPO, env=stack.environment, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("the second Rasa server did not start")


def two_process_scenario(stack: LocalStack, turns_each: int, think_ms: float, lock: threading.Lock) -> Dict[str, Dict]:
    """Duplicates under load across two Rasa processes sharing the channel's state on Redis."""
    rasa2_port = free_port()
    rasa2 = second_rasa(stack, rasa2_port)
    try:
        sent, duplicate_acks = [], []
        bases = [stack.url("rasa"), f"http://127.0.0.1:{rasa2_port}"]
        results = {"duplicates_two_processes@20 paced": timed(
            duplicate_turn(stack, bases, sent, duplicate_acks, lock), turns_each, think_ms)}
        results["duplicates_push_to_success@20 paced"] = ack_summary(duplicate_acks)
        results["exactly_once"] = exactly_once_report(stack, bases, sent)
        return results
    finally:
        os.killpg(rasa2.pid, 15)
        rasa2.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=200, help="turns per scenario (20 users share them)")
    parser.add_argument("--think-ms", type=float, default=3000, help="mean pause between a user's messages")
    parser.add_argument("--state", choices=("redis", "memory"), default="redis",
                        help="the channel's shared state: Redis (as in production; with the two-process "
                             "duplicates scenario) or in memory (as `make run`; one process)")
    args = parser.parse_args()
    turns_each = max(1, args.turns // USERS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("rasa", "actions", "backend", "web", "wechat_sim")}
    redis_env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0",
                 "WECHAT_REDIS_PREFIX": f"bench:wechat:{uuid.uuid4().hex[:8]}"} if args.state == "redis" else {}
    results: Dict[str, Dict] = {}
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as var_dir, LocalStack(ports, Path(var_dir), extra_env=redis_env) as stack:
        chat, acks = chat_turn(stack), []
        wechat = wechat_turn(stack, acks, lock)
        # warm-up: every path taken, every user's conversations started, tokens fetched
        run_concurrently(USERS, len(QUESTIONS), chat)
        run_concurrently(USERS, len(QUESTIONS), wechat)
        acks.clear()
        for mode, think in (("20 paced", args.think_ms), ("20 closed-loop", 0.0)):
            results.update(side_by_side(stack, chat, wechat, acks, turns_each, think, mode))
            acks.clear()
            print(mode, {k: v for k, v in results.items() if k.endswith(mode)}, flush=True)
        if args.state == "redis":
            results.update(two_process_scenario(stack, turns_each, args.think_ms, lock))
            print(results["exactly_once"], flush=True)
    report = {"cores": os.cpu_count(), "think_ms": args.think_ms, "users": USERS, "state": args.state,
              "load_average": os.getloadavg(), "results": results}
    name = "wechat.json" if args.state == "redis" else "wechat_memory.json"
    (RESULTS / name).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(markdown(report))


def markdown(report: Dict) -> str:
    lines = ["| measure | users | p50 ms | p99 ms | count |", "|---|---|---|---|---|"]
    for key, value in report["results"].items():
        if "@" not in key:
            continue
        name, mode = key.rsplit("@", 1)
        lines.append(f"| {name} | {mode} | {value['p50_ms']} | {value['p99_ms']} | "
                     f"{value.get('turns', value.get('pushes'))} |")
    if "exactly_once" in report["results"]:
        lines += ["", f"exactly once: {report['results']['exactly_once']}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
