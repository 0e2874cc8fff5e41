"""Rasa's FallbackClassifier, reading an intent *family* as one meaning.

``how_delete_account`` ("how do I cancel?") and ``request_account_deletion`` ("cancel it") are
one wish seen from two sides; a real message ("不想用了，想注销账号") often splits its probability
between them. Rasa's classifier would call that "not understood" twice over — each half is below
the threshold, and the two are within the ambiguity margin — although the assistant knows
exactly what the user is after, and either answer helps (the how-to answer offers to file the
request, the request flow explains the steps). Here a family's confidence is the sum of its
members', and a runner-up from the top intent's own family is not a rival: the margin is taken to
the best intent outside the family. The top intent itself is never changed.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import AMBIGUITY_THRESHOLD_KEY, FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

DEFAULT_FAMILIES = [
    ["how_delete_account", "request_account_deletion"],
    ["how_delete_info", "request_info_deletion"],
    ["how_get_data_copy", "request_data_export"],
    ["how_unsubscribe", "request_unsubscribe"],
]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FamilyFallbackClassifier(FallbackClassifier):
    """``FallbackClassifier`` with ``families``: lists of intents that count as one meaning."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FallbackClassifier.get_default_config(), "families": DEFAULT_FAMILIES}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._family_of = {intent: frozenset(family)
                           for family in self.component_config["families"] for intent in family}

    def _family(self, intent: Optional[Text]) -> frozenset:
        return self._family_of.get(intent, frozenset({intent}))

    def _ranking(self, message: Message) -> List[Dict[Text, Any]]:
        return message.data.get(INTENT_RANKING_KEY) or []

    def family_confidence(self, message: Message) -> float:
        """The top intent's confidence plus that of the rest of its family."""
        top = message.data[INTENT]
        family = self._family(top.get(INTENT_NAME_KEY))
        ranked = {r.get(INTENT_NAME_KEY): r.get(PREDICTED_CONFIDENCE_KEY, 0.0) for r in self._ranking(message)}
        others = sum(ranked.get(member, 0.0) for member in family if member != top.get(INTENT_NAME_KEY))
        return top.get(PREDICTED_CONFIDENCE_KEY, 0.0) + others

    def _nlu_confidence_below_threshold(self, message: Message) -> Tuple[bool, float]:
        confidence = self.family_confidence(message)
        return confidence < self.component_config["threshold"], confidence

    def _nlu_prediction_ambiguous(self, message: Message) -> Tuple[bool, Optional[float]]:
        ranking = self._ranking(message)
        if len(ranking) < 2:
            return False, None
        family = self._family(ranking[0].get(INTENT_NAME_KEY))
        rival = next((r for r in ranking[1:] if r.get(INTENT_NAME_KEY) not in family), None)
        if rival is None:
            return False, None
        difference = self.family_confidence(message) - rival.get(PREDICTED_CONFIDENCE_KEY, 1.0)
        return difference < self.component_config[AMBIGUITY_THRESHOLD_KEY], difference
