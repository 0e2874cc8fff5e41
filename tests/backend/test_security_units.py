"""Request ids, log masking, secrets handling."""
from __future__ import annotations

import pytest

from bot.backend.config import ConfigError, load_settings
from bot.backend.ids import CROCKFORD, new_request_id, parse_request_id
from bot.backend.logmask import mask
from bot.identifiers import normalise_phone as normalize_phone


def test_request_ids_are_crockford_base32_and_not_repeated():
    ids = {new_request_id() for _ in range(5000)}
    assert len(ids) == 5000
    for request_id in list(ids)[:100]:
        assert request_id.startswith("PR-") and len(request_id) == 13
        assert all(c in CROCKFORD for c in request_id[3:])


def test_user_typed_request_ids_are_accepted_in_lower_case_and_with_confusable_letters():
    assert parse_request_id("pr-7k3m9q2xhd") == "PR-7K3M9Q2XHD"
    assert parse_request_id("PR7K3M9Q2XHD") == "PR-7K3M9Q2XHD"
    assert parse_request_id("pr-7k3m9q2xho") == "PR-7K3M9Q2XH0"
    assert parse_request_id("PR-123") is None and parse_request_id("XX-7K3M9Q2XHD") is None


@pytest.mark.parametrize("text, secret", [
    ("用户手机号13912345678已验证", "13912345678"),
    ("phone=+86 13912345678", "13912345678"),
    ("您的验证码为483920，5分钟内有效", "483920"),
    ("code 009381 wrong", "009381"),
    ("身份证 11010519880314999X 已核验", "11010519880314999X"),
    ("GET /v1/exports/EXabc?expires=1&sig=deadbeef HTTP/1.1", "deadbeef"),
])
def test_log_masking_hides_phones_codes_id_numbers_and_signatures(text, secret):
    assert secret not in mask(text)


def test_log_masking_keeps_request_ids_ports_and_times():
    line = '2026-11-22 10:00:00,123 127.0.0.1:8000 "GET /v1/requests/PR-123456ABCD" 200 0.004s'
    assert mask(line) == line


def test_phone_numbers_are_normalised():
    assert normalize_phone("+86 139-1234-5678") == "13912345678"
    assert normalize_phone("12912345678") is None and normalize_phone("1391234567") is None


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(ConfigError, match="BACKEND_SERVICE_TOKEN"):
        load_settings({"PRIVACY_ENV": "production", "BACKEND_VAR_DIR": str(tmp_path)})
    complete = {"PRIVACY_ENV": "production", "BACKEND_VAR_DIR": str(tmp_path),
                "BACKEND_SERVICE_TOKEN": "s" * 32, "BACKEND_ADMIN_TOKEN": "a" * 32,
                "BACKEND_SECRET_KEY": "k" * 32, "BACKEND_EXPORT_LINK_SECRET": "e" * 32,
                "BACKEND_WEBHOOK_SECRET": "w" * 32, "BACKEND_SMS_GATEWAY_URL": "http://127.0.0.1:9/sms"}
    settings = load_settings(complete)
    with pytest.raises(ConfigError, match="BACKEND_HOST_TOKEN_SECRET_MELOCHI"):
        settings.host_token_secret("melochi")
    with pytest.raises(ConfigError, match="outbox"):
        load_settings({**complete, "BACKEND_SMS_ADAPTER": "outbox"})
    assert not (tmp_path / "secrets.json").exists()


def test_an_unset_privacy_env_is_production_and_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(ConfigError, match="missing secrets in production"):
        load_settings({"BACKEND_VAR_DIR": str(tmp_path)})
    assert not (tmp_path / "secrets.json").exists()


def test_dev_secrets_are_generated_once_and_kept(tmp_path):
    first = load_settings({"PRIVACY_ENV": "dev", "BACKEND_VAR_DIR": str(tmp_path)})
    second = load_settings({"PRIVACY_ENV": "dev", "BACKEND_VAR_DIR": str(tmp_path)})
    assert first.service_token == second.service_token and len(first.service_token) >= 32
    assert first.host_token_secret("liqun") == second.host_token_secret("liqun")
    assert first.service_token != first.admin_token
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
