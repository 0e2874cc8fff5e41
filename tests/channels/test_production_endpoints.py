"""endpoints.production.yml, read as `rasa run` reads it, gives the PostgreSQL tracker store and
the Redis lock store on loopback — production differs from `make run` by configuration only."""
import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracking.locks import AtomicRedisLockStore
from bot.tracking.stores import RedactingSQLTrackerStore

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def production_env(monkeypatch):
    database = f"tracker_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    for name, value in {"ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
                        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432",
                        "TRACKER_DB_NAME": database, "TRACKER_DB_USER": "postgres",
                        "TRACKER_DB_PASSWORD": "", "REDIS_HOST": "127.0.0.1",
                        "REDIS_PORT": "6379", "REDIS_DB": "1", "ACTION_SERVER_TOKEN": "t" * 32}.items():
        monkeypatch.setenv(name, value)
    yield database
    with admin.connect() as connection:
        connection.execute(sa.text(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"))
        connection.execute(sa.text(f'DROP DATABASE "{database}"'))
    admin.dispose()


def test_production_endpoints_use_postgresql_and_redis(production_env):
    endpoints = read_endpoints_from_path(str(REPO_ROOT / "endpoints.production.yml"))
    tracker_store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    lock_store = LockStore.create(endpoints.lock_store)

    assert isinstance(getattr(tracker_store, "_tracker_store", tracker_store), RedactingSQLTrackerStore)
    assert isinstance(lock_store, AtomicRedisLockStore)
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("我的手机号 13900001234")])
    asyncio.run(tracker_store.save(tracker))
    stored = asyncio.run(tracker_store.retrieve(sender))
    assert stored.latest_message.text == "我的手机号 139****1234"

    async def lock_and_release():
        async with lock_store.lock(sender):
            serving = await lock_store.redis.hget(lock_store.prefix + sender, "serving")
            assert serving is not None  # held, in Redis
    asyncio.run(lock_and_release())


@pytest.mark.parametrize("endpoints_file", ["endpoints.yml", "endpoints.production.yml"])
def test_the_action_endpoint_presents_the_action_servers_token(production_env, endpoints_file):
    endpoints = read_endpoints_from_path(str(REPO_ROOT / endpoints_file))
    assert endpoints.action.headers == {"Authorization": "Bearer " + "t" * 32}
