"""Stored conversation history never holds phone numbers, codes or the host app's user token."""
import asyncio
import json
import os
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.tracking.stores import RedactingInMemoryTrackerStore, RedactingSQLTrackerStore

PHONE, CODE, TOKEN = "13900001234", "482913", "eyJhbGciOi.secret.token"
DOMAIN = Domain.from_dict({"slots": {
    "phone_number": {"type": "text", "mappings": [{"type": "custom"}]},
    "verification_code": {"type": "text", "mappings": [{"type": "custom"}]},
}})
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def conversation(sender):
    return DialogueStateTracker.from_events(sender, [
        UserUttered(f"我的手机号是 {PHONE}，验证码 {CODE}",
                    parse_data={"intent": {"name": "inform", "confidence": 1.0},
                                "entities": [{"entity": "phone_number", "value": PHONE, "start": 6, "end": 17},
                                             {"entity": "verification_code", "value": CODE, "start": 22, "end": 28}],
                                "text": f"我的手机号是 {PHONE}，验证码 {CODE}"},
                    metadata={"app": "melochi", "user_token": TOKEN}),
        SlotSet("phone_number", PHONE),
        SlotSet("verification_code", CODE),
        BotUttered(f"验证码已发送至 {PHONE}"),
    ], slots=DOMAIN.slots)


def assert_nothing_personal(stored_text):
    assert PHONE not in stored_text and CODE not in stored_text and TOKEN not in stored_text
    assert "139****1234" in stored_text


def test_in_memory_store_keeps_only_redacted_history():
    store = RedactingInMemoryTrackerStore(DOMAIN)
    asyncio.run(store.save(conversation("c1")))
    assert_nothing_personal(store.store["c1"])
    restored = asyncio.run(store.retrieve("c1"))
    assert restored.get_slot("phone_number") == "139****1234"
    assert restored.latest_message.metadata["app"] == "melochi"


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request, tmp_path):
    if request.param == "sqlite":
        store = RedactingSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    else:
        schema_db = f"tracker_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{schema_db}"'))
        store = RedactingSQLTrackerStore(DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
                                         username="postgres", db=schema_db)
        request.addfinalizer(lambda: _drop(admin, store, schema_db))
    return store


def _drop(admin, store, name):
    store.engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_sql_store_keeps_only_redacted_history(sql_store):
    asyncio.run(sql_store.save(conversation("c2")))
    with sql_store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events")).scalars().all()
    assert len(rows) >= 4
    assert_nothing_personal("\n".join(rows))
    restored = asyncio.run(sql_store.retrieve("c2"))
    assert restored.get_slot("phone_number") == "139****1234"
    assert json.loads(rows[0])  # still valid event JSON


def stored_events(store, sender):
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).scalars().all()


def test_each_event_is_stored_once_over_turns_of_load_change_save(sql_store):
    asyncio.run(sql_store.save(conversation("c3")))           # a tracker from elsewhere: counted
    for turn in range(3):
        tracker = asyncio.run(sql_store.retrieve("c3"))       # the start of a turn
        tracker.update(UserUttered(f"第{turn}个问题"))
        asyncio.run(sql_store.save(tracker))
        tracker.update(BotUttered("好的"))
        asyncio.run(sql_store.save(tracker))                  # saved twice in one turn
    assert stored_events(sql_store, "c3") == ["user", "slot", "slot", "bot"] + ["user", "bot"] * 3


def test_a_new_session_started_mid_turn_is_stored_after_the_old_one_without_copies(sql_store):
    from rasa.shared.core.events import ActionExecuted, SessionStarted
    asyncio.run(sql_store.save(conversation("c4")))
    tracker = asyncio.run(sql_store.retrieve("c4"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(sql_store.save(tracker))
    tracker.update(UserUttered("新会话的问题"))
    asyncio.run(sql_store.save(tracker))
    assert stored_events(sql_store, "c4") == ["user", "slot", "slot", "bot", "action", "session_started",
                                              "action", "user"]
    assert [e.type_name for e in asyncio.run(sql_store.retrieve("c4")).events] == \
        ["session_started", "action", "user"]


@pytest.fixture
def other_process(sql_store):
    """Another Rasa process's store on the same database."""
    store = RedactingSQLTrackerStore(DOMAIN, dialect=sql_store.engine.dialect.name, **_connection_of(sql_store))
    yield store
    store.engine.dispose()


def _connection_of(store):
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        return {"db": url.database}
    return {"host": url.host, "port": url.port, "username": url.username, "db": url.database}


def _play_turns(store, sender, turns):
    for turn in range(turns):
        tracker = asyncio.run(store.retrieve(sender))
        tracker.update(UserUttered(f"第{turn}个问题，我的手机号 {PHONE}", metadata={"user_token": TOKEN}))
        tracker.update(SlotSet("phone_number", PHONE))
        tracker.update(BotUttered("好的"))
        asyncio.run(store.save(tracker))


def test_a_tracker_rebuilt_from_memory_is_the_one_the_database_holds(sql_store, other_process, monkeypatch):
    asyncio.run(sql_store.save(conversation("c5")))
    _play_turns(sql_store, "c5", 3)
    from_database = asyncio.run(other_process.retrieve("c5"))

    def no_reading(*args, **kwargs):
        raise AssertionError("the session's rows were read again")
    monkeypatch.setattr(sql_store, "_event_query", no_reading)
    from_memory = asyncio.run(sql_store.retrieve("c5"))
    assert from_memory.current_state(EventVerbosity.ALL) == from_database.current_state(EventVerbosity.ALL)
    assert from_memory.get_slot("phone_number") == "139****1234"  # redacted, as stored
    assert TOKEN not in json.dumps(from_memory.current_state(EventVerbosity.ALL))


def test_what_another_process_wrote_is_read_not_taken_from_memory(sql_store, other_process):
    other = other_process
    asyncio.run(sql_store.save(conversation("c6")))
    _play_turns(sql_store, "c6", 2)
    _play_turns(other, "c6", 1)            # the next turn reached the other process
    tracker = asyncio.run(sql_store.retrieve("c6"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)][-1].startswith("第0个问题")
    assert len([e for e in tracker.events if isinstance(e, UserUttered)]) == 4
    _play_turns(sql_store, "c6", 1)
    assert stored_events(sql_store, "c6") == ["user", "slot", "slot", "bot"] + ["user", "slot", "bot"] * 4


def test_an_erased_conversation_is_not_brought_back_from_memory(sql_store):
    asyncio.run(sql_store.save(conversation("c7")))
    _play_turns(sql_store, "c7", 2)
    with sql_store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'c7'"))
    assert asyncio.run(sql_store.retrieve("c7")) is None


def test_a_store_told_to_keep_nothing_reads_every_tracker(tmp_path):
    store = RedactingSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"), recent_conversations=0)
    asyncio.run(store.save(conversation("c8")))
    _play_turns(store, "c8", 2)
    assert not store._recent
    assert asyncio.run(store.retrieve("c8")).get_slot("phone_number") == "139****1234"
