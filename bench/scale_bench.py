"""Throughput with 1 and 2 of each part behind nginx, side by side in one run, and where a turn's
time goes.

For each scale (``--scales``, default 1 and 2) the scaled stack (``bot.scaled.ScaledStack``:
PostgreSQL tracker store and backend, Redis locks, nginx, no sticky sessions) is started and
measured closed-loop — ``--clients`` conversations, each sending its next message the moment the
reply arrives — for three kinds of turn:

* bare NLU parsing, Rasa's ``/model/parse`` through nginx (the baseline: understanding only);
* a policy question, each user asking one after another in their own conversation (NLU, rules,
  one action-server call, the knowledge base, loading and saving the tracker);
* the code turn of an anonymous export (checks the code with the backend, files the request).

nginx logs every request's time, so each turn is split into the time spent in Rasa itself, in
the action server (minus its backend calls) and in the backend. Writes
``bench/results/scale.json`` and prints a table.

    .venv/bin/python -m bench.scale_bench [--turns 300] [--clients 20] [--scales 1 2]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.turn_bench import (  # noqa: E402
    QUESTIONS, Conversation, admin_outbox, export_filing_turn, free_port, nlu_parse_turn, run_concurrently,
    summary,
)
from bot.scaled import BALANCED, ScaledStack  # noqa: E402

RESULTS = REPO / "bench" / "results"
REDIS_DB = 7


def policy_questions_in_one_conversation(stack: ScaledStack):
    """Each client's user asks one question after another in their own conversation."""
    conversations: Dict[int, Conversation] = {}

    def turn(index: int, number: int) -> float:
        _app, question = QUESTIONS[(index + number) % len(QUESTIONS)]
        if index not in conversations:
            conversations[index] = Conversation(stack, "melochi")
        return conversations[index].send(question)[0]
    return turn


def read_timings(log: Path, offset: int, ports: Dict[str, int]) -> Dict[str, Dict[str, float]]:
    """Requests and seconds per part from the nginx timing log, from ``offset`` on; ``messages``
    counts the users' messages (a conversation's start is not a turn)."""
    part_of = {str(port): name for name, port in ports.items()}
    totals: Dict[str, Dict[str, float]] = defaultdict(lambda: {"requests": 0, "seconds": 0.0})
    with open(log, encoding="utf-8") as lines:
        lines.seek(offset)
        for line in lines:
            port, _status, seconds, uri = line.split()
            if port in part_of:
                totals[part_of[port]]["requests"] += 1
                totals[part_of[port]]["seconds"] += float(seconds)
                if uri == "/webhooks/app_chat/webhook":
                    totals["messages"]["requests"] += 1
    return dict(totals)


def breakdown(timings: Dict[str, Dict[str, float]]) -> Dict[str, float]:
    """Milliseconds per user message in each part. Calls nest (a turn's action calls run inside
    its Rasa request, the actions' backend calls inside the action call), so each part's own time
    is its total minus what it waited for."""
    messages = max(1, timings.get("messages", {}).get("requests", 0))
    total = {name: timings.get(name, {}).get("seconds", 0.0) * 1000 / messages for name in BALANCED}
    return {"messages": messages,
            "rasa_own_ms": round(total["rasa"] - total["actions"], 1),
            "actions_own_ms": round(total["actions"] - total["backend"], 1),
            "backend_ms": round(total["backend"], 1),
            "action_calls_per_message": round(timings.get("actions", {}).get("requests", 0) / messages, 2),
            "backend_calls_per_message": round(timings.get("backend", {}).get("requests", 0) / messages, 2)}


def measure_scale(scale: int, turns: int, clients: int) -> Dict[str, Dict]:
    prefix = f"bench_scale_{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in ("rasa", "actions", "backend", "web")}
    var_dir = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    timing_log = var_dir / "timing.log"
    stack = ScaledStack(scale, ports, var_dir, database_prefix=prefix, redis_db=REDIS_DB,
                        timing_log=timing_log,
                        extra_env={"BACKEND_CODES_PER_PHONE_PER_HOUR": "100000"})
    results: Dict[str, Dict] = {}
    try:
        with stack:
            users = [tuple(line.split("\t")) for line in
                     stack.backend_command("demo-users").strip().splitlines()[1:]]
            scenarios = {
                "nlu_parse_baseline": nlu_parse_turn(stack),
                "policy_question": policy_questions_in_one_conversation(stack),
                "filing_export_code_turn": export_filing_turn(stack, users, admin_outbox(stack)),
            }
            for turn in scenarios.values():  # warm every process of every path
                run_concurrently(2 * scale, 3, turn)
            for name, turn in scenarios.items():
                offset = timing_log.stat().st_size
                started = time.perf_counter()
                latencies = run_concurrently(clients, max(1, turns // clients), turn)
                wall = time.perf_counter() - started
                results[name] = summary(latencies, wall)
                timings = read_timings(timing_log, offset, {part: stack.ports[part] for part in BALANCED})
                if name != "nlu_parse_baseline":
                    results[name]["per_message"] = breakdown(timings)
                    results[name]["messages_per_second"] = round(
                        results[name]["per_message"]["messages"] / wall, 1)
                print(f"scale {scale}", name, results[name], flush=True)
    finally:
        stack.discard_data()
    return results


def ratios(by_scale: Dict[int, Dict[str, Dict]]) -> Dict[str, float]:
    """The issue's targets, as ratios within this run."""
    found = {}
    for scale, results in by_scale.items():
        parse, policy = results["nlu_parse_baseline"], results["policy_question"]
        filing = results["filing_export_code_turn"]
        found[f"scale{scale}_policy_vs_parse_throughput"] = round(
            policy["turns_per_second"] / parse["turns_per_second"], 2)
        found[f"scale{scale}_filing_p50_vs_parse_p50"] = round(filing["p50_ms"] / parse["p50_ms"], 2)
    if 1 in by_scale and 2 in by_scale:
        for name in ("nlu_parse_baseline", "policy_question", "filing_export_code_turn"):
            found[f"{name}_throughput_2_vs_1"] = round(
                by_scale[2][name]["turns_per_second"] / by_scale[1][name]["turns_per_second"], 2)
    return found


def markdown(report: Dict) -> str:
    lines = ["| scale | turn | turns/s | p50 ms | p99 ms | per message: Rasa own ms | actions own ms | backend ms |",
             "|---|---|---|---|---|---|---|---|"]
    for scale, results in report["by_scale"].items():
        for name, value in results.items():
            split = value.get("per_message", {})
            lines.append(f"| {scale} | {name} | {value['turns_per_second']} | {value['p50_ms']} | "
                         f"{value['p99_ms']} | {split.get('rasa_own_ms', '—')} | "
                         f"{split.get('actions_own_ms', '—')} | {split.get('backend_ms', '—')} |")
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in report["ratios"].items()]
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300, help="turns per kind of turn and scale")
    parser.add_argument("--clients", type=int, default=20, help="closed-loop conversations at once")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2], help="processes of each part")
    args = parser.parse_args(argv)
    by_scale = {scale: measure_scale(scale, args.turns, args.clients) for scale in args.scales}
    report = {"cores": os.cpu_count(), "clients": args.clients, "by_scale": by_scale, "ratios": ratios(by_scale)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
