"""The fallback reads a how_X / request_X pair as one meaning; anything else falls back as Rasa's does."""
import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.family_fallback import FamilyFallbackClassifier

CONFIG = {"threshold": 0.4, "ambiguity_threshold": 0.1}


def classified(*ranking):
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": "不想用了，想注销账号", "intent": dict(intents[0]), "intent_ranking": intents})


def top_intent(classifier, message):
    [processed] = classifier.process([message])
    return processed.data["intent"]["name"]


@pytest.fixture
def family_fallback():
    return FamilyFallbackClassifier({**FamilyFallbackClassifier.get_default_config(), **CONFIG})


def test_a_family_splitting_its_probability_is_understood(family_fallback):
    split = (("how_delete_account", 0.31), ("request_account_deletion", 0.29), ("ask_security", 0.1))
    rasa = FallbackClassifier({**FallbackClassifier.get_default_config(), **CONFIG})
    assert top_intent(rasa, classified(*split)) == DEFAULT_NLU_FALLBACK_INTENT_NAME  # why this component exists
    assert top_intent(family_fallback, classified(*split)) == "how_delete_account"


def test_two_unrelated_intents_close_together_still_fall_back(family_fallback):
    message = classified(("how_delete_account", 0.45), ("ask_security", 0.40), ("request_account_deletion", 0.05))
    assert top_intent(family_fallback, message) == DEFAULT_NLU_FALLBACK_INTENT_NAME


def test_a_family_is_compared_with_the_best_intent_outside_it(family_fallback):
    message = classified(("how_unsubscribe", 0.30), ("request_unsubscribe", 0.25), ("ask_data_usage", 0.20))
    assert top_intent(family_fallback, message) == "how_unsubscribe"  # 0.55 vs 0.20


def test_a_lone_intent_below_the_threshold_falls_back(family_fallback):
    message = classified(("ask_contact", 0.35), ("human_handoff", 0.10), ("greet", 0.05))
    assert top_intent(family_fallback, message) == DEFAULT_NLU_FALLBACK_INTENT_NAME


def test_a_confident_intent_is_left_alone(family_fallback):
    message = classified(("ask_cookies", 0.8), ("ask_permissions", 0.1))
    assert top_intent(family_fallback, message) == "ask_cookies"
