"""Personal-data exports: a ZIP with JSON and CSV per category and a README in Chinese.

The file lives under ``var/backend/exports`` for ``BACKEND_EXPORT_RETENTION_DAYS``; users download
it through a link signed with ``BACKEND_EXPORT_LINK_SECRET`` that expires after
``BACKEND_EXPORT_LINK_TTL`` seconds (a new link is minted each time the request is read).

A ZIP is written under ``exports/.partial/`` and moved to its published name only once the
transaction that records it has committed (and deleted if it rolls back), so a file of personal
data never exists without its row for longer than a crash leaves it; housekeeping finishes or
removes what a crash left behind (``recover_partial_files``). Every file's name starts with its
request id, so erasing a user removes each of their files, recorded or not.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.backend.config import AUTOMATIC_DELETION_CATEGORIES, EXPORT_CATEGORIES
from bot.contract import DataCategory
from bot.backend.errors import Forbidden, LinkExpired, NotFound
from bot.backend.models import (
    Address, BrowsingHistory, ChannelPreference, ExportArtefact, IdentityBinding, Invoice, Order,
    PrivacyRequest, Review, SearchHistory, User,
)
from bot.backend.security import check_export_link, sign_export_link
from bot.backend.services.audit import record
from bot.backend.services.context import Actor, Backend

CATEGORY_LABELS = {
    "profile": "个人资料", "channel_preferences": "营销消息订阅偏好", "identity_bindings": "账号绑定",
    **{category: DataCategory(category).label for category in AUTOMATIC_DELETION_CATEGORIES},
}
_PROFILE_FIELDS = ("nickname", "real_name", "id_number", "phone", "email", "gender", "birthday",
                   "registered_at")
_ROW_QUERIES = {
    "channel_preferences": (ChannelPreference, ("channel", "subscribed", "updated_at")),
    "identity_bindings": (IdentityBinding, ("kind", "value", "created_at")),
    "browsing_history": (BrowsingHistory, ("item_title", "viewed_at")),
    "search_history": (SearchHistory, ("query", "searched_at")),
    "address": (Address, ("recipient", "phone", "province", "city", "district", "detail", "is_default")),
    "review": (Review, ("order_no", "rating", "content", "created_at")),
    "order": (Order, ("order_no", "placed_at", "status", "total_cents", "items", "recipient_name",
                       "recipient_phone", "shipping_address")),
    "invoice": (Invoice, ("invoice_no", "order_no", "title", "tax_id", "email", "amount_cents",
                           "issued_at")),
}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def collect(session: Session, user: User, category: str) -> list[dict]:
    if category == "profile":
        return [{field: _plain(getattr(user, field)) for field in _PROFILE_FIELDS}]
    model, fields = _ROW_QUERIES[category]
    rows = session.execute(select(model).where(model.user_id == user.id)).scalars()
    return [{field: _plain(getattr(row, field)) for field in fields} for row in rows]


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                             for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()  # BOM so that Excel opens UTF-8 Chinese correctly


def _readme(app_name: str, request: PrivacyRequest, categories: list[str], now: datetime) -> str:
    lines = [
        f"{app_name} 个人信息副本",
        "",
        f"申请编号：{request.id}",
        f"生成时间：{now.isoformat(timespec='seconds')}",
        "",
        "本压缩包包含您在本应用中的个人信息，每一类信息各有两个文件：",
        "  - .json：结构化数据，便于转移到其他服务（可携带权）；",
        "  - .csv：表格，可用 Excel 或 WPS 打开。",
        "",
        "包含的信息类别：",
        *[f"  - {CATEGORY_LABELS[c]}（{c}.json / {c}.csv）" for c in categories],
        "",
        "金额单位为分；时间为 ISO 8601 格式（UTC）。",
        "本文件含有您的敏感个人信息，请妥善保管，不要转发给他人。",
        "下载链接有时效，过期后可通过客服重新获取；文件将在保存期满后自动删除。",
    ]
    return "\n".join(lines) + "\n"


def build_export(backend: Backend, session: Session, request: PrivacyRequest, user: User,
                 app_name: str) -> ExportArtefact:
    now = backend.now()
    categories = [c for c in EXPORT_CATEGORIES if not request.categories or c in request.categories]
    if "profile" not in categories:
        categories.insert(0, "profile")
    artefact_id = "EX" + secrets.token_urlsafe(18)
    filename = f"{request.id}.{artefact_id}.zip"
    path = partial_dir(backend) / filename
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _private_file(path) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(app_name, request, categories, now))
        for category in categories:
            rows = collect(session, user, category)
            archive.writestr(f"{category}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            archive.writestr(f"{category}.csv", _csv(rows))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    artefact = ExportArtefact(id=artefact_id, request_id=request.id, filename=filename, sha256=digest,
                              size_bytes=path.stat().st_size, created_at=now,
                              expires_at=now + timedelta(days=backend.settings.export_retention_days),
                              downloads=0)
    session.add(artefact)
    event.listen(session, "after_commit", lambda _: publish(backend, filename), once=True)
    event.listen(session, "after_rollback", lambda _: path.unlink(missing_ok=True), once=True)
    return artefact


def partial_dir(backend: Backend) -> Path:
    return backend.settings.export_dir / ".partial"


def _private_file(path: Path):
    """A new file only its owner can read, from the first byte on."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def publish(backend: Backend, filename: str) -> None:
    """Move a committed export from .partial/ to where its download link finds it."""
    source = partial_dir(backend) / filename
    if source.exists():
        source.replace(backend.settings.export_dir / filename)


