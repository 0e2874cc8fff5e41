"""Export files exist only with their row: a worker killed mid-export leaves nothing readable
behind for long, erasure removes every file of the user, and a rolled-back export no file."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from bot.backend import worker
from bot.backend.models import PrivacyRequest, User
from bot.backend.services import exports
from tests.backend.helpers import DemoUser, make_app, read_code

KILLED_MID_EXPORT = textwrap.dedent("""
    import os, sys
    from bot.backend.config import load_settings
    from bot.backend.models import App, PrivacyRequest, User
    from bot.backend.services import exports
    from bot.backend.services.context import Backend

    backend = Backend.from_settings(load_settings(), migrate=False)
    with backend.transaction() as session:
        request = session.get(PrivacyRequest, sys.argv[1])
        user, app = session.get(User, request.user_id), session.get(App, request.app_id)
        exports.build_export(backend, session, request, user, app.name)
        os.kill(os.getpid(), 9)  # the ZIP is written, the transaction never commits
""")


def verified_export(backend, client, user, app) -> str:
    filed = client.file_request(app, "data_export", subject=user.subject)
    challenge_id = filed.request.verification.challenge_id
    client.check_code(challenge_id, read_code(backend, challenge_id))
    return filed.request.id


def export_files(backend) -> list:
    return [p for p in backend.settings.export_dir.rglob("*") if p.is_file()]


def kill_a_worker_mid_export(backend, request_id: str) -> None:
    settings = backend.settings
    environment = {**os.environ, "PRIVACY_ENV": "dev", "BACKEND_VAR_DIR": str(settings.var_dir),
                   "BACKEND_DATABASE_URL": settings.database_url}
    finished = subprocess.run([sys.executable, "-c", KILLED_MID_EXPORT, request_id], env=environment,
                              capture_output=True, timeout=120)
    assert finished.returncode == -9, finished.stderr.decode()[-2000:]


def test_a_worker_killed_mid_export_publishes_nothing_and_housekeeping_removes_its_file(
        backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    request_id = verified_export(backend, client, user, app)
    kill_a_worker_mid_export(backend, request_id)
    left = [p for p in export_files(backend) if p.name.startswith(request_id)]
    assert left and all(p.parent.name == ".partial" for p in left)  # never under a download name
    assert all(p.stat().st_mode & 0o077 == 0 for p in left)
    backend.clock.advance(hours=2)
    worker.housekeeping(backend)
    assert not [p for p in export_files(backend) if p.name.startswith(request_id)]


def test_erasing_an_account_removes_export_files_that_no_row_records(backend, client, admin):
    app = make_app(backend)
    user = DemoUser(backend, app)
    request_id = verified_export(backend, client, user, app)
    kill_a_worker_mid_export(backend, request_id)
    filed = client.file_request(app, "account_deletion", subject=user.subject)
    client.check_code(filed.request.verification.challenge_id,
                      read_code(backend, filed.request.verification.challenge_id))
    admin.post(f"/admin/v1/requests/{filed.request.id}/approve")
    worker.execute_due(backend)
    assert admin.get(f"/admin/v1/requests/{filed.request.id}")["status"] == "completed"
    assert not [p for p in export_files(backend) if p.name.startswith(request_id)]
    assert not any(user.phone.encode() in p.read_bytes() for p in export_files(backend))


def test_an_export_whose_transaction_rolls_back_leaves_no_file(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    request_id = verified_export(backend, client, user, app)
    with pytest.raises(RuntimeError):
        with backend.transaction() as session:
            request = session.get(PrivacyRequest, request_id)
            exports.build_export(backend, session, request, session.get(User, user.id), "测试商城")
            raise RuntimeError("the filing transaction failed")
    assert not [p for p in export_files(backend) if p.name.startswith(request_id)]


def test_a_committed_export_is_published_under_the_name_its_link_serves(backend, client):
    app = make_app(backend)
    user = DemoUser(backend, app)
    request_id = verified_export(backend, client, user, app)
    worker.run_once(backend)
    request = client.get_request(app, request_id, user.subject)
    assert request.status == "completed" and request.export["download_url"]
    published = [p for p in export_files(backend) if p.name.startswith(request_id)]
    assert [p.parent for p in published] == [backend.settings.export_dir]
