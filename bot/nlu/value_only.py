"""A message that is nothing but a value is ``inform`` (docs/nlu-annotation-guide.md).

"短信", "收货地址的", "那邮件呢？", "13900001234", "PR-7K3M9Q2XHD" carry no verb, no question and no
wish — only a value the assistant asked for or a follow-up fragment. The statistical classifier
sometimes reads the value's usual context into them ("短信" → request_unsubscribe); this
component applies the annotation rule exactly: once the entities and filler words are taken out
and nothing is left, the intent is ``inform``. The dialogue then resolves what the value refers to.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.text import normalize

# particles, connectives and punctuation that wrap a bare value in chat
_FILLER = re.compile(
    r"[\s,，、。.!！?？~～:：;；\"'“”‘’()（）\-]+|申请编号|编号|手机号码|手机号|电话号码|号码|验证码|我的|那么|那|还有|也要|也是|还是|就是|是|的|呢|吧|啊|呀|哦|嘛|么|和|跟|与|及|也|就|呗|啦|喔"
)


def is_value_only(text: Text, entities: List[Dict[Text, Any]]) -> bool:
    """True when ``text`` holds at least one entity and nothing but entities and filler."""
    if not entities:
        return False
    remainder = list(normalize(text))
    for entity in entities:
        for index in range(entity["start"], min(entity["end"], len(remainder))):
            remainder[index] = " "
    return not _FILLER.sub("", "".join(remainder))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ValueOnlyMessageClassifier(GraphComponent):
    """Sets ``inform`` for messages that are only values; leaves every other message alone."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "inform"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config.get("intent", "inform")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ValueOnlyMessageClassifier:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not is_value_only(message.get(TEXT) or "", message.get(ENTITIES) or []):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != self._intent]
            top = {"name": self._intent, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages
