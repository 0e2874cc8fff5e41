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


RESPONSES_TO_JUDGE = [
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": None}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "slot", "timestamp": "noon", "name": "x"}]},
    {"events": [{"event": "bot", "text": "好的", "data": {}, "metadata": {}}]},
    {"events": [{"event": "bot", "text": 5}]},
    {"events": [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet", "confidence": 1.0},
                                                               "entities": [{"entity": "channel"}]}}]},
    {"events": [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}, "entities": []}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "utter_x"}]},
    {"events": [{"event": "followup"}]},
    {"events": [{"name": "x"}]},
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": [], "responses": [{"text": "x"}, "y"]},
    {"events": [{"event": "reminder", "intent": "x", "date_time": "2026-01-01T00:00:00", "kill_on_user_msg": True}]},
]


@pytest.mark.parametrize("response", RESPONSES_TO_JUDGE)
def test_the_fast_check_judges_every_response_as_rasas_own_schema_does(response):
    from jsonschema import validate
    try:
        validate(response, RemoteAction.action_response_format_spec())
        rasa_says_valid = True
    except ValidationError:
        rasa_says_valid = False
    try:
        ACTION._validate_action_result(response)
        ours_says_valid = True
    except ValidationError:
        ours_says_valid = False
    assert ours_says_valid == rasa_says_valid


# --- typed payloads ------------------------------------------------------------------------------

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered  # noqa: E402

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


# --- event types from a table --------------------------------------------------------------------

def test_every_event_type_resolves_to_the_class_rasas_own_walk_finds():
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event
    walk = rasa.shared.utils.common.all_subclasses(Event)
    names = {cls.type_name for cls in walk}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is next(cls for cls in walk if cls.type_name == name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type.__wrapped_by_privacy_desk__


def test_an_event_class_defined_after_the_first_lookup_still_resolves():
    from rasa.shared.core.events import Event
    Event.resolve_by_type("slot")

    class LateEvent(Event):
        type_name = "late_event_for_this_test"

        def as_story_string(self):
            return None

        def __eq__(self, other):
            return isinstance(other, LateEvent)

        __hash__ = Event.__hash__

    assert Event.resolve_by_type("late_event_for_this_test") is LateEvent


# --- what an action call carries ------------------------------------------------------------------

def _conversation(user_turns: int):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for turn in range(user_turns):
        events += [UserUttered(f"第{turn}个问题", {"name": "ask_cookies", "confidence": 0.9},
                               metadata={"app": "melochi", "platform": "app"}),
                   ActionExecuted("action_answer_question"), BotUttered(f"回答{turn}"),
                   SlotSet("platform", "app"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("c-test", events, domain.slots), domain


def test_a_short_conversation_is_sent_to_the_action_server_exactly_as_rasa_sends_it():
    tracker, domain = _conversation(rasa_patches.ACTION_CALL_USER_TURNS - 1)
    for selective in (False, True):
        action = RemoteAction("action_answer_question",
                              EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=selective))
        assert action._action_call_format(tracker, domain) == rasa_patches.RASA_ACTION_CALL_FORMAT(action, tracker, domain)


def test_a_long_conversation_sends_only_its_recent_turns_with_the_same_state():
    tracker, domain = _conversation(40)
    call = ACTION._action_call_format(tracker, domain)
    rasas = rasa_patches.RASA_ACTION_CALL_FORMAT(ACTION, tracker, domain)
    users = [e for e in call["tracker"]["events"] if e["event"] == "user"]
    assert len(users) == rasa_patches.ACTION_CALL_USER_TURNS and users[-1]["text"] == "第39个问题"
    assert call["tracker"]["events"] == rasas["tracker"]["events"][-len(call["tracker"]["events"]):]
    assert {k: v for k, v in call["tracker"].items() if k != "events"} == \
           {k: v for k, v in rasas["tracker"].items() if k != "events"}


def test_the_domain_goes_only_to_actions_that_need_it_when_selective():
    tracker, domain = _conversation(1)
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    assert "domain" not in RemoteAction("action_answer_question", endpoint)._action_call_format(tracker, domain)
    assert "domain" in RemoteAction("validate_request_form", endpoint)._action_call_format(tracker, domain)
