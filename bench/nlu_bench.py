"""NLU benchmark: today's pipeline, the pipeline it replaced, and a TF-IDF baseline, in one run.

* **ours** — ``config.yml`` trained on ``data/nlu``;
* **previous** — the pipeline as it was at ``PREVIOUS_PIPELINE`` (its own config, training data and
  components, checked out from git into a temporary directory and run there);
* **baseline** — jieba + TF-IDF + logistic regression, trained on today's ``data/nlu``.

Scored on the held-out team-written set (``tests/nlu/test_nlu.yml``: accuracy, macro-F1,
fallback, entities) and on the real-user test split (``tests/nlu/real_users/test.jsonl``:
acceptable-intent accuracy, fallback rate, accuracy when not falling back, how often the
two-stage question offers an acceptable intent); the dev splits are reported for reference.
Also full ``rasa train`` time and in-process parse latency of both pipelines. Writes
``bench/results/nlu.json``, ``nlu.md`` (the README table) and ``nlu_confusion.png``.

    make bench-nlu                  # or: .venv/bin/python -m bench.nlu_bench [--skip-full-training]
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
    AcceptanceReport,
    Example,
    Prediction,
    Report,
    evaluate,
    evaluate_acceptance,
    load_examples,
    load_real_user_examples,
    percentile,
    predict_all,
    texts_of,
)

RESULTS = REPO / "bench" / "results"
PREVIOUS_PIPELINE = "496a83e"  # the NLU before the real-user work (issue 9)
WARMUP_MESSAGES = 20
HELD_OUT = REPO / "tests" / "nlu" / "test_nlu.yml"
REAL_USERS = REPO / "tests" / "nlu" / "real_users"


def train_rasa(tree: Path, out_dir: Path, nlu_only: bool) -> float:
    """Trains with the Rasa CLI from scratch (an empty cache) in ``tree``; wall-clock seconds."""
    command = [str(REPO / ".venv" / "bin" / "rasa"), "train"]
    # the same data as `make train`; data/apps holds knowledge bases, not training data
    command += ["nlu", "--nlu", "data/nlu"] if nlu_only else ["--data", "data/nlu", "data/rules.yml"]
    command += ["--config", "config.yml", "--out", str(out_dir), "--fixed-model-name", "bench", "--quiet"]
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "RASA_CACHE_DIRECTORY": cache, "PYTHONPATH": str(tree)}
        started = time.perf_counter()
        subprocess.run(command, cwd=tree, env=environment, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def predict_in(tree: Path, model: Path, texts: Sequence[str]) -> tuple[List[Prediction], List[float]]:
    """Predictions of ``model`` for ``texts``, parsed with ``tree``'s own components."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        json.dump(list(texts), handle, ensure_ascii=False)
    try:
        finished = subprocess.run(
            [sys.executable, str(REPO / "bench" / "nlu_predict.py"), str(model), handle.name],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True, capture_output=True)
    finally:
        os.unlink(handle.name)
    rows = json.loads(finished.stdout)
    predictions = [Prediction(r["intent"], r["confidence"], frozenset(map(tuple, r["entities"])),
                              r["fell_back"], tuple(r["ranking"])) for r in rows]
    return predictions, [r["ms"] for r in rows]


def previous_tree(commit: str, into: Path) -> Path:
    """The repository as it was at ``commit`` (tracked files only)."""
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


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
        order = probabilities.argsort()[::-1][:10]
        classes = self._pipeline.classes_
        return Prediction(classes[order[0]], float(probabilities[order[0]]), frozenset(),
                          ranking=tuple(str(classes[i]) for i in order))


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


EVAL_SETS = ("held_out", "real_test", "real_dev", "dev_nlu")


def load_sets() -> Dict[str, list]:
    return {"held_out": load_examples(HELD_OUT),
            "real_test": load_real_user_examples(REAL_USERS / "test.jsonl"),
            "real_dev": load_real_user_examples(REAL_USERS / "dev.jsonl"),
            "dev_nlu": load_examples(REPO / "bench" / "data" / "dev_nlu.yml")}


def scores(sets: Dict[str, list], predictions: Dict[str, List[Prediction]]) -> Dict[str, Dict]:
    out = {}
    for name, examples in sets.items():
        if name.startswith("real"):
            report: AcceptanceReport = evaluate_acceptance(examples, predictions[name])
            out[name] = {"accuracy": report.accuracy, "top_intent_accuracy": report.top_intent_accuracy,
                         "fallback_rate": report.fallback_rate, "confident_accuracy": report.confident_accuracy,
                         "two_stage_hit_rate": report.two_stage_hit_rate, "macro_f1": report.macro_f1,
                         "count": report.count, "errors": report.errors}
        else:
            report: Report = evaluate(examples, predictions[name])
            out[name] = {"accuracy": report.accuracy, "macro_f1": report.macro_f1,
                         "fallback_rate": report.fallback_rate, "strict_accuracy": report.strict_accuracy,
                         "confident_accuracy": report.confident_accuracy,
                         "entities": {k: round(v.f1, 3) for k, v in report.entities.items()},
                         "confused_pairs": report.confused_pairs[:10], "count": len(examples)}
    return {k: {m: (round(v, 4) if isinstance(v, float) else v) for m, v in d.items()} for k, d in out.items()}


