"""The in-app chat channel refuses bad requests with a clear reason before anything reaches Rasa,
and only a conversation the server started, proven by its token, gets through."""
import pytest

from bot import conversation_tokens as conversations
from bot.channels.app_chat import InvalidChatRequest, parse_chat_request

SECRET = "s" * 40


def started(app="melochi"):
    return conversations.start_conversation(SECRET, app)


def parse(body, default_app=None, limit=500):
    return parse_chat_request(body, default_app, limit, SECRET)


def body(message="hi", metadata=None, conversation=None, **extra):
    conversation = conversation or started((metadata or {}).get("app") or "melochi")
    return {"sender": conversation.sender, "conversation_token": conversation.conversation_token,
            "message": message, "metadata": {"app": "melochi"} if metadata is None else metadata, **extra}


def test_valid_request_carries_app_platform_and_token():
    chat = parse(body("怎么注销", {"app": "melochi", "platform": "pc", "user_token": "abc.def.ghi"}))
    assert chat.metadata == {"app": "melochi", "platform": "pc", "user_token": "abc.def.ghi"}


def test_default_app_and_platform_apply_when_metadata_is_missing():
    conversation = started("liqun")
    chat = parse({"sender": conversation.sender, "conversation_token": conversation.conversation_token,
                  "message": "你好"}, default_app="liqun")
    assert chat.metadata == {"app": "liqun", "platform": "app"}


@pytest.mark.parametrize("request_body,code,status", [
    ("not json", "malformed_request", 400),
    ({"message": "hi"}, "invalid_sender", 400),
    ({"sender": "a b", "message": "hi", "metadata": {"app": "melochi"}}, "invalid_sender", 400),
    ({"sender": "s" * 101, "message": "hi", "metadata": {"app": "melochi"}}, "invalid_sender", 400),
    ({"sender": "web-1\n", "message": "hi", "metadata": {"app": "melochi"}}, "invalid_sender", 400),
    (body("   "), "empty_message", 400),
    (body(42), "empty_message", 400),
    (body("好" * 501), "message_too_long", 413),
    (body("\ud800"), "invalid_message", 400),
    (body("你好\x00"), "invalid_message", 400),
    (body("hi", []), "malformed_request", 400),
    (body("hi", {}), "missing_app", 400),
    (body("hi", {"app": "taobao"}, conversation=started("melochi")), "unknown_app", 404),
    (body("hi", {"app": "melochi", "platform": "tv"}), "invalid_platform", 400),
    (body("hi", {"app": "melochi", "user_token": ""}), "invalid_user_token", 400),
    (body("hi", {"app": "melochi", "user_token": "a\ud800"}), "invalid_user_token", 400),
])
def test_bad_requests_are_refused_with_a_reason(request_body, code, status):
    with pytest.raises(InvalidChatRequest) as refused:
        parse(request_body)
    assert refused.value.code == code and refused.value.status == status
    assert str(refused.value)  # a message the page can show


def test_an_unknown_app_is_refused_without_listing_the_other_tenants():
    with pytest.raises(InvalidChatRequest) as refused:
        parse(body("hi", {"app": "taobao"}))
    assert "melochi" not in str(refused.value) and "liqun" not in str(refused.value)


def test_a_victims_conversation_id_without_its_token_is_refused():
    victim = started()
    for token in (None, "", "forged", started().conversation_token, "1." + "A" * 43):
        with pytest.raises(InvalidChatRequest) as refused:
            parse({"sender": victim.sender, "conversation_token": token, "message": "查一下我的申请",
                   "metadata": {"app": "melochi"}})
        assert refused.value.code == "invalid_conversation" and refused.value.status == 401


def test_a_conversation_token_is_bound_to_its_app_and_expires():
    conversation = started("melochi")
    with pytest.raises(InvalidChatRequest, match="会话无效"):
        parse(body("hi", {"app": "liqun"}, conversation=conversation))
    assert conversations.token_is_valid(SECRET, "melochi", conversation.sender, conversation.conversation_token)
    later = conversation.expires_at + 1
    assert not conversations.token_is_valid(SECRET, "melochi", conversation.sender,
                                            conversation.conversation_token, now=later)
    assert not conversations.token_is_valid("x" * 40, "melochi", conversation.sender,
                                            conversation.conversation_token)


def test_the_server_issues_unguessable_distinct_conversation_ids():
    ids = {started().sender for _ in range(200)}
    assert len(ids) == 200 and all(len(i) >= 24 for i in ids)
