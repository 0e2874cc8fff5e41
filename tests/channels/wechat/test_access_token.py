"""The access-token cache against the simulator's stable_token: shared, single-flight, refreshed
before expiry, and still serving a valid token when a refresh fails."""
import asyncio
import time

import pytest

from bot.channels.wechat.access_token import AccessTokens, TokenUnavailable
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import RedisSettings, WeChatApp
from bot.channels.wechat.redis_state import RedisState
from bot.channels.wechat.state import MemoryState
from tests.channels.wechat.harness import SimulatorServer, simulated_apps


@pytest.fixture
def simulator():
    server = SimulatorServer(simulated_apps({"melochi": ("safe", "json")}), ["http://127.0.0.1:9"]).start()
    yield server
    server.stop()


def app_of(simulator) -> WeChatApp:
    sim = simulator.simulator.apps["melochi"]
    return WeChatApp("melochi", sim.appid, sim.token, sim.secret, sim.aes_key)


class Clock:
    """The channel's clock, moved forward together with the simulator's."""

    def __init__(self, simulator) -> None:
        self.simulator, self.offset = simulator, 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.simulator.advance_clock(seconds)


def test_a_token_is_reused_until_five_minutes_before_expiry_then_replaced_beforehand(simulator):
    clock, app = Clock(simulator), app_of(simulator)

    async def scenario():
        api = WeChatApi(simulator.base)
        tokens = AccessTokens(MemoryState(), api, clock)
        first = await tokens.get(app)
        clock.advance(6800)  # 400 s left: still the same token
        same = await tokens.get(app)
        clock.advance(150)  # 250 s left: WeChat already hands out the successor
        renewed = await tokens.get(app)
        await api.close()
        return first, same, renewed
    first, same, renewed = asyncio.run(scenario())
    assert first == same != renewed
    assert simulator.stats("melochi")["stable_token"] == 2


def test_processes_sharing_redis_fetch_one_token_between_them(simulator, redis_prefix):
    app = app_of(simulator)

    async def process():
        state = RedisState.connect(RedisSettings("127.0.0.1", 6379, 0, None, redis_prefix))
        api = WeChatApi(simulator.base)
        tokens = AccessTokens(state, api)
        try:
            return await asyncio.gather(*(tokens.get(app) for _ in range(10)))
        finally:
            await api.close()
            await state.close()

    async def two_processes():
        return await asyncio.gather(process(), process())
    first, second = asyncio.run(two_processes())
    assert len(set(first + second)) == 1
    assert simulator.stats("melochi")["stable_token"] == 1


def test_a_failed_refresh_keeps_serving_the_token_until_it_really_expires(simulator):
    clock, app = Clock(simulator), app_of(simulator)

    async def scenario():
        api = WeChatApi(simulator.base)
        tokens = AccessTokens(MemoryState(), api, clock)
        first = await tokens.get(app)
        clock.advance(7000)
        simulator.control("melochi/faults", {"api": "stable_token", "errcode": -1, "times": 1})
        kept = await tokens.get(app)
        clock.advance(300)
        simulator.control("melochi/faults", {"api": "stable_token", "errcode": -1, "times": 1})
        try:
            await tokens.get(app)
        except TokenUnavailable as error:
            return first, kept, error.errcode
        finally:
            await api.close()
    first, kept, errcode = asyncio.run(scenario())
    assert first == kept and errcode == -1


def test_a_wrong_secret_is_reported_with_wechats_errcode(simulator):
    sim = simulator.simulator.apps["melochi"]

    async def scenario():
        api = WeChatApi(simulator.base)
        try:
            await AccessTokens(MemoryState(), api).get(WeChatApp("melochi", sim.appid, sim.token, "wrong"))
        except TokenUnavailable as error:
            return error.errcode
        finally:
            await api.close()
    assert asyncio.run(scenario()) == 40125
