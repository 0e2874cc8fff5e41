"""What operators and a recovering process rely on: the undelivered record and the resume command,
and a rerun push answered from the conversation instead of asking the assistant twice."""
import asyncio
import json

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.wechat.__main__ import main as wechat_cli
from bot.channels.wechat.access_token import AccessTokens
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import RedisSettings, WeChatApp
from bot.channels.wechat.conversation import Conversations, handoff_key
from bot.channels.wechat.delivery import Sender
from bot.channels.wechat.messages import Push
from bot.channels.wechat.redis_state import RedisState
from bot.channels.wechat.state import MemoryState, QueuedPush
from bot.channels.wechat.undelivered import JsonLinesLog, record
from tests.channels.wechat.harness import SimulatorServer, simulated_apps


def test_the_undelivered_command_prints_the_records_of_one_app(tmp_path, monkeypatch, capsys):
    log = JsonLinesLog(tmp_path / "undelivered.jsonl")
    for app in ("melochi", "yhd"):
        asyncio.run(log.append(record("reply_undelivered", app, "oUser", "回复 13900001234", "原因", 45047)))
    monkeypatch.setenv("WECHAT_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_HOST", raising=False)
    wechat_cli(["undelivered", "--app", "yhd"])
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["app"] == "yhd" and entry["text"] == "回复 139****1234" and entry["errcode"] == 45047


def test_resume_clears_the_handoff_marker_in_redis(monkeypatch, redis_prefix, capsys):
    settings = RedisSettings("127.0.0.1", 6379, 0, None, redis_prefix)

    async def mark():
        state = RedisState.connect(settings)
        await state.set_value(handoff_key("melochi", "oUser"), "{}")
        await state.close()

    async def marked():
        state = RedisState.connect(settings)
        try:
            return await state.get_value(handoff_key("melochi", "oUser"))
        finally:
            await state.close()
    asyncio.run(mark())
    for name, value in {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0",
                        "WECHAT_REDIS_PREFIX": redis_prefix}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RASA_URL", raising=False)
    wechat_cli(["resume", "--app", "melochi", "--openid", "oUser"])
    assert "cleared" in capsys.readouterr().out
    assert asyncio.run(marked()) is None


def test_a_rerun_push_already_in_the_conversation_resends_its_replies_instead_of_asking_again(tmp_path):
    apps = simulated_apps({"melochi": ("safe", "json")})
    simulator = SimulatorServer(apps, ["http://127.0.0.1:9"]).start()
    sim_app = apps["melochi"]
    app = WeChatApp("melochi", sim_app.appid, sim_app.token, sim_app.secret, sim_app.aes_key)
    simulator.simulator.platform.user_acted("melochi", "oUser")  # the user wrote: replies may go out
    tracker = DialogueStateTracker.from_events("wechat:melochi:oUser", [
        UserUttered("怎么注销账号", message_id="msg:42"),
        BotUttered("注销账号的路径是……", {"buttons": [{"title": "好的，帮我办理", "payload": "/affirm"}]}),
        UserUttered("下一句", message_id="msg:43"), BotUttered("不相关")])
    asked = []

    async def assistant(message):
        asked.append(message.text)

    async def lookup(sender):
        return tracker if sender == "wechat:melochi:oUser" else None

    async def rerun_then_new():
        state, api = MemoryState(), WeChatApi(simulator.base)
        sender = Sender(api, AccessTokens(state, api), JsonLinesLog(tmp_path / "undelivered.jsonl"))
        conversations = Conversations(lambda _: app, state, sender, assistant, lookup)
        await conversations.handle(QueuedPush("melochi", Push("gh_1", "oUser", 100, "text", "42", "怎么注销账号"), 2))
        await conversations.handle(QueuedPush("melochi", Push("gh_1", "oUser", 101, "text", "44", "新的"), 2))
        await api.close()
    try:
        asyncio.run(rerun_then_new())
        assert simulator.replies("melochi", "oUser") == ["注销账号的路径是……\n1. 好的，帮我办理\n（回复数字即可）"]
        assert asked == ["新的"]  # not in the conversation yet: the assistant is asked
    finally:
        simulator.stop()
