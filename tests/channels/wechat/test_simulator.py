"""The simulator plays WeChat's rules faithfully — tokens, quotas, windows, typing — and is a
development tool only."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.wechat_sim.platform import Platform
from tests.channels.wechat.harness import simulated_apps

REPO = Path(__file__).resolve().parents[3]


class Clock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def platform():
    clock = Clock()
    apps = simulated_apps({"melochi": ("safe", "json")})
    wechat = Platform(apps, clock)
    wechat.settings, wechat.time = apps["melochi"], clock
    return wechat


def token(platform, force=False, **changes):
    body = {"grant_type": "client_credential", "appid": platform.settings.appid,
            "secret": platform.settings.secret, "force_refresh": force, **changes}
    return platform.stable_token(body)


def send(platform, openid="oUser", content="你好"):
    return platform.send(platform.apps["melochi"], {"touser": openid, "msgtype": "text", "text": {"content": content}})


def test_stable_token_checks_grant_type_appid_and_secret(platform):
    assert token(platform, grant_type="password")["errcode"] == 40002
    assert token(platform, appid="wx_unknown")["errcode"] == 40013
    assert token(platform, secret="wrong")["errcode"] == 40125
    assert token(platform)["expires_in"] == 7200


def test_stable_token_renews_only_within_the_last_five_minutes(platform):
    first = token(platform)["access_token"]
    platform.time.now += 6899
    assert token(platform)["access_token"] == first
    platform.time.now += 2
    renewed = token(platform)
    assert renewed["access_token"] != first and renewed["expires_in"] == 7200
    assert platform.check_token(first)[1] == 0  # the old one still works until it expires
    platform.time.now += 300
    assert platform.check_token(first)[1] == 42001


def test_a_forced_refresh_revokes_earlier_tokens_and_is_rate_limited(platform):
    first = token(platform)["access_token"]
    forced = token(platform, force=True)["access_token"]
    assert forced != first and platform.check_token(first)[1] == 40001
    assert token(platform, force=True)["access_token"] == forced  # within 30 s: no new token
    for _ in range(19):
        platform.time.now += 31
        assert "access_token" in token(platform, force=True)
    platform.time.now += 31
    assert token(platform, force=True)["errcode"] == 45009


def test_api_calls_need_a_current_token(platform):
    assert platform.check_token(None)[1] == 41001
    assert platform.check_token("made-up")[1] == 40001


def test_a_user_message_allows_five_replies_within_48_hours(platform):
    assert send(platform)["errcode"] == 40003  # the user never wrote
    platform.user_acted("melochi", "oUser")
    assert [send(platform)["errcode"] for _ in range(6)] == [0] * 5 + [45047]
    platform.user_acted("melochi", "oUser")
    assert send(platform)["errcode"] == 0
    platform.time.now += 48 * 3600
    assert send(platform)["errcode"] == 45015


def test_entering_the_chat_allows_two_replies_within_a_minute_and_allowances_do_not_add_up(platform):
    platform.user_acted("melochi", "oUser", entered_session=True)
    assert [send(platform)["errcode"] for _ in range(3)] == [0, 0, 45047]
    platform.user_acted("melochi", "oUser", entered_session=True)
    platform.time.now += 61
    assert send(platform)["errcode"] == 45015
    platform.user_acted("melochi", "oUser")
    platform.user_acted("melochi", "oUser", entered_session=True)
    assert [send(platform)["errcode"] for _ in range(6)] == [0] * 5 + [45047]


def test_text_must_be_present_and_within_2048_bytes(platform):
    platform.user_acted("melochi", "oUser")
    assert send(platform, content="")["errcode"] == 44004
    assert send(platform, content="字" * 683)["errcode"] == 45002
    assert send(platform, content="字" * 682)["errcode"] == 0
    assert platform.send(platform.apps["melochi"], {"touser": "oUser", "msgtype": "music"})["errcode"] == 40008


def test_typing_follows_wechats_rules(platform):
    wechat_app = platform.apps["melochi"]

    def typing(command="Typing"):
        return platform.typing(wechat_app, {"touser": "oUser", "command": command})["errcode"]
    platform.user_acted("melochi", "oUser")
    assert typing("Dancing") == 45072
    assert typing() == 0 and typing() == 45081
    send(platform)  # a message cancels the typing state
    assert typing() == 0
    platform.time.now += 31
    assert typing() == 45080
    assert wechat_app.users["oUser"].remaining == 4  # typing costs no quota


def run_simulator(*arguments, **environment):
    return subprocess.run([sys.executable, "-m", "bot.channels.wechat_sim", *arguments], cwd=REPO,
                          env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **environment},
                          capture_output=True, text=True, timeout=120)


def test_the_simulator_refuses_to_run_in_production_and_explains_itself(tmp_path):
    refused = run_simulator("--state-dir", str(tmp_path), PRIVACY_ENV="production")
    assert refused.returncode != 0 and "PRIVACY_ENV=production" in refused.stderr
    assert not (tmp_path / "credentials.json").exists()
    helped = run_simulator("--help")
    assert helped.returncode == 0 and "WECHAT_SIM_PORT" in helped.stdout and "credentials" in helped.stdout
