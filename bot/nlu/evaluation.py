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
from typing import Callable, Dict, Iterable, List, Sequence, Set, Tuple

from sklearn.metrics import f1_score

from bot.identifiers import normalise_identifier

EntityPair = Tuple[str, str]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: frozenset  # of EntityPair


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    entities: frozenset  # of EntityPair


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
    """A Prediction from Rasa's parse result."""
    intent = parse.get("intent") or {}
    entities = frozenset((e["entity"], str(e["value"])) for e in parse.get("entities") or [])
    return Prediction(intent.get("name") or "", float(intent.get("confidence") or 0.0), entities)


class RasaParser:
    """In-process parsing with a trained Rasa model, timing each message."""

    def __init__(self, model_path: Path) -> None:
        from rasa.core.agent import Agent

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
    accuracy: float
    macro_f1: float
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
    return Report(
        accuracy=sum(g == p for g, p in zip(gold, predicted)) / len(gold),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
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


def intents_of(examples: Iterable[Example]) -> Set[str]:
    return {e.intent for e in examples}
