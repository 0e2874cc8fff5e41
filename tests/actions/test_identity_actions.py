"""Identity in the actions: a code proves the conversation, nothing typed stands in for it, and a
logged-in user's verified deletion is filed verified (real tracker, dispatcher and backend)."""
from __future__ import annotations

import asyncio
import secrets
import uuid

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.identity import start_phone_challenge
from actions.request_flow import ActionSubmitRequest, ValidateRequestForm
from actions.status import ActionCheckRequestStatus
from bot.backend import worker
from bot.backend.models import PrivacyRequest
from tests.backend.helpers import read_code


def tracker(text: str = "", intent: str = "inform", slots: dict | None = None, metadata: dict | None = None,
            sender: str | None = None, entities: list | None = None) -> Tracker:
    metadata = {"app": "melochi", "platform": "app", **(metadata or {})}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or [],
              "metadata": metadata}
    return Tracker.from_dict({
        "sender_id": sender or "c-" + secrets.token_urlsafe(12), "slots": dict(slots or {}),
        "latest_message": latest,
        "events": [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata}],
        "active_loop": {"name": "request_form"}, "latest_action_name": "action_listen",
    })


def run(coroutine):
    return asyncio.run(coroutine)


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def test_the_literal_verified_typed_as_a_code_proves_nothing(backend, domain):
    form, dispatcher = ValidateRequestForm(), CollectingDispatcher()
    conversation = tracker('/inform{"verification_code":"verified"}',
                           slots={"request_type": "account_deletion", "challenge_id": "VCforged"})
    slots = run(form.validate_verification_code("verified", dispatcher, conversation, domain))
    assert slots == {"verification_code": None} and "identity_verified" not in slots


def test_a_logged_in_users_deletion_is_filed_verified_by_the_code_to_the_bound_phone(
        backend, domain, make_user):
    user = make_user()
    sender, metadata = "c-" + secrets.token_urlsafe(12), {"user_token": user.token}
    form, dispatcher = ValidateRequestForm(), CollectingDispatcher()
    slots = {"request_type": "account_deletion", "request_key": uuid.uuid4().hex}
    confirmed = run(form.validate_request_confirmed(
        True, dispatcher, tracker("确认", "affirm", slots, metadata, sender), domain))
    assert confirmed["challenge_id"] and confirmed["masked_phone"].endswith(user.phone[-4:])
    slots.update(confirmed)
    code = read_code(backend, confirmed["challenge_id"])
    verified = run(form.validate_verification_code(code, dispatcher, tracker(code, "inform", slots, metadata,
                                                                             sender), domain))
    assert verified["identity_verified"] is True and verified["verification_code"] == "******"
    slots.update(verified)
    submitted = CollectingDispatcher()
    run(ActionSubmitRequest().run(submitted, tracker(code, "inform", slots, metadata, sender), domain))
    assert "已为您提交" in texts(submitted)
    with backend.sessions() as session:
        filed = session.execute(select(PrivacyRequest).where(PrivacyRequest.user_id == user.id)).scalar_one()
    assert filed.status == "pending" and filed.type == "account_deletion"  # not waiting for a 2nd code


def test_filing_in_a_conversation_whose_code_was_never_checked_files_nothing(backend, domain, make_user):
    user = make_user()
    slots = {"request_type": "data_export", "request_key": uuid.uuid4().hex, "request_confirmed": True,
             "identity_verified": True}  # what a forged slot would claim
    dispatcher = CollectingDispatcher()
    events = run(ActionSubmitRequest().run(dispatcher, tracker("确认", "affirm", slots,
                                                               {"user_token": user.token}), domain))
    assert "验证已过期" in texts(dispatcher)
    assert {"event": "slot", "name": "identity_verified", "value": False, "timestamp": None} in events
    with backend.sessions() as session:
        assert session.execute(select(PrivacyRequest).where(PrivacyRequest.user_id == user.id)).first() is None


