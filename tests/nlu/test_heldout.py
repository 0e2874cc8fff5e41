"""The trained model on the held-out set in tests/nlu/test_nlu.yml, which never enters training.

Thresholds are the foundation issue's acceptance bar; the benchmark (bench/nlu_bench.py) reports
the full figures beside a baseline.
"""
import re
from pathlib import Path

import pytest

from bot.nlu.evaluation import RasaParser, evaluate, load_examples, predict_all, texts_of
from bot.text import normalize

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = REPO_ROOT / "models" / "privacy-desk.tar.gz"
HELD_OUT = REPO_ROOT / "tests" / "nlu" / "test_nlu.yml"
CONTRACT_ENTITIES = {"data_category", "channel", "permission", "phone_number",
                     "verification_code", "request_id"}
MIN_ENTITY_F1 = 0.80


@pytest.fixture(scope="module")
def held_out():
    return load_examples(HELD_OUT)


@pytest.fixture(scope="module")
def report(held_out):
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` first"
    parser = RasaParser(MODEL)
    try:
        predictions, _ = predict_all(parser, texts_of(held_out))
    finally:
        parser.close()
    return evaluate(held_out, predictions)


def _comparison_key(text):
    # the same sentence in traditional characters or with other punctuation is still a copy
    return re.sub(r"[\s\W_]+", "", normalize(text)).lower()


def test_held_out_set_never_appears_in_training_data(held_out):
    training = {_comparison_key(e.text) for e in load_examples(REPO_ROOT / "data" / "nlu")}
    leaked = [e.text for e in held_out if _comparison_key(e.text) in training]
    assert not leaked, f"held-out sentences found in data/nlu: {leaked[:5]}"


def test_dev_set_used_for_tuning_never_appears_in_training_data():
    training = {_comparison_key(e.text) for e in load_examples(REPO_ROOT / "data" / "nlu")}
    dev = load_examples(REPO_ROOT / "bench" / "data" / "dev_nlu.yml")
    leaked = [e.text for e in dev if _comparison_key(e.text) in training]
    assert not leaked, f"dev sentences found in data/nlu: {leaked[:5]}"


def test_held_out_set_covers_every_contract_intent_with_at_least_12_examples(held_out):
    domain_intents = set(_domain_intents())
    counts = {intent: sum(e.intent == intent for e in held_out) for intent in domain_intents}
    assert min(counts.values()) >= 12, {k: v for k, v in counts.items() if v < 12}


def test_intent_accuracy_is_at_least_092(report):
    assert report.accuracy >= 0.92, report.confused_pairs[:10]


def test_intent_macro_f1_is_at_least_090(report):
    assert report.macro_f1 >= 0.90, sorted(report.per_intent_f1.items(), key=lambda kv: kv[1])[:8]


@pytest.mark.parametrize("entity_type", sorted(CONTRACT_ENTITIES))
def test_every_entity_type_is_extracted_with_its_canonical_value(report, entity_type):
    score = report.entities.get(entity_type)
    assert score is not None and score.support > 0, f"no {entity_type} in the held-out set"
    assert score.f1 >= MIN_ENTITY_F1, score


def _domain_intents():
    import yaml

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["intents"]
