"""Serving knowledge at runtime: app discovery, caching, live reload, overrides, unknown apps."""
from __future__ import annotations

import logging
import os
import shutil

import pytest
import yaml

from bot.knowledge import InvalidKnowledge, UnknownApp, apps_dir, list_apps, load_app
from bot.knowledge.ingest import ingest
from bot.knowledge.store import apply_overrides

from .helpers import APPS_DIR, LAUNCH_APPS

POLICY = """演示隐私政策
一、管理您的信息
您可以在“我的-设置-注销账号”中申请注销账号。我们将在15天内答复您的请求。
二、联系我们
您可以发送邮件至privacy@example.com与我们联系。
"""


@pytest.fixture()
def apps(tmp_path):
    source = tmp_path / "policy.txt"
    source.write_text(POLICY, encoding="utf-8")
    ingest(source, "demo", "演示", tmp_path / "apps")
    return tmp_path / "apps"


def write_overrides(apps, content: str) -> None:
    path = apps / "demo" / "overrides.yml"
    path.write_text(content, encoding="utf-8")
    bump(path)


def bump(path) -> None:
    """Make the change visible even on file systems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_apps_dir_defaults_to_data_apps_and_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PRIVACY_APPS_DIR", raising=False)
    assert apps_dir() == APPS_DIR
    monkeypatch.setenv("PRIVACY_APPS_DIR", str(tmp_path))
    assert apps_dir() == tmp_path


def test_list_apps(apps):
    assert list_apps(APPS_DIR) == sorted(LAUNCH_APPS)
    assert list_apps(apps) == ["demo"]
    assert list_apps(apps / "missing") == []


@pytest.mark.parametrize("app_id", ["nope", "../liqun", "", "LIQUN", None])
def test_unknown_app_names_the_id_and_the_known_ones(app_id):
    with pytest.raises(UnknownApp) as error:
        load_app(app_id, APPS_DIR)
    assert isinstance(error.value, LookupError)
    message = str(error.value)
    assert repr(str(app_id)) in message and all(known in message for known in LAUNCH_APPS)


def test_load_is_cached(apps):
    assert load_app("demo", apps) is load_app("demo", apps)


def test_reingest_while_running_is_picked_up_without_restart(apps, tmp_path):
    before = load_app("demo", apps)
    assert before.response_deadline.days == 15
    source = tmp_path / "policy.txt"
    source.write_text(POLICY.replace("15天", "10个工作日"), encoding="utf-8")
    ingest(source, "demo", "演示", apps)
    bump(apps / "demo" / "knowledge.yml")
    after = load_app("demo", apps)
    assert after is not before
    assert (after.response_deadline.days, after.response_deadline.working_days) == (10, True)


def test_overrides_set_add_and_remove(apps):
    write_overrides(apps, """
set:
  name: 演示应用
  cooling_off: {days: 15, section: 一、管理您的信息, quote: 人工确认的冷静期}
add:
  paths:
    - {topic: unsubscribe, qualifier: sms, platform: app, steps: [回复“TD”], section: 二、联系我们, quote: 回复TD退订}
  contacts:
    - {kind: phone, value: 400-000-0000, section: 二、联系我们}
remove:
  paths:
    - {topic: account_deletion, steps: [我的, 设置, 注销账号]}
""")
    kb = load_app("demo", apps)
    assert kb.name == "演示应用"
    assert kb.cooling_off.days == 15
    assert kb.paths("account_deletion") == []
    sms = kb.paths("unsubscribe", channel="sms")[0]
    assert (sms.steps, sms.kind) == (("回复“TD”",), "instruction")        # kind inferred when not given
    assert [c.value for c in kb.contacts] == ["privacy@example.com", "400-000-0000"]


def test_an_operator_can_say_how_a_path_is_followed(apps):
    write_overrides(apps, """
add:
  paths:
    - {topic: personalization, kind: instruction, steps: [长按推荐商品图片, 选择“不感兴趣”], section: 一、管理您的信息}
""")
    (path,) = load_app("demo", apps).paths("personalization")
    assert path.kind == "instruction"


def test_replacing_an_item_is_remove_then_add(apps):
    write_overrides(apps, """
remove:
  contacts: [{kind: email}]
add:
  contacts: [{kind: email, value: dpo@example.com, section: 二、联系我们}]
""")
    assert [c.value for c in load_app("demo", apps).contacts] == ["dpo@example.com"]


@pytest.mark.parametrize("content, message", [
    ("replace: {}", "unknown section"),
    ("set: {paths: []}", "not settable"),
    ("add: {paths: [{topic: teleport, steps: [a]}]}", "unknown topic"),
    ("add: {paths: [{topic: account_deletion, platform: watch, steps: [a]}]}", "unknown platform"),
    ("add: {paths: [{topic: account_deletion, steps: []}]}", "steps"),
    ("add: {paths: [{topic: account_deletion, kind: shortcut, steps: [a]}]}", "unknown kind"),
    ("add: {contacts: [{kind: pigeon, value: x}]}", "unknown contact kind"),
    ("remove: {things: [{a: 1}]}", "not a list"),
    ("- just a list", "expected a mapping"),
])
def test_invalid_overrides_are_reported(apps, content, message):
    write_overrides(apps, content)
    with pytest.raises(InvalidKnowledge, match=message):
        load_app("demo", apps)


def test_a_broken_edit_keeps_serving_the_last_good_version(apps, caplog):
    good = load_app("demo", apps)
    write_overrides(apps, "set: {paths: []}")
    with caplog.at_level(logging.ERROR, logger="bot.knowledge.store"):
        assert load_app("demo", apps) is good
    assert "not reloaded" in caplog.text
    write_overrides(apps, "set: {name: 修好了}")
    assert load_app("demo", apps).name == "修好了"


def test_a_removed_app_is_unknown(apps):
    load_app("demo", apps)
    shutil.rmtree(apps / "demo")
    with pytest.raises(UnknownApp):
        load_app("demo", apps)


def test_apply_overrides_leaves_knowledge_untouched():
    data = {"app_id": "x", "paths": {"account_deletion": [{"steps": ["a", "b"]}]}, "contacts": []}
    snapshot = yaml.safe_dump(data)
    apply_overrides(data, {"remove": {"paths": [{"steps": ["a", "b"]}]}})
    assert yaml.safe_dump(data) == snapshot


def test_warm_up_loads_every_app_and_skips_broken_ones(tmp_path):
    from bot.knowledge import list_apps, warm_up
    from bot.knowledge.store import _root

    import shutil
    source = _root(None)
    for app in ("yhd", "tego"):
        shutil.copytree(source / app, tmp_path / app)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "knowledge.yml").write_text("{not: [valid", encoding="utf-8")
    assert set(warm_up(tmp_path)) == {"yhd", "tego"}
    assert "broken" in list_apps(tmp_path)
