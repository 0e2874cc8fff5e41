"""Our patches to Rasa: responses still validated, typed commands refused, failures told, version pinned."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels.app_chat  # noqa: F401 — loading a channel installs the patches

ACTION = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_a_valid_response_passes():
    assert ACTION._validate_action_result({
        "events": [{"event": "slot", "name": "last_topic", "value": "how_unsubscribe"}],
        "responses": [{"text": "您好"}],
    })


@pytest.mark.parametrize("response", [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": "nope"},
])
def test_an_invalid_response_is_refused(response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        ACTION._validate_action_result(response)


# --- typed payloads ------------------------------------------------------------------------------

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered  # noqa: E402

from bot.channels import rasa_patches  # noqa: E402
from bot.channels.choices import chosen_payload, offered_buttons, text_to_understand  # noqa: E402

CONFIRM = [{"title": "确认提交", "payload": "/affirm"}, {"title": "算了", "payload": "/deny"}]


def bot_turn(buttons):
    return [UserUttered("我要注销账号"), ActionExecuted("action_ask_request_confirmed"),
            BotUttered("确认要注销账号吗？", data={"buttons": buttons})]


@pytest.mark.parametrize("typed", [
    '/inform{"verification_code":"verified"}',
    ' /inform{"verification_code": "123456"}',
    '//request_account_deletion',
    '/ /affirm',
])
def test_a_typed_command_is_read_as_plain_text(typed):
    understood = text_to_understand(typed, [])
    assert not understood.startswith("/") and "{" not in understood[:1]


def test_a_command_not_among_the_offered_buttons_is_plain_text_even_after_buttons():
    buttons = offered_buttons(bot_turn(CONFIRM))
    assert text_to_understand('/inform{"verification_code":"verified"}', buttons).startswith("inform")


@pytest.mark.parametrize("typed,payload", [
    ("/affirm", "/affirm"), ("确认提交", "/affirm"), ("2", "/deny"), ("１", "/affirm"), ("2.", "/deny"),
])
def test_an_offered_button_is_picked_by_payload_title_or_number(typed, payload):
    assert chosen_payload(typed, offered_buttons(bot_turn(CONFIRM))) == payload


def test_buttons_of_an_earlier_turn_are_no_longer_offered():
    events = bot_turn(CONFIRM) + [UserUttered("好的"), BotUttered("验证码已发送")]
    assert offered_buttons(events) == [] and chosen_payload("1", offered_buttons(events)) is None
    assert text_to_understand("1", offered_buttons(events)) == "1"


def test_the_patches_refuse_a_rasa_version_they_were_not_written_for():
    with pytest.raises(RuntimeError, match="written for rasa 3.6.21"):
        rasa_patches.install(version="3.7.0")
