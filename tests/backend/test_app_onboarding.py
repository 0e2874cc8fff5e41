"""An app onboarded with the knowledge-base CLI is served by the backend without a sync step."""
import subprocess
import sys
from pathlib import Path

import pytest

from bot.backend.errors import UnknownApp
from bot.backend.models import App
from bot.backend.services.context import get_app

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY = """某某商城隐私政策
一、我们如何收集和使用您的个人信息
我们会收集您的手机号码用于注册。
二、您如何管理您的个人信息
您可以通过“我的-设置-账号注销”申请注销账号。我们将在收到您的请求后15个工作日内答复。
三、如何联系我们
如您有任何疑问，请发送邮件至privacy@example.com与我们联系。
"""


@pytest.fixture
def apps_dir(tmp_path, monkeypatch):
    (tmp_path / "policy.txt").write_text(POLICY, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot.knowledge", "ingest", str(tmp_path / "policy.txt"),
                    "--app", "newshop", "--name", "某某商城", "--apps-dir", str(tmp_path / "apps")],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    monkeypatch.setenv("PRIVACY_APPS_DIR", str(tmp_path / "apps"))
    return tmp_path / "apps"


def test_first_use_registers_a_newly_ingested_app_with_its_published_deadline(backend, apps_dir):
    with backend.transaction() as session:
        app = get_app(session, "newshop")
        assert (app.name, app.deadline_days, app.deadline_working_days) == ("某某商城", 15, True)
    with backend.sessions() as session:
        assert session.get(App, "newshop") is not None  # kept


def test_an_app_nobody_onboarded_is_still_unknown(backend, apps_dir):
    with backend.transaction() as session, pytest.raises(UnknownApp):
        get_app(session, "neverheardof")
