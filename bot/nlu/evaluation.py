"""Measuring an NLU model on labelled examples: intents and entities.

Used by the held-out test (``tests/nlu/test_heldout.py``) and the benchmark
(``bench/nlu_bench.py``), so both report the same numbers the same way. Entities are compared as
(type, canonical value) pairs: what the dialogue actually receives.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

from sklearn.metrics import f1_score

from bot.identifiers import normalise_identifier

EntityPair = Tuple[str, str]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: frozenset  # of EntityPair


FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Prediction:
    intent: str            # the classifier's top intent (below any fallback decision)
    confidence: float
    entities: frozenset    # of EntityPair
    fell_back: bool = False  # the FallbackClassifier judged it too uncertain to act on


def load_examples(path: Path) -> List[Example]:
    """Labelled examples from a Rasa NLU YAML file or directory."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        text = message.get("text")
        pairs = frozenset(_gold_pair(text, e) for e in message.get("entities") or [])
        examples.append(Example(text, message.get("intent"), pairs))
    return examples


def _gold_pair(text: str, entity: Dict) -> EntityPair:
    value = entity.get("value") or text[entity["start"] : entity["end"]]
    return entity["entity"], str(normalise_identifier(entity["entity"], value))


def prediction_from_parse(parse: Dict) -> Prediction:
    """A Prediction from Rasa's parse result.

    When the FallbackClassifier fires, ``intent`` is ``nlu_fallback`` and the classifier's own
    ranking follows it in ``intent_ranking``; the prediction keeps the classifier's top intent and
    records the fallback separately, so intent accuracy and fallback rate are measured apart.
    """
    intent = parse.get("intent") or {}
    fell_back = intent.get("name") == FALLBACK_INTENT
    if fell_back:
        ranked = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        intent = ranked[0] if ranked else {}
    entities = frozenset((e["entity"], str(e["value"])) for e in parse.get("entities") or [])
    return Prediction(intent.get("name") or "", float(intent.get("confidence") or 0.0), entities, fell_back)


class RasaParser:
    """In-process parsing with a trained Rasa model, timing each message."""

    def __init__(self, model_path: Path) -> None:
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # Rasa's debug log would print every message's text
        configure_structlog(logging.WARNING)
        self._agent = Agent.load(str(model_path))
        self._loop = asyncio.new_event_loop()

    def __call__(self, text: str) -> Prediction:
        parse = self._loop.run_until_complete(self._agent.parse_message(text))
        return prediction_from_parse(parse)

    def close(self) -> None:
        self._loop.close()


def predict_all(
    parse: Callable[[str], Prediction], texts: Sequence[str]
) -> Tuple[List[Prediction], List[float]]:
    """Predictions for ``texts`` and the latency of each, in milliseconds."""
    predictions, latencies = [], []
    for text in texts:
        started = time.perf_counter()
        predictions.append(parse(text))
        latencies.append((time.perf_counter() - started) * 1000)
    return predictions, latencies


@dataclass
class EntityScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    accuracy: float                 # classifier's top intent
    macro_f1: float
    fallback_rate: float            # share the FallbackClassifier declined
    strict_accuracy: float          # counting every fallback as an error
    confident_accuracy: float       # accuracy on the messages that did not fall back
    per_intent_f1: Dict[str, float]
    confused_pairs: List[Tuple[str, str, int]]  # (gold, predicted, count), most frequent first
    entities: Dict[str, EntityScore] = field(default_factory=dict)
    errors: List[Tuple[str, str, str]] = field(default_factory=list)  # (text, gold, predicted)


def evaluate(examples: Sequence[Example], predictions: Sequence[Prediction]) -> Report:
    """Intent accuracy, macro-F1 over the gold intents, confusions and entity scores."""
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    correct = [g == p for g, p in zip(gold, predicted)]
    fell_back = [p.fell_back for p in predictions]
    confident = [c for c, f in zip(correct, fell_back) if not f]
    return Report(
        accuracy=sum(correct) / len(gold),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        fallback_rate=sum(fell_back) / len(gold),
        strict_accuracy=sum(c and not f for c, f in zip(correct, fell_back)) / len(gold),
        confident_accuracy=sum(confident) / len(confident) if confident else 0.0,
        per_intent_f1={label: float(score) for label, score in zip(labels, per_intent)},
        confused_pairs=[(g, p, n) for (g, p), n in confusions.most_common()],
        entities=entity_scores(examples, predictions),
        errors=[(e.text, e.intent, p.intent) for e, p in zip(examples, predictions) if e.intent != p.intent],
    )


def entity_scores(
    examples: Iterable[Example], predictions: Iterable[Prediction]
) -> Dict[str, EntityScore]:
    """Precision/recall/F1 per entity type over (type, value) pairs."""
    true_pos: Dict[str, int] = defaultdict(int)
    gold_count: Dict[str, int] = defaultdict(int)
    predicted_count: Dict[str, int] = defaultdict(int)
    for example, prediction in zip(examples, predictions):
        for entity_type, _ in example.entities:
            gold_count[entity_type] += 1
        for entity_type, _ in prediction.entities:
            predicted_count[entity_type] += 1
        for entity_type, _ in example.entities & prediction.entities:
            true_pos[entity_type] += 1
    scores = {}
    for entity_type in sorted(set(gold_count) | set(predicted_count)):
        tp = true_pos[entity_type]
        precision = tp / predicted_count[entity_type] if predicted_count[entity_type] else 0.0
        recall = tp / gold_count[entity_type] if gold_count[entity_type] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[entity_type] = EntityScore(precision, recall, f1, gold_count[entity_type])
    return scores


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def texts_of(examples: Iterable[Example]) -> List[str]:
    return [e.text for e in examples]