def measure_pipeline(tree: Path, sets: Dict[str, list], out_dir: Path, full_training: bool) -> Dict:
    nlu_seconds = train_rasa(tree, out_dir, nlu_only=True)
    model = out_dir / "bench.tar.gz"
    texts = [text for examples in sets.values() for text in texts_of(examples)]
    predicted, latencies = predict_in(tree, model, texts)
    by_set, start = {}, 0
    for name, examples in sets.items():
        by_set[name], start = predicted[start:start + len(examples)], start + len(examples)
    full_seconds = train_rasa(tree, out_dir / "full", nlu_only=False) if full_training else None
    return {"scores": scores(sets, by_set), "nlu_training_seconds": round(nlu_seconds, 1),
            "full_training_seconds": round(full_seconds, 1) if full_seconds else None,
            "model_size_mb": round(model.stat().st_size / 1e6, 2),
            "parse_ms_p50": round(statistics.median(latencies), 2),
            "parse_ms_p99": round(percentile(latencies, 99), 2), "predictions": by_set}


def measure_baseline(sets: Dict[str, list]) -> Dict:
    baseline = Baseline(load_examples(REPO / "data" / "nlu"))
    by_set, latencies = {}, []
    for name, examples in sets.items():
        by_set[name], times = predict_all(baseline, texts_of(examples))
        latencies += times
    return {"scores": scores(sets, by_set), "nlu_training_seconds": round(baseline.training_seconds, 1),
            "full_training_seconds": None, "model_size_mb": round(baseline.size_mb(), 2),
            "parse_ms_p50": round(statistics.median(latencies), 2),
            "parse_ms_p99": round(percentile(latencies, 99), 2), "predictions": by_set}


ROWS = [
    ("real users (test): acceptable-intent accuracy", "real_test", "accuracy"),
    ("real users (test): fallback rate", "real_test", "fallback_rate"),
    ("real users (test): accuracy when not falling back", "real_test", "confident_accuracy"),
    ("real users (test): top intent acceptable, fallback or not", "real_test", "top_intent_accuracy"),
    ("real users (test): acceptable intent among the two-stage buttons", "real_test", "two_stage_hit_rate"),
    ("real users (test): macro-F1", "real_test", "macro_f1"),
    ("held-out (team-written): intent accuracy", "held_out", "accuracy"),
    ("held-out: macro-F1", "held_out", "macro_f1"),
    ("held-out: fallback rate", "held_out", "fallback_rate"),
    ("held-out: strict accuracy (fallback = error)", "held_out", "strict_accuracy"),
    ("real users (dev, tuned on): acceptable-intent accuracy", "real_dev", "accuracy"),
    ("real users (dev): fallback rate", "real_dev", "fallback_rate"),
    ("dev_nlu (tuned on): intent accuracy", "dev_nlu", "accuracy"),
]


def markdown(systems: Dict[str, Dict], sets: Dict[str, list], training_examples: int) -> str:
    names = list(systems)
    lines = [f"Trained on {training_examples} examples (today's data/nlu; `previous` on its own data at "
             f"{PREVIOUS_PIPELINE}). Sets: " + ", ".join(f"{k} {len(v)}" for k, v in sets.items()) + ".", "",
             "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, set_name, metric in ROWS:
        lines.append(f"| {label} | " + " | ".join(f"{systems[n]['scores'][set_name][metric]:.3f}"
                                                 for n in names) + " |")
    for label, key in (("NLU training, s", "nlu_training_seconds"), ("full `rasa train`, s", "full_training_seconds"),
                       ("model size, MB", "model_size_mb"), ("parse p50, ms", "parse_ms_p50"),
                       ("parse p99, ms", "parse_ms_p99")):
        lines.append(f"| {label} | " + " | ".join("—" if systems[n][key] is None else f"{systems[n][key]}"
                                                 for n in names) + " |")
    entities = systems["ours"]["scores"]["held_out"]["entities"]
    lines += ["", "Entity F1 (held-out, ours): " + ", ".join(f"{k} {v:.2f}" for k, v in entities.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--previous", default=PREVIOUS_PIPELINE, help="git commit of the pipeline to compare")
    parser.add_argument("--skip-full-training", action="store_true",
                        help="skip timing a full `rasa train` (NLU + dialogue)")
    parser.add_argument("--skip-previous", action="store_true", help="measure only ours and the baseline")
    args = parser.parse_args()

    sets = load_sets()
    RESULTS.mkdir(parents=True, exist_ok=True)
    systems: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        systems["ours"] = measure_pipeline(REPO, sets, work / "ours", not args.skip_full_training)
        if not args.skip_previous:
            (work / "tree").mkdir()
            tree = previous_tree(args.previous, work / "tree")
            systems["previous"] = measure_pipeline(tree, sets, work / "previous", not args.skip_full_training)
    systems["baseline"] = measure_baseline(sets)

    training = len(load_examples(REPO / "data" / "nlu"))
    table = markdown(systems, sets, training)
    (RESULTS / "nlu.md").write_text(table, encoding="utf-8")
    (RESULTS / "nlu.json").write_text(json.dumps(
        {"previous_pipeline": args.previous, "training_examples": training,
         "sets": {k: len(v) for k, v in sets.items()},
         "systems": {name: {k: v for k, v in system.items() if k != "predictions"}
                     for name, system in systems.items()}},
        ensure_ascii=False, indent=1), encoding="utf-8")
    confusion_png(sets["held_out"], systems["ours"]["predictions"]["held_out"], RESULTS / "nlu_confusion.png")
    print(table)


if __name__ == "__main__":
    main()
