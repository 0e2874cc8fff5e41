"""Configuration: per-app settings from the environment, clear errors for wrong ones, the
credentials.yml entry as Rasa loads it, and the development credentials."""
import json
import stat

import pytest
from rasa.core.run import create_http_input_channels

from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.config import WeChatConfigError, api_base, load_app, redis_settings
from bot.channels.wechat_sim.credentials import dev_credentials

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_an_app_without_an_appid_has_no_wechat_channel():
    assert load_app("melochi", {}) is None
    assert load_app("melochi", {"WECHAT_YHD_APPID": "wx1"}) is None


def test_an_app_is_configured_from_its_upper_cased_variables():
    app = load_app("melochi", {"WECHAT_MELOCHI_APPID": "wxba5fad812f8e6fb9", "WECHAT_MELOCHI_TOKEN": "t",
                               "WECHAT_MELOCHI_SECRET": "s", "WECHAT_MELOCHI_AES_KEY": KEY})
    assert (app.appid, app.token, app.secret, app.aes_key, app.encrypted) == ("wxba5fad812f8e6fb9", "t", "s", KEY, True)
    assert KEY not in repr(app) and "'s'" not in repr(app) and "'t'" not in repr(app)


def test_unset_aes_key_means_plaintext_mode_in_development():
    app = load_app("tego", {"WECHAT_TEGO_APPID": "wx1", "WECHAT_TEGO_TOKEN": "t", "WECHAT_TEGO_SECRET": "s",
                            "PRIVACY_ENV": "dev"})
    assert not app.encrypted


@pytest.mark.parametrize("env", [{}, {"PRIVACY_ENV": "production"}])
def test_production_refuses_plaintext_mode_whose_pushes_are_not_signed_over_their_body(env):
    with pytest.raises(WeChatConfigError, match="WECHAT_TEGO_AES_KEY"):
        load_app("tego", {"WECHAT_TEGO_APPID": "wx1", "WECHAT_TEGO_TOKEN": "t", "WECHAT_TEGO_SECRET": "s", **env})


@pytest.mark.parametrize("environ, names", [
    ({"WECHAT_MELOCHI_APPID": "wx1", "WECHAT_MELOCHI_SECRET": "s"}, "WECHAT_MELOCHI_TOKEN"),
    ({"WECHAT_MELOCHI_APPID": "wx1", "WECHAT_MELOCHI_TOKEN": "t"}, "WECHAT_MELOCHI_SECRET"),
    ({"WECHAT_MELOCHI_APPID": "wx 1", "WECHAT_MELOCHI_TOKEN": "t", "WECHAT_MELOCHI_SECRET": "s"},
     "WECHAT_MELOCHI_APPID"),
    ({"WECHAT_MELOCHI_APPID": "wx1", "WECHAT_MELOCHI_TOKEN": "t", "WECHAT_MELOCHI_SECRET": "s",
      "WECHAT_MELOCHI_AES_KEY": KEY[:-1]}, "WECHAT_MELOCHI_AES_KEY"),
    ({"WECHAT_MELOCHI_APPID": "wx1", "WECHAT_MELOCHI_TOKEN": "t", "WECHAT_MELOCHI_SECRET": "s",
      "WECHAT_MELOCHI_AES_KEY_PREVIOUS": KEY}, "WECHAT_MELOCHI_AES_KEY_PREVIOUS"),
])
def test_a_wrong_configuration_names_the_variable(environ, names):
    with pytest.raises(WeChatConfigError, match=names):
        load_app("melochi", environ)


def test_production_calls_wechat_itself_over_https():
    assert api_base({}) == "https://api.weixin.qq.com"
    assert api_base({"WECHAT_API_BASE": "http://127.0.0.1:8070/"}) == "http://127.0.0.1:8070"
    with pytest.raises(WeChatConfigError):
        api_base({"PRIVACY_ENV": "production", "WECHAT_API_BASE": "http://127.0.0.1:8070"})


def test_redis_is_used_only_when_redis_host_is_set():
    assert redis_settings({}) is None
    settings = redis_settings({"REDIS_HOST": "10.0.0.5", "REDIS_PORT": "6380", "REDIS_DB": "2"})
    assert (settings.host, settings.port, settings.db, settings.prefix) == ("10.0.0.5", 6380, 2, "privacy_desk:wechat")


def test_credentials_yml_loads_the_wechat_channel_beside_app_chat(monkeypatch):
    monkeypatch.setenv("WECHAT_MELOCHI_APPID", "wx1")
    monkeypatch.setenv("WECHAT_MELOCHI_TOKEN", "t")
    monkeypatch.setenv("WECHAT_MELOCHI_SECRET", "s")
    channels = {channel.name(): channel for channel in create_http_input_channels(None, "credentials.yml")}
    assert {"app_chat", "wechat"} <= set(channels)
    assert isinstance(channels["wechat"], WeChatInput)
    assert set(channels["wechat"].check_configuration()) == {"melochi"}


def test_a_wrong_configuration_stops_the_channel_from_loading(monkeypatch):
    monkeypatch.setenv("WECHAT_MELOCHI_APPID", "wx1")
    with pytest.raises(WeChatConfigError):
        WeChatInput.from_credentials({})


def test_dev_credentials_are_created_once_and_kept(tmp_path):
    first = dev_credentials(tmp_path, ["melochi", "yhd", "tego", "miniapp", "liqun"], "http://127.0.0.1:8070")
    again = dev_credentials(tmp_path, ["melochi", "yhd", "tego", "miniapp", "liqun"], "http://127.0.0.1:8070")
    assert first.apps == again.apps
    assert stat.S_IMODE((tmp_path / "credentials.json").stat().st_mode) == 0o600
    assert {(a.mode, a.format) for a in first.apps.values()} >= {("safe", "json"), ("safe", "xml"),
                                                                 ("compatible", "xml"), ("plaintext", "json")}
    melochi = first.apps["melochi"]
    assert len(melochi.aes_key) == 43 and melochi.appid.startswith("wx")
    environment = first.rasa_environment()
    assert environment["WECHAT_API_BASE"] == "http://127.0.0.1:8070"
    assert environment["WECHAT_MELOCHI_APPID"] == melochi.appid
    for app in first.apps.values():
        assert load_app(app.app, {**environment, "PRIVACY_ENV": "dev"}).encrypted == app.encrypted
    simulator = first.simulator_environment()
    assert simulator["WECHAT_SIM_STATE_DIR"] == str(tmp_path)
    assert simulator["WECHAT_SIM_MELOCHI_MODE"] == melochi.mode
    assert json.loads((tmp_path / "credentials.json").read_text())["apps"]["melochi"]["secret"] == melochi.secret
