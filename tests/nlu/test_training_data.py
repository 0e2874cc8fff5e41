"""The training data covers the whole intent contract and every canonical entity value."""
from collections import Counter
from pathlib import Path

import yaml

from bot.nlu.evaluation import load_examples

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
CANONICAL = next(c for c in CONFIG["pipeline"] if c["name"].endswith("EntityCanonicalizer"))["entities"]


def test_every_contract_intent_has_at_least_40_distinct_examples():
    contract = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
    examples = load_examples(REPO_ROOT / "data" / "nlu")
    distinct = Counter(intent for intent, _ in {(e.intent, e.text.strip()) for e in examples})
    assert set(distinct) == set(contract)
    assert min(distinct[i] for i in contract) >= 40, distinct.most_common()[-5:]


def test_every_canonical_entity_value_is_annotated_in_training():
    annotated = {pair for e in load_examples(REPO_ROOT / "data" / "nlu") for pair in e.entities}
    missing = [(t, v) for t, values in CANONICAL.items() for v in values if (t, v) not in annotated]
    assert not missing
