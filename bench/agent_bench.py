"""Agent workspace: suggestion latency, correct answer among the suggestions, agent-to-user delivery.

Starts the whole stack (``bot.devserver.LocalStack``) on free ports and measures:

* **suggestions**: ``POST /api/assist/suggestions`` for every policy question of the held-out NLU
  set (``tests/nlu/test_nlu.yml``; intents the assistant answers from the policy: ``ask_*`` and
  ``how_*``), one at a time, apps in turn; beside it, in the same run, Rasa's bare
  ``/model/parse`` of the same texts (the NLU alone). Also how often the gold intent's answer is
  among the (up to) three suggestions, and how often it is the first;
* **delivery**: 20 live conversations handed to one agent, each user's chat page stream
  (``GET /api/events`` on the chat page's server) open; the agent sends ``--messages`` messages
  (paced: exponential pauses, mean ``--think-ms`` per conversation) and each is timed from the
  moment the agent's send starts to its arrival on that user's stream. Beside it: the agent's own
  round trip (``POST /api/tickets/{id}/messages``).

Each measurement runs ``--runs`` times; the figures are medians over runs. Writes
``bench/results/agents.json``.

    .venv/bin/python -m bench.agent_bench [--runs 3] [--messages 100] [--think-ms 1000]
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.agents.assist import ANSWERABLE  # noqa: E402
from bot.devserver import LocalStack, _free_port  # noqa: E402
from bot.nlu.evaluation import load_examples, percentile  # noqa: E402

RESULTS = REPO / "bench" / "results"
HELD_OUT = REPO / "tests" / "nlu" / "test_nlu.yml"
APPS = ("melochi", "yhd", "miniapp", "tego", "liqun")
CONVERSATIONS = 20
PASSWORD = "benchmark agent password"


def summary(values: list) -> dict:
    return {"p50_ms": round(percentile(values, 50) * 1000, 1), "p99_ms": round(percentile(values, 99) * 1000, 1),
            "n": len(values)}


def median_of(runs: list, key: str) -> dict:
    return {field: round(statistics.median(run[key][field] for run in runs), 3 if "rate" in field else 1)
            for field in runs[0][key]}


# --- suggestions ------------------------------------------------------------------------------

def suggestion_run(stack: LocalStack, questions: list, token: str) -> dict:
    http = requests.Session()
    assist, parse, first, among = [], [], 0, 0
    for index, example in enumerate(questions):
        app = APPS[index % len(APPS)]
        started = time.perf_counter()
        parse_answer = http.post(f"{stack.url('rasa')}/model/parse", params={"token": stack.auth_token},
                                 json={"text": example.text}, timeout=30)
        parse.append(time.perf_counter() - started)
        parse_answer.raise_for_status()
        started = time.perf_counter()
        answer = http.post(f"{stack.url('agent')}/api/assist/suggestions", timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           json={"app": app, "platform": "app", "messages": [{"from": "user", "text": example.text}]})
        assist.append(time.perf_counter() - started)
        answer.raise_for_status()
        intents = [s["intent"] for s in answer.json()["suggestions"]]
        first += bool(intents) and intents[0] == example.intent
        among += example.intent in intents
    return {"assist": summary(assist), "parse_baseline": summary(parse),
            "accuracy": {"correct_among_suggestions_rate": among / len(questions),
                         "correct_first_rate": first / len(questions), "questions": len(questions)}}


# --- delivery ---------------------------------------------------------------------------------

class UserStream(threading.Thread):
    """One user's chat page stream: the arrival time of each agent message, by event id."""

    def __init__(self, stack: LocalStack, conversation: dict, arrivals: dict) -> None:
        super().__init__(daemon=True)
        self.arrivals, self.ready = arrivals, threading.Event()
        self.response = requests.get(f"{stack.url('web')}/api/events", stream=True, timeout=(5, 120), params={
            "sender": conversation["sender"], "app": conversation["app"],
            "conversation_token": conversation["conversation_token"]})
        self.response.raise_for_status()

    def run(self) -> None:
        """Until the agent hands back (the stream's ``closed`` event); the response is closed by
        this thread, since closing it from another one can block on the read in progress."""
        event_id = None
        self.ready.set()
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("event: agent_message") and event_id is not None:
                    self.arrivals[event_id] = time.perf_counter()
                elif line.startswith("event: closed"):
                    break
        finally:
            self.response.close()