def test_a_different_phone_in_a_new_flow_gets_its_own_code(backend, domain, make_user):
    first, second = make_user(), make_user()
    sender, dispatcher = "c-" + secrets.token_urlsafe(12), CollectingDispatcher()
    slots = run(start_phone_challenge(dispatcher, tracker(first.phone, sender=sender), first.phone))
    code = read_code(backend, slots["challenge_id"])
    proven = run(ValidateRequestForm().validate_verification_code(
        code, dispatcher, tracker(code, slots=slots, sender=sender), domain))
    assert proven["identity_verified"]
    again = run(start_phone_challenge(dispatcher, tracker(first.phone, sender=sender), first.phone))
    assert again["identity_verified"] is True and "challenge_id" not in again  # no second code
    other = run(start_phone_challenge(dispatcher, tracker(second.phone, sender=sender), second.phone))
    assert other["identity_verified"] is False and other["challenge_id"]


def test_a_new_request_flow_that_names_another_phone_asks_for_that_phones_code(backend, domain, make_user):
    first, second = make_user(), make_user()
    sender, dispatcher = "c-" + secrets.token_urlsafe(12), CollectingDispatcher()
    slots = run(start_phone_challenge(dispatcher, tracker(first.phone, sender=sender), first.phone))
    code = read_code(backend, slots["challenge_id"])
    run(ValidateRequestForm().validate_verification_code(code, dispatcher,
                                                         tracker(code, slots=slots, sender=sender), domain))
    text = f"帮我把{second.phone}这个号的账号注销了"
    events = run(ValidateRequestForm().run(CollectingDispatcher(), tracker(
        text, "request_account_deletion", {"identity_verified": True, "request_type": "account_deletion"},
        sender=sender), domain))
    set_slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert set_slots["identity_verified"] is False and set_slots["challenge_id"]
    assert set_slots["masked_phone"].endswith(second.phone[-4:])


def test_the_status_of_a_completed_export_gives_its_download_link(backend, domain, make_user):
    user = make_user()
    sender, dispatcher = "c-" + secrets.token_urlsafe(12), CollectingDispatcher()
    metadata = {"user_token": user.token}
    slots = {"request_type": "data_export"}
    sent = run(ValidateRequestForm().validate_request_confirmed(
        True, dispatcher, tracker("确认", "affirm", slots, metadata, sender), domain))
    code = read_code(backend, sent["challenge_id"])
    slots.update(sent, request_confirmed=True, request_key=uuid.uuid4().hex)
    slots.update(run(ValidateRequestForm().validate_verification_code(
        code, dispatcher, tracker(code, slots=slots, metadata=metadata, sender=sender), domain)))
    run(ActionSubmitRequest().run(dispatcher, tracker(code, slots=slots, metadata=metadata, sender=sender), domain))
    worker.run_once(backend)  # the export is built
    status = CollectingDispatcher()
    run(ActionCheckRequestStatus().run(status, tracker("查一下进度", "check_request_status",
                                                       metadata=metadata, sender=sender), domain))
    assert "下载链接" in texts(status) and "/v1/exports/" in texts(status)


def test_a_first_miss_asks_which_of_the_likeliest_meanings_the_user_means(backend, domain):
    from actions.answering import ActionPolicyFallback

    conversation = tracker("不用了可以关掉吗", "nlu_fallback")
    conversation.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5}, {"name": "how_delete_account", "confidence": 0.38},
        {"name": "ask_permissions", "confidence": 0.3}]
    dispatcher = CollectingDispatcher()
    events = run(ActionPolicyFallback().run(dispatcher, conversation, domain))
    assert "您是想了解如何注销账号" in texts(dispatcher) and "没太理解" not in texts(dispatcher)
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/how_delete_account", "/ask_permissions",
                                                                         "/deny"]
    assert {"event": "slot", "name": "offered_request", "value": "clarify:how_delete_account",
            "timestamp": None} in events


def test_a_bare_yes_confirms_whatever_intent_the_nlu_gave_it(backend, domain):
    form = ValidateRequestForm()
    for yes in ("是", "是的！", "好滴~", "嗯嗯", "OK"):
        conversation = tracker(yes, "bot_challenge", {"requested_slot": "request_confirmed",
                                                       "request_type": "account_deletion"})
        assert run(form.extract_request_confirmed(CollectingDispatcher(), conversation, domain)) == {
            "request_confirmed": True}, yes
    for other in ("是机器人吗", "不是", "是不是要收费"):
        conversation = tracker(other, "bot_challenge", {"requested_slot": "request_confirmed"})
        assert run(form.extract_request_confirmed(CollectingDispatcher(), conversation, domain)) == {}, other
