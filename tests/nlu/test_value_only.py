"""A message that is only a value (plus filler words) is inform; anything more is left alone."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.value_only import ValueOnlyMessageClassifier, is_value_only


def entity(text, surface, entity_type="channel"):
    start = text.index(surface)
    return {"entity": entity_type, "start": start, "end": start + len(surface), "value": "x"}


@pytest.mark.parametrize("text,surface", [
    ("短信", "短信"), ("營銷電話", "營銷電話"), ("那邮件呢？", "邮件"), ("收货地址的", "收货地址"),
    ("我的手机号是 13900001234", "13900001234"), ("pr-7k3m9q2xhd", "pr-7k3m9q2xhd"),
])
def test_bare_values_and_follow_up_fragments_are_value_only(text, surface):
    assert is_value_only(text, [entity(text, surface)])


@pytest.mark.parametrize("text,surface", [
    ("退订短信", "短信"), ("别再发短信了", "短信"), ("短信怎么退订", "短信"), ("删掉收货地址", "收货地址"),
])
def test_a_verb_or_question_is_more_than_a_value(text, surface):
    assert not is_value_only(text, [entity(text, surface)])


def test_no_entity_means_no_opinion():
    assert not is_value_only("好的", [])


def test_value_only_message_becomes_inform_with_the_rest_of_the_ranking_kept():
    message = Message(data={"text": "短信", "entities": [entity("短信", "短信")],
                            "intent": {"name": "request_unsubscribe", "confidence": 0.6},
                            "intent_ranking": [{"name": "request_unsubscribe", "confidence": 0.6},
                                               {"name": "inform", "confidence": 0.3}]})
    ValueOnlyMessageClassifier({}).process([message])
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["inform", "request_unsubscribe"]
