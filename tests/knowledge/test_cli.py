"""The operator's command line: ingest and show, and how malformed input is refused."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.knowledge.cli import main

from .helpers import REPO

POLICY = """测试应用隐私政策
生效日期：2024年5月1日
一、如何管理您的个人信息
1、注销账号
您可以在“我的-设置-账号与安全-注销账号”中申请注销。提交申请后将进入7天冷静期。
2、退订
如您不想接收营销短信，可回复“TD”退订。
二、如何联系我们
您可以发送邮件至privacy@example.com与我们联系，我们将在15个工作日内答复您的请求。
"""


@pytest.fixture()
def policy_file(tmp_path):
    path = tmp_path / "policy.txt"
    path.write_text(POLICY, encoding="utf-8")
    return path


def ingest(policy, apps_dir, *extra):
    return main(["ingest", str(policy), "--app", "demo", "--name", "演示应用", "--apps-dir", str(apps_dir), *extra])


def test_ingest_writes_policy_knowledge_and_an_overrides_template(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    assert ingest(policy_file, apps) == 0
    app = apps / "demo"
    assert (app / "policy.txt").read_text(encoding="utf-8") == POLICY
    knowledge = (app / "knowledge.yml").read_text(encoding="utf-8")
    assert "账号与安全" in knowledge and "\\u" not in knowledge         # Chinese stays readable
    assert (app / "overrides.yml").is_file()
    out = capsys.readouterr().out
    assert "account_deletion 1" in out and "15 个工作日" in out


def test_reingest_keeps_operator_overrides(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    overrides = apps / "demo" / "overrides.yml"
    overrides.write_text("set:\n  cooling_off: {days: 10, section: 一、如何管理您的个人信息, quote: 人工确认}\n",
                         encoding="utf-8")
    assert ingest(policy_file, apps) == 0
    assert overrides.read_text(encoding="utf-8").startswith("set:")
    capsys.readouterr()
    assert main(["show", "demo", "--apps-dir", str(apps), "--topic", "response_time", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["topics"]["response_time"]
    assert [(i["kind"], i["days"]) for i in items] == [("reply_deadline", 15), ("cooling_off", 10)]


def test_reingest_reports_a_broken_overrides_file_and_stale_rules(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    overrides = apps / "demo" / "overrides.yml"
    overrides.write_text("remove:\n  contacts: [{kind: phone, value: '123'}]\n", encoding="utf-8")
    capsys.readouterr()
    assert ingest(policy_file, apps) == 0
    assert "matches nothing" in capsys.readouterr().err
    overrides.write_text("set: [oops", encoding="utf-8")
    assert ingest(policy_file, apps) == 1
    assert "overrides.yml is invalid" in capsys.readouterr().err
    assert main(["show", "demo", "--apps-dir", str(apps)]) == 1


def test_show_prints_each_topic_with_its_section(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    capsys.readouterr()
    assert main(["show", "demo", "--apps-dir", str(apps)]) == 0
    out = capsys.readouterr().out
    assert "演示应用 (demo)  生效日期 2024-05-01" in out
    assert "[app] 我的 › 设置 › 账号与安全 › 注销账号" in out
    assert "§ 一、如何管理您的个人信息 › 1、注销账号" in out
    assert "cooling_off: 7 天" in out
    assert "personalization (0)\n  — the policy does not say" in out


def test_show_json_for_one_topic(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    capsys.readouterr()
    assert main(["show", "demo", "--apps-dir", str(apps), "--topic", "unsubscribe", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert list(shown["topics"]) == ["unsubscribe"]
    (path,) = shown["topics"]["unsubscribe"]
    assert (path["qualifier"], path["steps"]) == ("sms", ["回复“TD”"])
    assert shown["effective_date"] == "2024-05-01"


def test_overrides_show_up_in_show(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    (apps / "demo" / "overrides.yml").write_text(
        "add:\n  contacts:\n    - {kind: phone, value: 400-000-0000, section: 二、如何联系我们}\n", encoding="utf-8")
    capsys.readouterr()
    main(["show", "demo", "--apps-dir", str(apps), "--topic", "contact", "--json"])
    values = [c["value"] for c in json.loads(capsys.readouterr().out)["topics"]["contact"]]
    assert values == ["privacy@example.com", "400-000-0000"]


def test_show_unknown_app_lists_the_known_ones(policy_file, tmp_path, capsys):
    apps = tmp_path / "apps"
    ingest(policy_file, apps)
    capsys.readouterr()
    assert main(["show", "nope", "--apps-dir", str(apps)]) == 1
    err = capsys.readouterr().err
    assert "'nope'" in err and "demo" in err


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    (POLICY.encode("gbk"), "--encoding gbk"),
    (POLICY.encode("utf-16"), "binary"),
    (b"This is an English document without any Chinese text at all." * 3, "Chinese"),
])
def test_malformed_input_is_refused_and_nothing_is_written(tmp_path, capsys, content, message):
    source = tmp_path / "bad.txt"
    source.write_bytes(content)
    apps = tmp_path / "apps"
    assert ingest(source, apps) == 1
    assert message in capsys.readouterr().err
    assert not apps.exists()


def test_gbk_is_accepted_when_declared(tmp_path):
    source = tmp_path / "gbk.txt"
    source.write_bytes(POLICY.encode("gbk"))
    assert ingest(source, tmp_path / "apps", "--encoding", "gbk") == 0
    assert (tmp_path / "apps" / "demo" / "policy.txt").read_text(encoding="utf-8") == POLICY


def test_utf8_with_bom_is_accepted(tmp_path):
    source = tmp_path / "bom.txt"
    source.write_bytes(b"\xef\xbb\xbf" + POLICY.encode("utf-8"))
    assert ingest(source, tmp_path / "apps") == 0
    assert (tmp_path / "apps" / "demo" / "policy.txt").read_text(encoding="utf-8") == POLICY


@pytest.mark.parametrize("argv", [
    ["ingest", "{policy}", "--app", "../evil", "--name", "x"],
    ["ingest", "{policy}", "--app", "Demo", "--name", "x"],
    ["ingest", "{missing}", "--app", "demo", "--name", "x"],
    ["ingest", "{policy}", "--app", "demo", "--name", " "],
    ["ingest", "{policy}", "--app", "demo", "--name", "x", "--encoding", "klingon"],
])
def test_bad_arguments_write_nothing(policy_file, tmp_path, capsys, argv):
    apps = tmp_path / "apps"
    argv = [a.format(policy=policy_file, missing=tmp_path / "missing.txt") for a in argv] + ["--apps-dir", str(apps)]
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert not apps.exists()


@pytest.mark.parametrize("argv", [
    ["ingest", "p.txt", "--app", "demo", "--name", "x", "--frobnicate"],
    ["ingest", "p.txt", "--name", "x"],
    ["show", "demo", "--topic", "weather"],
    ["explode"],
])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_module_entry_point_has_help():
    for argv in ([], ["ingest"], ["show"]):
        result = subprocess.run([sys.executable, "-m", "bot.knowledge", *argv, "--help"], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "usage: python -m bot.knowledge" in result.stdout
