"""NLU benchmark: our Rasa pipeline against a jieba + TF-IDF + logistic-regression baseline.

Both are trained on ``data/nlu`` in the same run and scored on the held-out ``tests/nlu`` set:
accuracy, macro-F1, per-intent F1, the most confused pairs, training time, model size and
in-process parse latency. Writes ``bench/results/nlu.json``, ``nlu.md`` (the README table) and
``nlu_confusion.png``.

    make bench                       # or: .venv/bin/python -m bench.nlu_bench [--config FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bot.nlu.evaluation import (  # noqa: E402
    Example,
    Prediction,
    RasaParser,
    Report,
    evaluate,
    load_examples,
    percentile,
    predict_all,
    texts_of,
)

RESULTS = REPO / "bench" / "results"
WARMUP_MESSAGES = 20


def train_rasa(config: Path, out_dir: Path, nlu_only: bool) -> float:
    """Trains with the Rasa CLI from scratch (an empty cache); returns wall-clock seconds."""
    command = [str(REPO / ".venv" / "bin" / "rasa"), "train"]
    # the same data as `make train`; data/apps holds knowledge bases, not training data
    command += ["nlu", "--nlu", "data/nlu"] if nlu_only else ["--data", "data/nlu", "data/rules.yml"]
    command += ["--config", str(config), "--out", str(out_dir), "--fixed-model-name", "bench", "--quiet"]
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "RASA_CACHE_DIRECTORY": cache}
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=environment, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def jieba_words(text: str) -> List[str]:
    import jieba

    return jieba.lcut(text)


class Baseline:
    """jieba words, TF-IDF over word uni- and bigrams, logistic regression."""

    def __init__(self, training: Sequence[Example]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self._pipeline = make_pipeline(
            TfidfVectorizer(tokenizer=jieba_words, token_pattern=None, ngram_range=(1, 2),
                            sublinear_tf=True),
            LogisticRegression(C=10, max_iter=3000),
        )
        started = time.perf_counter()
        self._pipeline.fit(texts_of(training), [e.intent for e in training])
        self.training_seconds = time.perf_counter() - started

    def size_mb(self) -> float:
        return len(pickle.dumps(self._pipeline)) / 1e6

    def __call__(self, text: str) -> Prediction:
        probabilities = self._pipeline.predict_proba([text])[0]
        best = probabilities.argmax()
        return Prediction(self._pipeline.classes_[best], float(probabilities[best]), frozenset())


def measure(parse, examples: Sequence[Example]) -> Dict:
    predict_all(parse, texts_of(examples[:WARMUP_MESSAGES]))
    predictions, latencies = predict_all(parse, texts_of(examples))
    return {"report": evaluate(examples, predictions), "latencies": latencies,
            "predictions": predictions}


def summary(name: str, measured: Dict, training_seconds: float, size_mb: float) -> Dict:
    report: Report = measured["report"]
    latencies: List[float] = measured["latencies"]
    return {
        "name": name,
        "accuracy": round(report.accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "fallback_rate": round(report.fallback_rate, 4),
        "strict_accuracy": round(report.strict_accuracy, 4),
        "confident_accuracy": round(report.confident_accuracy, 4),
        "training_seconds": round(training_seconds, 1),
        "model_size_mb": round(size_mb, 2),
        "parse_ms_p50": round(statistics.median(latencies), 2),
        "parse_ms_p99": round(percentile(latencies, 99), 2),
        "per_intent_f1": {k: round(v, 3) for k, v in report.per_intent_f1.items()},
        "confused_pairs": report.confused_pairs[:10],
        "entities": {k: {"precision": round(s.precision, 3), "recall": round(s.recall, 3),
                         "f1": round(s.f1, 3), "support": s.support}
                     for k, s in report.entities.items()},
        "errors": report.errors,
    }


def markdown(ours: Dict, baseline: Dict, full_training: float | None, held_out: int, trained_on: int) -> str:
    rows = [
        ("intent accuracy", "accuracy", "{:.3f}"),
        ("intent macro-F1", "macro_f1", "{:.3f}"),
        ("fallback rate (FallbackClassifier)", "fallback_rate", "{:.3f}"),
        ("accuracy when not falling back", "confident_accuracy", "{:.3f}"),
        ("strict accuracy (fallback = error)", "strict_accuracy", "{:.3f}"),
        ("training time (NLU), s", "training_seconds", "{:.1f}"),
        ("model size, MB", "model_size_mb", "{:.2f}"),
        ("parse latency p50, ms", "parse_ms_p50", "{:.2f}"),
        ("parse latency p99, ms", "parse_ms_p99", "{:.2f}"),
    ]
    lines = [f"Held-out set: {held_out} messages; trained on {trained_on} examples.", "",
             "| measure | our pipeline | baseline (jieba + TF-IDF + LR) |", "|---|---|---|"]
    for label, key, fmt in rows:
        lines.append(f"| {label} | {fmt.format(ours[key])} | {fmt.format(baseline[key])} |")
    if full_training is not None:
        lines.append(f"| full `rasa train` (NLU + dialogue), s | {full_training:.1f} | — |")
    lines += ["", "| entity | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for entity, s in ours["entities"].items():
        lines.append(f"| {entity} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    lines += ["", "Most confused intents (gold → predicted, count): " + ", ".join(
        f"{g} → {p} ({n})" for g, p, n in ours["confused_pairs"][:6])]
    worst = sorted(ours["per_intent_f1"].items(), key=lambda kv: kv[1])[:5]
    lines += ["Lowest per-intent F1: " + ", ".join(f"{k} {v:.2f}" for k, v in worst)]
    return "\n".join(lines) + "\n"


def confusion_png(examples: Sequence[Example], predictions: Sequence[Prediction], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    labels = sorted(set(gold)) + sorted(set(predicted) - set(gold))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    figure, axes = plt.subplots(figsize=(14, 12))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    for i, j in zip(*matrix.nonzero()):
        if i != j:
            axes.text(j, i, matrix[i, j], ha="center", va="center", fontsize=6, color="red")
    axes.set_title("Held-out intent confusion (off-diagonal counts in red)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=REPO / "config.yml")
    parser.add_argument("--held-out", type=Path, default=REPO / "tests" / "nlu" / "test_nlu.yml")
    parser.add_argument("--label", default="", help="suffix for result files (config experiments)")
    parser.add_argument("--skip-full-training", action="store_true",
                        help="skip timing a full `rasa train` (NLU + dialogue)")
    args = parser.parse_args()

    training = load_examples(REPO / "data" / "nlu")
    held_out = load_examples(args.held_out)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"_{args.label}" if args.label else ""

    with tempfile.TemporaryDirectory() as out_dir:
        nlu_seconds = train_rasa(args.config, Path(out_dir), nlu_only=True)
        model = Path(out_dir) / "bench.tar.gz"
        size_mb = model.stat().st_size / 1e6
        rasa_parser = RasaParser(model)
        ours_measured = measure(rasa_parser, held_out)
        ours = summary("rasa", ours_measured, nlu_seconds, size_mb)
        rasa_parser.close()
        full_seconds = None
        if not args.skip_full_training:
            full_seconds = train_rasa(args.config, Path(out_dir) / "full", nlu_only=False)

    baseline_model = Baseline(training)
    baseline_size = baseline_model.size_mb()
    baseline = summary("baseline", measure(baseline_model, held_out),
                       baseline_model.training_seconds, baseline_size)

    table = markdown(ours, baseline, full_seconds, len(held_out), len(training))
    (RESULTS / f"nlu{suffix}.md").write_text(table, encoding="utf-8")
    (RESULTS / f"nlu{suffix}.json").write_text(json.dumps(
        {"config": str(args.config.relative_to(REPO) if args.config.is_absolute() else args.config),
         "held_out": len(held_out), "training_examples": len(training),
         "full_training_seconds": full_seconds, "ours": ours, "baseline": baseline},
        ensure_ascii=False, indent=1), encoding="utf-8")
    confusion_png(held_out, ours_measured["predictions"], RESULTS / f"nlu_confusion{suffix}.png")
    print(table)


if __name__ == "__main__":
    main()
