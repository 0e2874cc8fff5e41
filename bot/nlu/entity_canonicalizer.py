"""Entity values the rest of the bot can rely on.

DIET extracts spans as users wrote them (簡訊, 营销短信, 定位权限…); Rasa's EntitySynonymMapper only
maps spans it saw verbatim in training. This component runs after both and guarantees that every
``data_category``, ``channel`` and ``permission`` entity carries one of the contract's canonical
values (``sms``, ``address``, ``location``…), or is dropped:

1. a value already canonical is kept;
2. otherwise the normalised span is looked up among the known surface forms (the training data's
   synonyms and annotations), exactly, then by the longest surface form it contains;
3. spans that name nothing known are dropped rather than passed on as garbage.

Identifiers (phone numbers, request ids) are written in their one canonical form (``bot.identifiers``).

It also removes duplicates (two extractors reporting the same span) and, when configured, adds
entities DIET missed by scanning the message for known surface forms.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Iterable, List, Optional, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.identifiers import normalise_identifier
from bot.text import normalize

logger = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.json"
LEXICON_EXTRACTOR = "EntityCanonicalizer"


def _lexicon_key(surface: Text) -> Text:
    return normalize(surface).lower().strip()


def _overlaps(a: Dict[Text, Any], b: Dict[Text, Any]) -> bool:
    return a[ENTITY_ATTRIBUTE_START] < b[ENTITY_ATTRIBUTE_END] and b[
        ENTITY_ATTRIBUTE_START
    ] < a[ENTITY_ATTRIBUTE_END]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class EntityCanonicalizer(GraphComponent, EntityExtractorMixin):
    """Maps extracted entity values onto the canonical vocabulary; drops the rest."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # entity type -> its canonical values; types not listed pass through untouched
            "entities": {},
            # scan messages for known surface forms the extractors did not mark …
            "fill_from_lexicon": True,
            # … only for the intents that use each entity type (type -> intents; absent = all)
            "fill_for_intents": {},
            # surface forms too generic to fill without context (手机 is mostly the device)
            "never_fill": [],
            # intents under which a form valid for several types is read as that type
            "type_preference_by_intent": {},
            # the type chosen for an ambiguous form under any other intent
            "default_type_preference": [],
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Dict[Text, Text]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._canonical: Dict[Text, Set[Text]] = {
            entity_type: set(values)
            for entity_type, values in self._config["entities"].items()
        }
        # normalised surface form -> canonical value
        self._lexicon: Dict[Text, Text] = lexicon or {}
        self._surfaces_longest_first = sorted(self._lexicon, key=len, reverse=True)
        self._never_fill = {_lexicon_key(form) for form in self._config["never_fill"]}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityCanonicalizer:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EntityCanonicalizer:
        with model_storage.read_from(resource) as directory:
            lexicon = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, lexicon)

    # training ---------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        """Learns surface form -> canonical value from synonyms and annotations."""
        all_values = set().union(*self._canonical.values()) if self._canonical else set()
        pairs: List[Tuple[Text, Text]] = list(training_data.entity_synonyms.items())
        for example in training_data.entity_examples:
            for entity in example.get(ENTITIES, []):
                if entity[ENTITY_ATTRIBUTE_TYPE] in self._canonical:
                    span = example.get(TEXT)[
                        entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]
                    ]
                    pairs.append((span, str(entity[ENTITY_ATTRIBUTE_VALUE])))
        lexicon: Dict[Text, Text] = {value: value for value in all_values}
        for surface, value in pairs:
            if value in all_values and surface.strip():
                lexicon[_lexicon_key(surface)] = value
        self._lexicon = lexicon
        self._surfaces_longest_first = sorted(lexicon, key=len, reverse=True)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LEXICON_FILE).write_text(
                json.dumps(lexicon, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
        return self._resource

    # inference --------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            entities = self._canonical_entities(message.get(ENTITIES, []))
            if self._config["fill_from_lexicon"]:
                entities += self._lexicon_entities(message.get(TEXT) or "", entities, intent)
            entities.sort(key=lambda e: e[ENTITY_ATTRIBUTE_START])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def canonical_value(self, surface: Text, entity_type: Text) -> Optional[Text]:
        """The canonical value a span names for ``entity_type``, or None."""
        valid = self._canonical[entity_type]
        if surface in valid:
            return surface
        key = _lexicon_key(surface)
        value = self._lexicon.get(key)
        if value in valid:
            return value
        for known in self._surfaces_longest_first:
            if known and known in key and self._lexicon[known] in valid:
                return self._lexicon[known]
        return None

    def _canonical_entities(self, entities: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        kept: List[Dict[Text, Any]] = []
        # Longest span first: the regex's whole "139 0000 1234" beats DIET's three pieces,
        # 收货地址 beats 地址.
        by_length = sorted(
            entities,
            key=lambda e: e[ENTITY_ATTRIBUTE_END] - e[ENTITY_ATTRIBUTE_START],
            reverse=True,
        )
        for entity in by_length:
            entity_type = entity[ENTITY_ATTRIBUTE_TYPE]
            if entity_type in self._canonical:
                value = self.canonical_value(str(entity[ENTITY_ATTRIBUTE_VALUE]), entity_type)
                if value is None:
                    logger.debug("Dropping %s entity with unknown value", entity_type)
                    continue
            else:
                value = normalise_identifier(entity_type, entity[ENTITY_ATTRIBUTE_VALUE])
            if value != entity[ENTITY_ATTRIBUTE_VALUE]:
                entity = {**entity, ENTITY_ATTRIBUTE_VALUE: value}
                self.add_processor_name(entity)
            if any(self._same_mention(entity, other) for other in kept):
                continue
            kept.append(entity)
        return kept

    @staticmethod
    def _same_mention(a: Dict[Text, Any], b: Dict[Text, Any]) -> bool:
        return a[ENTITY_ATTRIBUTE_TYPE] == b[ENTITY_ATTRIBUTE_TYPE] and _overlaps(a, b)

    def _lexicon_entities(
        self, text: Text, found: List[Dict[Text, Any]], intent: Optional[Text]
    ) -> List[Dict[Text, Any]]:
        """Known surface forms in ``text`` not covered by an entity already found."""
        haystack = normalize(text).lower()
        taken = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in found]
        added: List[Dict[Text, Any]] = []
        for surface in self._surfaces_longest_first:
            if (len(surface) < 2 and not surface.isascii()) or surface in self._never_fill:
                continue  # single characters (e.g. 脸) and generic words match far too much
            start = haystack.find(surface)
            while start != -1:
                end = start + len(surface)
                if surface.isascii() and not self._ascii_word_boundary(haystack, start, end):
                    start = haystack.find(surface, end)
                    continue
                if all(end <= s or start >= e for s, e in taken):
                    entity_type = self._type_for(self._lexicon[surface], intent)
                    if entity_type is not None:
                        entity = {
                            ENTITY_ATTRIBUTE_TYPE: entity_type,
                            ENTITY_ATTRIBUTE_START: start,
                            ENTITY_ATTRIBUTE_END: end,
                            ENTITY_ATTRIBUTE_VALUE: self._lexicon[surface],
                            EXTRACTOR: LEXICON_EXTRACTOR,
                        }
                        added.append(entity)
                        taken.append((start, end))
                start = haystack.find(surface, end)
        return added

    @staticmethod
    def _ascii_word_boundary(text: Text, start: int, end: int) -> bool:
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        return not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum()
        )

    def _type_for(self, value: Text, intent: Optional[Text]) -> Optional[Text]:
        """Which entity type a lexicon match is, given the intent (None: not one it uses)."""
        fill_for = self._config["fill_for_intents"]
        candidates = [t for t, values in self._canonical.items() if value in values
                      and (t not in fill_for or intent in fill_for[t])]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        preference = self._config["type_preference_by_intent"].get(
            intent, self._config["default_type_preference"]
        )
        for entity_type in preference:
            if entity_type in candidates:
                return entity_type
        return candidates[0]
