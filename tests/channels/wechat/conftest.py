"""Fixtures: the WeChat simulator and the channel, talking to each other on loopback."""
import uuid

import pytest
import redis

from tests.channels.wechat.harness import (
    ChannelServer,
    ScriptedAssistant,
    SimulatorServer,
    channel_environment,
    free_port,
    simulated_apps,
)

# one app per mode and format; all five are real apps of the knowledge base
MODES = {"melochi": ("safe", "json"), "yhd": ("safe", "xml"), "miniapp": ("compatible", "xml"),
         "tego": ("plaintext", "json"), "liqun": ("compatible", "json")}
FAST_RETRIES = (0.05, 0.1, 0.2)


@pytest.fixture
def apps():
    return simulated_apps(MODES)


@pytest.fixture
def wechat(apps, tmp_path):
    """One channel server (in-memory state) and the simulator pushing to it."""
    channel_port = free_port()
    simulator = SimulatorServer(apps, [f"http://127.0.0.1:{channel_port}"]).start()
    assistant = ScriptedAssistant()
    server = ChannelServer(channel_environment(apps, simulator.base, tmp_path), assistant, channel_port,
                           retry_delays=FAST_RETRIES).start()
    yield simulator, server, assistant
    server.stop()
    simulator.stop()


@pytest.fixture
def redis_prefix():
    """A key prefix of its own in the local Redis, removed afterwards."""
    prefix = f"test:wechat:{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis(host="127.0.0.1", port=6379, db=0)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def two_servers(apps, tmp_path, redis_prefix):
    """Two channel servers sharing Redis (as two Rasa processes would), the simulator pushing to
    both in turn, and one journal of every message either assistant received."""
    ports = [free_port(), free_port()]
    simulator = SimulatorServer(apps, [f"http://127.0.0.1:{port}" for port in ports]).start()
    journal = []
    environ = channel_environment(apps, simulator.base, tmp_path, REDIS_HOST="127.0.0.1", REDIS_PORT="6379",
                                  REDIS_DB="0", WECHAT_REDIS_PREFIX=redis_prefix)
    servers = []
    for port in ports:
        servers.append(ChannelServer(environ, ScriptedAssistant(journal), port, retry_delays=FAST_RETRIES,
                                     lease_seconds=2.0, sweep_every_seconds=0.3).start())
    yield simulator, servers, journal
    for server in servers:
        server.stop()
    simulator.stop()
