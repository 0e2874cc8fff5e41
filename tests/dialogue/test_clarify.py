"""The two-stage fallback's first question offers the likeliest meanings as buttons."""
from bot.channels.choices import chosen_payload
from bot.dialogue.clarify import CHOICE_LABELS, clarify_reply, options, payload

RANKING = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "how_delete_account", "confidence": 0.41},
           {"name": "request_account_deletion", "confidence": 0.33}, {"name": "ask_contact", "confidence": 0.1}]


def test_the_two_likeliest_pickable_intents_are_offered_and_the_fallback_itself_never():
    assert [name for name, _ in options(RANKING)] == ["how_delete_account", "request_account_deletion"]


def test_unlikely_and_unpickable_intents_are_not_offered():
    ranking = [{"name": "inform", "confidence": 0.6}, {"name": "affirm", "confidence": 0.2},
               {"name": "ask_security", "confidence": 0.3}, {"name": "ask_minors", "confidence": 0.01}]
    assert options(ranking) == [("ask_security", 0.3)]


def test_the_question_names_both_meanings_and_each_button_picks_one():
    reply = clarify_reply(options(RANKING))
    assert reply.text.startswith("您是想了解如何注销账号，还是请客服帮我注销账号？")
    buttons = [{"title": t, "payload": p} for t, p in reply.buttons]
    assert chosen_payload("1", buttons) == "/how_delete_account"
    assert chosen_payload("都不是", buttons) == "/deny"


def test_a_button_carries_the_messages_qualifier():
    entities = [{"entity": "channel", "value": "email"}, {"entity": "phone_number", "value": "13900001234"}]
    assert payload("how_unsubscribe", entities) == '/how_unsubscribe{"channel": "email"}'


def test_every_offerable_intent_is_a_contract_intent():
    import yaml
    from pathlib import Path

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    assert set(CHOICE_LABELS) <= set(domain["intents"])
