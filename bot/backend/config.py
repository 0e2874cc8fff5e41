"""Backend settings from environment variables, and secret handling.

``PRIVACY_ENV`` is ``production`` unless set: a missing secret is then a startup error, codes go
to the SMS gateway and the dev endpoints do not exist. In ``PRIVACY_ENV=dev`` (what ``make run``
and the tests set) a missing secret is generated once and persisted in ``var/backend/secrets.json``
(mode 0600). No secret is written in code.
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from bot import contract
from bot.contract import Channel, DataCategory, RequestType

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = REPO_ROOT / "var" / "backend"

REQUEST_TYPES = RequestType.values()
CHANNELS = Channel.values()
DELETABLE_CATEGORIES = contract.DELETABLE_CATEGORIES
# Categories the backend deletes itself (it holds their tables); an info_deletion naming any
# other deletable category waits for the app's operators (manual review).
AUTOMATIC_DELETION_CATEGORIES = (
    DataCategory.BROWSING_HISTORY.value, DataCategory.SEARCH_HISTORY.value, DataCategory.ADDRESS.value,
    DataCategory.REVIEW.value, DataCategory.ORDER.value, DataCategory.INVOICE.value,
)
# Sections of a data export: the profile and preferences, then every category the backend holds.
EXPORT_CATEGORIES = ("profile", "channel_preferences", "identity_bindings") + AUTOMATIC_DELETION_CATEGORIES

SERVICE_SECRETS = {
    "service_token": "BACKEND_SERVICE_TOKEN",
    "admin_token": "BACKEND_ADMIN_TOKEN",
    "secret_key": "BACKEND_SECRET_KEY",
    "export_link_secret": "BACKEND_EXPORT_LINK_SECRET",
    "webhook_secret": "BACKEND_WEBHOOK_SECRET",
}
HOST_TOKEN_SECRET_PREFIX = "BACKEND_HOST_TOKEN_SECRET_"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable backend."""


def host_token_env_name(app_id: str) -> str:
    return HOST_TOKEN_SECRET_PREFIX + app_id.upper().replace("-", "_")


@dataclass
class Settings:
    env: str
    database_url: str
    host: str
    port: int
    public_url: str
    var_dir: Path
    service_token: str
    admin_token: str
    secret_key: str
    export_link_secret: str
    webhook_secret: str
    webhook_urls: list[str] = field(default_factory=list)
    sms_adapter: str = "outbox"
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = None
    export_link_ttl_seconds: int = 3600
    export_retention_days: int = 7
    manual_review_types: tuple[str, ...] = ("account_deletion",)
    worker_interval_seconds: float = 5.0
    codes_per_phone_per_hour: int = 10
    host_token_secrets: dict[str, str] = field(default_factory=dict)
    _environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def export_dir(self) -> Path:
        return self.var_dir / "exports"

    def host_token_secret(self, app_id: str) -> str:
        """The per-app secret the host app signs user tokens with."""
        if app_id in self.host_token_secrets:
            return self.host_token_secrets[app_id]
        name = host_token_env_name(app_id)
        value = self._environ.get(name)
        if not value:
            if self.is_production:
                raise ConfigError(f"{name} is not set")
            value = _dev_secret(self.var_dir, f"host_token:{app_id}")
        self.host_token_secrets[app_id] = value
        return value


def _dev_secret(var_dir: Path, name: str) -> str:
    """A dev secret, generated on first use and kept in var/ across runs (and processes)."""
    path = var_dir / "secrets.json"
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / "secrets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # server processes and the worker may start together
        stored = json.loads(path.read_text()) if path.exists() else {}
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=2))
            tmp.chmod(0o600)
            tmp.replace(path)
        return stored[name]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("PRIVACY_ENV", "production")
    if env not in ("dev", "production"):
        raise ConfigError(f"PRIVACY_ENV must be 'dev' or 'production', not {env!r}")
    var_dir = Path(environ.get("BACKEND_VAR_DIR", DEFAULT_VAR_DIR))
    port = int(environ.get("BACKEND_PORT", "8000"))
    missing = [var for var in SERVICE_SECRETS.values() if not environ.get(var)]
    if env == "production" and missing:
        raise ConfigError("missing secrets in production: " + ", ".join(missing))
    values = {
        attr: environ.get(var) or _dev_secret(var_dir, attr) for attr, var in SERVICE_SECRETS.items()
    }
    database_url = environ.get("BACKEND_DATABASE_URL") or f"sqlite:///{var_dir / 'backend.db'}"
    if env == "production" and database_url.startswith("sqlite"):
        pass  # allowed, but PostgreSQL is what production configs use
    sms_adapter = environ.get("BACKEND_SMS_ADAPTER", "outbox" if env == "dev" else "gateway")
    if sms_adapter not in ("outbox", "gateway"):
        raise ConfigError("BACKEND_SMS_ADAPTER must be 'outbox' or 'gateway'")
    if sms_adapter == "gateway" and not environ.get("BACKEND_SMS_GATEWAY_URL"):
        raise ConfigError("BACKEND_SMS_ADAPTER=gateway needs BACKEND_SMS_GATEWAY_URL")
    if env == "production" and sms_adapter == "outbox":
        raise ConfigError("the dev outbox cannot deliver codes in production")
    manual = tuple(
        t.strip() for t in environ.get("BACKEND_MANUAL_REVIEW", "account_deletion").split(",") if t.strip()
    )
    unknown = [t for t in manual if t not in REQUEST_TYPES]
    if unknown:
        raise ConfigError(f"BACKEND_MANUAL_REVIEW has unknown request types: {unknown}")
    return Settings(
        env=env,
        database_url=database_url,
        host=environ.get("BACKEND_HOST", "127.0.0.1"),
        port=port,
        public_url=(environ.get("BACKEND_PUBLIC_URL") or environ.get("BACKEND_URL")
                    or f"http://127.0.0.1:{port}").rstrip("/"),
        var_dir=var_dir,
        webhook_urls=[u.strip() for u in environ.get("BACKEND_WEBHOOK_URLS", "").split(",") if u.strip()],
        sms_adapter=sms_adapter,
        sms_gateway_url=environ.get("BACKEND_SMS_GATEWAY_URL"),
        sms_gateway_key=environ.get("BACKEND_SMS_GATEWAY_KEY"),
        export_link_ttl_seconds=int(environ.get("BACKEND_EXPORT_LINK_TTL", "3600")),
        export_retention_days=int(environ.get("BACKEND_EXPORT_RETENTION_DAYS", "7")),
        manual_review_types=manual,
        worker_interval_seconds=float(environ.get("BACKEND_WORKER_INTERVAL", "5")),
        codes_per_phone_per_hour=int(environ.get("BACKEND_CODES_PER_PHONE_PER_HOUR", "10")),
        _environ=environ,
        **values,
    )
