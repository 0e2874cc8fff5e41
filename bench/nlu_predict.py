"""Parse texts with one trained Rasa model and print what came out, as JSON (run by nlu_bench).

Run in a subprocess with the source tree the model was trained from on ``PYTHONPATH``, so an
earlier pipeline is measured with its own components:

    python bench/nlu_predict.py MODEL TEXTS.json > PREDICTIONS.json
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
WARMUP_MESSAGES = 20
FALLBACK = "nlu_fallback"


def main() -> None:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    model, texts_file = sys.argv[1], sys.argv[2]
    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message's text
    texts = json.loads(open(texts_file, encoding="utf-8").read())
    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    for text in texts[:WARMUP_MESSAGES]:
        loop.run_until_complete(agent.parse_message(text))
    results = []
    for text in texts:
        started = time.perf_counter()
        parse = loop.run_until_complete(agent.parse_message(text))
        elapsed = (time.perf_counter() - started) * 1000
        ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != FALLBACK]
        top = ranking[0] if ranking else parse.get("intent") or {}
        results.append({
            "intent": top.get("name") or "", "confidence": float(top.get("confidence") or 0.0),
            "fell_back": (parse.get("intent") or {}).get("name") == FALLBACK,
            "ranking": [r["name"] for r in ranking],
            "entities": [[e["entity"], str(e["value"])] for e in parse.get("entities") or []],
            "ms": elapsed,
        })
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