def hand_over(stack: LocalStack, app: str) -> dict:
    started = requests.post(f"{stack.url('rasa')}/webhooks/app_chat/conversations", json={"app": app}, timeout=30).json()
    reply = requests.post(f"{stack.url('rasa')}/webhooks/app_chat/webhook", timeout=60, json={
        "sender": started["sender"], "conversation_token": started["conversation_token"], "message": "转人工",
        "metadata": {"app": app, "platform": "app"}}).json()
    assert any("handoff" in (m.get("custom") or {}) for m in reply), reply
    return started


def agent_session(stack: LocalStack, apps: str) -> tuple:
    login = "bench-" + secrets.token_hex(4)
    subprocess.run([sys.executable, "-m", "bot.backend", "agents", "create", "--login", login, "--apps", apps],
                   cwd=REPO, env=stack.environment, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    http = requests.Session()
    me = http.post(f"{stack.url('agent')}/api/login", json={"login": login, "password": PASSWORD}, timeout=30)
    me.raise_for_status()
    return http, me.json()["csrf_token"]


def delivery_run(stack: LocalStack, messages: int, think_ms: float) -> dict:
    http, csrf = agent_session(stack, ",".join(APPS))
    conversations = [hand_over(stack, APPS[i % len(APPS)]) for i in range(CONVERSATIONS)]
    queue = http.get(f"{stack.url('agent')}/api/queue", timeout=30).json()["items"]
    by_conversation = {t["conversation_id"]: t["id"] for t in queue}
    tickets = [by_conversation[c["sender"]] for c in conversations]
    for ticket in tickets:
        http.post(f"{stack.url('agent')}/api/tickets/{ticket}/claim", headers={"X-CSRF-Token": csrf}, json={},
                  timeout=30).raise_for_status()
    arrivals: dict = {}
    streams = [UserStream(stack, c, arrivals) for c in conversations]
    for stream in streams:
        stream.start()
        stream.ready.wait(10)
    time.sleep(0.5)
    sent: dict = {}
    round_trips: list = []
    lock = threading.Lock()

    def agent_writes(ticket: str, count: int) -> None:
        session = requests.Session()
        session.cookies.update(http.cookies)
        for n in range(count):
            time.sleep(random.expovariate(1000 / think_ms))
            started = time.perf_counter()
            answer = session.post(f"{stack.url('agent')}/api/tickets/{ticket}/messages", timeout=30,
                                  headers={"X-CSRF-Token": csrf}, json={"text": f"您好，这是第 {n + 1} 条回复。", "usage": "own"})
            answer.raise_for_status()
            with lock:
                round_trips.append(time.perf_counter() - started)
                sent[answer.json()["event"]["id"]] = started

    per_conversation = max(messages // CONVERSATIONS, 1)
    writers = [threading.Thread(target=agent_writes, args=(t, per_conversation)) for t in tickets]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not set(sent) <= set(arrivals):
        time.sleep(0.05)
    for ticket in tickets:
        http.post(f"{stack.url('agent')}/api/tickets/{ticket}/handback", headers={"X-CSRF-Token": csrf}, json={},
                  timeout=30)
    for stream in streams:
        stream.join(10)
    delays = [arrivals[event] - started for event, started in sent.items() if event in arrivals]
    return {"delivery": summary(delays), "agent_round_trip_baseline": summary(round_trips),
            "lost": {"messages": len(sent), "not_delivered": len(set(sent) - set(arrivals))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=100, help="agent messages per delivery run")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause between an agent's messages")
    args = parser.parse_args()
    questions = [e for e in load_examples(HELD_OUT) if e.intent in ANSWERABLE]
    ports = {name: _free_port() for name in ("rasa", "actions", "backend", "web", "agent")}
    with tempfile.TemporaryDirectory() as var_dir, LocalStack(
            ports, Path(var_dir), extra_env={"RASA_AUTH_TOKEN": "bench-" + uuid.uuid4().hex}) as stack:
        token = stack.environment["AGENT_ASSIST_TOKEN"]
        suggestion_run(stack, questions[:20], token)  # warm-up
        suggestions = [suggestion_run(stack, questions, token) for _ in range(args.runs)]
        deliveries = [delivery_run(stack, args.messages, args.think_ms) for _ in range(args.runs)]
    result = {
        "machine": "2-core development machine", "runs": args.runs, "conversations": CONVERSATIONS,
        "suggestions": {key: median_of(suggestions, key) for key in ("assist", "parse_baseline", "accuracy")},
        "delivery": {key: median_of(deliveries, key) for key in ("delivery", "agent_round_trip_baseline", "lost")},
        "per_run": {"suggestions": suggestions, "delivery": deliveries},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "agents.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("suggestions", "delivery")}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
