"""Measuring an NLU model on labelled examples: intents and entities.

Used by the held-out tests (``tests/nlu/test_heldout.py``, ``tests/nlu/test_real_users.py``) and
the benchmark (``bench/nlu_bench.py``), so all report the same numbers the same way. Entities are
compared as (type, canonical value) pairs: what the dialogue actually receives.

Real users' messages (``tests/nlu/real_users/``) are labelled with the *acceptable* intents
("不想用了，想注销账号" is rightly ``how_delete_account`` or ``request_account_deletion``); their
report counts a message as understood when the top intent is acceptable and the assistant did not
fall back, and says how often the two-stage fallback question offers an acceptable intent.
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
    ranking: Tuple[str, ...] = ()  # the classifier's intents, best first (no nlu_fallback)


@dataclass(frozen=True)
class RealUserExample:
    text: str
    gold: frozenset  # the acceptable intents
    source: str = ""


def load_real_user_examples(path: Path) -> List[RealUserExample]:
    """``tests/nlu/real_users/*.jsonl``: one {"text", "gold": "a|b", "source"} per line."""
    import json

    examples = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(RealUserExample(row["text"], frozenset(row["gold"].split("|")),
                                            row.get("source", "")))
    return examples


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
    ranking = tuple(r["name"] for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT)
    return Prediction(intent.get("name") or "", float(intent.get("confidence") or 0.0), entities, fell_back,
                      ranking or ((intent.get("name"),) if intent.get("name") else ()))


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


TWO_STAGE_OPTIONS = 2  # interpretations the assistant offers when unsure ("您是想……吗？")


@dataclass
class AcceptanceReport:
    """How real users' messages fare: understood (acceptable top intent, no fallback), fallback,
    and whether the fallback's question offers an acceptable intent."""

    accuracy: float             # acceptable top intent and no fallback: understood
    top_intent_accuracy: float  # acceptable top intent, fallback or not
    fallback_rate: float
    confident_accuracy: float   # among the messages that did not fall back
    two_stage_hit_rate: float   # among fallbacks: an acceptable intent among the options offered
    macro_f1: float             # crediting a prediction that is one of the acceptable intents
    count: int
    errors: List[Tuple[str, str, str, bool]] = field(default_factory=list)  # text, gold, predicted, fell back


def evaluate_acceptance(examples: Sequence[RealUserExample],
                        predictions: Sequence[Prediction]) -> AcceptanceReport:
    acceptable = [p.intent in e.gold for e, p in zip(examples, predictions)]
    fell_back = [p.fell_back for p in predictions]
    confident = [ok for ok, fb in zip(acceptable, fell_back) if not fb]
    offered = [bool(e.gold & set(p.ranking[:TWO_STAGE_OPTIONS]))
               for e, p in zip(examples, predictions) if p.fell_back]
    gold = [p.intent if p.intent in e.gold else sorted(e.gold)[0] for e, p in zip(examples, predictions)]
    predicted = [p.intent for p in predictions]
    labels = sorted(set(gold))
    count = len(examples)
    return AcceptanceReport(
        accuracy=sum(ok and not fb for ok, fb in zip(acceptable, fell_back)) / count,
        top_intent_accuracy=sum(acceptable) / count,
        fallback_rate=sum(fell_back) / count,
        confident_accuracy=sum(confident) / len(confident) if confident else 0.0,
        two_stage_hit_rate=sum(offered) / len(offered) if offered else 1.0,
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        count=count,
        errors=[(e.text, "|".join(sorted(e.gold)), p.intent, p.fell_back)
                for e, p in zip(examples, predictions) if p.intent not in e.gold or p.fell_back],
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
