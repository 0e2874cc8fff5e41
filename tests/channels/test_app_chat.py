"""The in-app chat channel refuses bad requests with a clear reason before anything reaches Rasa."""
import pytest

from bot.channels.app_chat import InvalidChatRequest, parse_chat_request


def parse(body, default_app=None, limit=500):
    return parse_chat_request(body, default_app, limit)


def test_valid_request_carries_app_platform_and_token():
    chat = parse({"sender": "web-1", "message": "怎么注销", "metadata": {
        "app": "melochi", "platform": "pc", "user_token": "abc.def.ghi"}})
    assert chat.metadata == {"app": "melochi", "platform": "pc", "user_token": "abc.def.ghi"}


def test_default_app_and_platform_apply_when_metadata_is_missing():
    chat = parse({"sender": "s1", "message": "你好"}, default_app="liqun")
    assert chat.metadata == {"app": "liqun", "platform": "app"}


@pytest.mark.parametrize("body,code,status", [
    ("not json", "malformed_request", 400),
    ({"message": "hi"}, "invalid_sender", 400),
    ({"sender": "a b", "message": "hi", "metadata": {"app": "melochi"}}, "invalid_sender", 400),
    ({"sender": "s", "message": "   ", "metadata": {"app": "melochi"}}, "empty_message", 400),
    ({"sender": "s", "message": 42, "metadata": {"app": "melochi"}}, "empty_message", 400),
    ({"sender": "s", "message": "好" * 501, "metadata": {"app": "melochi"}}, "message_too_long", 413),
    ({"sender": "s", "message": "hi", "metadata": []}, "malformed_request", 400),
    ({"sender": "s", "message": "hi"}, "missing_app", 400),
    ({"sender": "s", "message": "hi", "metadata": {"app": "taobao"}}, "unknown_app", 404),
    ({"sender": "s", "message": "hi", "metadata": {"app": "melochi", "platform": "tv"}}, "invalid_platform", 400),
    ({"sender": "s", "message": "hi", "metadata": {"app": "melochi", "user_token": ""}}, "invalid_user_token", 400),
])
def test_bad_requests_are_refused_with_a_reason(body, code, status):
    with pytest.raises(InvalidChatRequest) as refused:
        parse(body)
    assert refused.value.code == code and refused.value.status == status
    assert str(refused.value)  # a message the page can show


def test_unknown_app_is_named_and_known_apps_listed():
    with pytest.raises(InvalidChatRequest, match="taobao.*melochi"):
        parse({"sender": "s", "message": "hi", "metadata": {"app": "taobao"}})
