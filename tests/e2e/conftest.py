"""The whole help desk running on loopback (free ports, its own SQLite and state directory)."""
import socket
import uuid

import pytest

from bot.devserver import LocalStack
from tests.e2e.helpers import Chat


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    ports = {name: free_port() for name in ("rasa", "actions", "backend", "web")}
    var_dir = tmp_path_factory.mktemp("helpdesk")
    with LocalStack(ports, var_dir, extra_env={"RASA_AUTH_TOKEN": "e2e-" + uuid.uuid4().hex}) as running:
        yield running


@pytest.fixture
def chat(stack):
    def start(app: str, platform: str = "app", token: str = None) -> Chat:
        return Chat(stack, app, platform, token)
    return start