def recover_partial_files(backend: Backend, session: Session, older_than: timedelta) -> int:
    """Housekeeping after a crash: publish partial files whose row committed, delete the rest."""
    directory = partial_dir(backend)
    if not directory.exists():
        return 0
    cutoff = backend.now().timestamp() - older_than.total_seconds()
    handled = 0
    for path in directory.iterdir():
        if path.stat().st_mtime > cutoff:
            continue  # an export being written right now
        recorded = session.execute(select(ExportArtefact.id).where(
            ExportArtefact.filename == path.name, ExportArtefact.purged_at.is_(None))).first()
        if recorded:
            publish(backend, path.name)
        else:
            path.unlink(missing_ok=True)
        handled += 1
    return handled


def remove_files_of_requests(backend: Backend, request_ids: list[str]) -> int:
    """Every export file (published or partial) of these requests, whatever the rows say."""
    removed = 0
    for directory in (backend.settings.export_dir, partial_dir(backend)):
        if not directory.exists():
            continue
        for request_id in request_ids:
            for path in directory.glob(f"{request_id}.*"):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def download_link(backend: Backend, artefact: ExportArtefact) -> dict | None:
    now = backend.now()
    if artefact.purged_at is not None or artefact.expires_at <= now:
        return None
    expires = int(min(now.timestamp() + backend.settings.export_link_ttl_seconds,
                      artefact.expires_at.timestamp()))
    signature = sign_export_link(backend.settings.export_link_secret, artefact.id, expires)
    return {"download_url": f"{backend.settings.public_url}/v1/exports/{artefact.id}"
                            f"?expires={expires}&sig={signature}",
            "link_expires_at": datetime.fromtimestamp(expires, tz=now.tzinfo).isoformat(),
            "size_bytes": artefact.size_bytes, "sha256": artefact.sha256}


def resolve_download(backend: Backend, artefact_id: str, expires: str, signature: str) -> Path:
    """The file behind a signed link, after checking signature and expiry."""
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        raise Forbidden("下载链接无效 (invalid link)") from None
    if not isinstance(signature, str) or not check_export_link(
            backend.settings.export_link_secret, artefact_id, expires_at, signature):
        raise Forbidden("下载链接无效 (invalid link signature)")
    if backend.now().timestamp() > expires_at:
        raise LinkExpired("下载链接已过期，请重新获取 (link expired)")
    with backend.transaction() as session:
        artefact = session.get(ExportArtefact, artefact_id)
        if artefact is None or artefact.purged_at is not None:
            raise NotFound("文件已删除 (export no longer available)")
        artefact.downloads += 1
        record(session, entity_type="export", entity_id=artefact.id, action="export.downloaded",
               actor=Actor("user"), at=backend.now(), request_id=artefact.request_id,
               downloads=artefact.downloads)
        return backend.settings.export_dir / artefact.filename
