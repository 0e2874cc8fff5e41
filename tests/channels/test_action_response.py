"""Action-server responses are still validated after the once-compiled validator is installed."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels  # noqa: F401 — installs the validator

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
