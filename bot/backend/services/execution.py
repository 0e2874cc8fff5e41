"""Carrying out requests on the user's data: unsubscribe, category deletion, account erasure.

Account erasure deletes every personal row of the user and anonymizes what must stay: the user row
becomes a tombstone (internal id and status only) that the request history points at, and orders
and invoices are kept for 3 years from the transaction (E-Commerce Law art. 31) without name,
phone, address, invoice title or email, detached from the user.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.backend.models import (
    Address, BrowsingHistory, ChannelPreference, DevOutboxMessage, ExportArtefact, HandoffTicket,
    IdentityBinding, IncidentReport, Invoice, Order, PrivacyRequest, Review, SearchHistory, SmsMessage,
    User, VerificationChallenge,
)
from bot.backend.services import conversations, exports, handoff_events
from bot.backend.services.audit import record
from bot.backend.services.context import WORKER, Actor, Backend
from bot.backend.services.identity import phone_hash

log = logging.getLogger(__name__)

TRANSACTION_RETENTION_YEARS = 3
ERASED_TEXT = "[已删除：用户已注销账号]"


def retention_end(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + TRANSACTION_RETENTION_YEARS)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + TRANSACTION_RETENTION_YEARS, day=28)


def apply_unsubscribe(session: Session, user: User, channels: list[str], now: datetime) -> None:
    for channel in channels:
        preference = session.get(ChannelPreference, (user.id, channel))
        if preference is None:
            session.add(ChannelPreference(user_id=user.id, channel=channel, subscribed=False,
                                          updated_at=now))
        else:
            preference.subscribed, preference.updated_at = False, now


def _deidentify_orders(session: Session, user_id: str, now: datetime) -> int:
    orders = session.execute(select(Order).where(Order.user_id == user_id)).scalars().all()
    for order in orders:
        order.retain_until = retention_end(order.placed_at)
        if order.retain_until <= now:
            session.delete(order)
            continue
        order.user_id = None
        order.recipient_name = order.recipient_phone = order.shipping_address = None
        order.deidentified_at = now
    return len(orders)


def _deidentify_invoices(session: Session, user_id: str, now: datetime) -> int:
    invoices = session.execute(select(Invoice).where(Invoice.user_id == user_id)).scalars().all()
    for invoice in invoices:
        invoice.retain_until = retention_end(invoice.issued_at)
        if invoice.retain_until <= now:
            session.delete(invoice)
            continue
        invoice.user_id = None
        invoice.title = invoice.tax_id = invoice.email = None
        invoice.deidentified_at = now
    return len(invoices)


_DELETABLE_TABLES = {
    "browsing_history": BrowsingHistory,
    "search_history": SearchHistory,
    "address": Address,
    "review": Review,
}


def delete_categories(session: Session, user: User, categories: list[str], now: datetime) -> dict:
    """Delete (or, for transaction records, de-identify and detach) the given categories."""
    counts = {}
    for category in categories:
        if category in _DELETABLE_TABLES:
            model = _DELETABLE_TABLES[category]
            counts[category] = session.execute(
                delete(model).where(model.user_id == user.id)
                .execution_options(synchronize_session=False)).rowcount
        elif category == "order":
            counts[category] = _deidentify_orders(session, user.id, now)
        elif category == "invoice":
            counts[category] = _deidentify_invoices(session, user.id, now)
    return counts


def purge_export_files(backend: Backend, session: Session, request_ids: list[str], now,
                       actor: Actor = WORKER) -> int:
    artefacts = session.execute(select(ExportArtefact).where(
        ExportArtefact.request_id.in_(request_ids), ExportArtefact.purged_at.is_(None))).scalars().all()
    for artefact in artefacts:
        (backend.settings.export_dir / artefact.filename).unlink(missing_ok=True)
        artefact.purged_at = now
        record(session, entity_type="export", entity_id=artefact.id, action="export.purged",
               actor=actor, at=now, request_id=artefact.request_id)
    return len(artefacts)


def erase_account(backend: Backend, session: Session, user: User, now: datetime) -> dict:
    """Erase the person; returns counts for the audit trail (numbers only)."""
    counts = delete_categories(session, user, list(_DELETABLE_TABLES) + ["order", "invoice"], now)
    for model in (ChannelPreference, IdentityBinding):
        counts[model.__tablename__] = session.execute(
            delete(model).where(model.user_id == user.id)
            .execution_options(synchronize_session=False)).rowcount
    hashed = phone_hash(backend, user.app_id, user.phone) if user.phone else None
    challenge_filter = VerificationChallenge.user_id == user.id
    if hashed:
        challenge_filter = or_(challenge_filter, VerificationChallenge.phone_hash == hashed)
        counts["dev_outbox"] = session.execute(
            delete(DevOutboxMessage).where(DevOutboxMessage.phone_hash == hashed)
            .execution_options(synchronize_session=False)).rowcount
        counts["sms_messages"] = session.execute(
            delete(SmsMessage).where(SmsMessage.phone_hash == hashed)
            .execution_options(synchronize_session=False)).rowcount
    counts["verification_challenges"] = session.execute(
        delete(VerificationChallenge).where(challenge_filter)
        .execution_options(synchronize_session=False)).rowcount
    request_ids = list(session.execute(select(PrivacyRequest.id).where(
        PrivacyRequest.user_id == user.id)).scalars().all())
    counts["export_files"] = purge_export_files(backend, session, request_ids, now)
    counts["unrecorded_export_files"] = exports.remove_files_of_requests(backend, request_ids)
    counts["verified_conversations"] = conversations.forget_user(session, user.id)
    counts["handoff_events"] = handoff_events.forget_tickets(session, list(session.execute(
        select(HandoffTicket.id).where(HandoffTicket.user_id == user.id)).scalars()))
    for model, text_field in ((HandoffTicket, "summary"), (IncidentReport, "description")):
        for row in session.execute(select(model).where(model.user_id == user.id)).scalars():
            setattr(row, text_field, ERASED_TEXT)
            row.conversation_id, row.user_id = "erased", None
    for column in ("nickname", "real_name", "id_number", "phone", "email", "gender", "birthday",
                   "registered_at"):
        setattr(user, column, None)
    user.status, user.deleted_at = "deleted", now
    log.info("user %s erased", user.id)
    return counts
