"""SQLAlchemy models (1.4, written in the 2.0 style). Schema changes need an Alembic migration.

Personal data lives only in the user-data tables (users, identity_bindings, addresses, orders,
invoices, browsing/search history, reviews, channel_preferences) and in what users tell agents
(handoff tickets, incident reports). Requests, audit events and webhook payloads refer to people
by internal ids only, so erasing the user-data rows erases the person.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint, false as sa_false, true as sa_true, types,
)
from sqlalchemy.orm import declarative_base

from bot.contract import CLOSED_STATUSES, OPEN_STATUSES, RequestStatus  # noqa: F401 (re-exported)

Base = declarative_base()

STATUSES = RequestStatus.values()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(types.TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class App(Base):
    __tablename__ = "apps"
    id = Column(String(32), primary_key=True)
    name = Column(String(100), nullable=False)
    deadline_days = Column(Integer, nullable=False)
    deadline_working_days = Column(Boolean, nullable=False)
    deadline_is_default = Column(Boolean, nullable=False)
    cooling_off_days = Column(Integer, nullable=True)
    # the policy's own deadline per request type, where it publishes one:
    # {"data_export": {"days": 10, "working_days": true}, ...}; other types use deadline_days
    deadlines_by_type = Column(JSON, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("app_id", "phone", name="uq_users_app_phone"),)
    id = Column(String(40), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="active")  # active | deleted
    nickname = Column(String(100))
    real_name = Column(String(50))
    id_number = Column(String(18))
    phone = Column(String(20))
    email = Column(String(200))
    gender = Column(String(10))
    birthday = Column(Date)
    registered_at = Column(UTCDateTime)
    deleted_at = Column(UTCDateTime)
    # made-up users seeded for development (seed-demo); only these get dev tokens
    is_demo = Column(Boolean, nullable=False, default=False, server_default=sa_false())


class IdentityBinding(Base):
    __tablename__ = "identity_bindings"
    __table_args__ = (UniqueConstraint("app_id", "kind", "value", name="uq_binding"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # app_user_id | wechat_openid
    value = Column(String(128), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    recipient = Column(String(50), nullable=False)
    phone = Column(String(20), nullable=False)
    province = Column(String(20), nullable=False)
    city = Column(String(20), nullable=False)
    district = Column(String(20), nullable=False)
    detail = Column(String(200), nullable=False)
    is_default = Column(Boolean, nullable=False, default=False)


class Order(Base):
    """A transaction record: kept de-identified for 3 years after an account is erased."""

    __tablename__ = "orders"
    id = Column(Integer, primary_key=True, autoincrement=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    order_no = Column(String(32), nullable=False, unique=True)
    placed_at = Column(UTCDateTime, nullable=False)
    status = Column(String(20), nullable=False)
    total_cents = Column(BigInteger, nullable=False)
    items = Column(JSON, nullable=False)
    recipient_name = Column(String(50))
    recipient_phone = Column(String(20))
    shipping_address = Column(String(300))
    deidentified_at = Column(UTCDateTime)
    retain_until = Column(UTCDateTime)


class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True, autoincrement=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    order_no = Column(String(32), nullable=False)
    invoice_no = Column(String(32), nullable=False)
    title = Column(String(100))
    tax_id = Column(String(30))
    email = Column(String(200))
    amount_cents = Column(BigInteger, nullable=False)
    issued_at = Column(UTCDateTime, nullable=False)
    deidentified_at = Column(UTCDateTime)
    retain_until = Column(UTCDateTime)


class BrowsingHistory(Base):
    __tablename__ = "browsing_history"
    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    item_title = Column(String(200), nullable=False)
    viewed_at = Column(UTCDateTime, nullable=False)


class SearchHistory(Base):
    __tablename__ = "search_history"
    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    query = Column(String(200), nullable=False)
    searched_at = Column(UTCDateTime, nullable=False)


class Review(Base):
    __tablename__ = "reviews"
    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    order_no = Column(String(32))
    rating = Column(Integer, nullable=False)
    content = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class ChannelPreference(Base):
    __tablename__ = "channel_preferences"
    user_id = Column(String(40), ForeignKey("users.id"), primary_key=True)
    channel = Column(String(20), primary_key=True)
    subscribed = Column(Boolean, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class PrivacyRequest(Base):
    __tablename__ = "privacy_requests"
    __table_args__ = (
        UniqueConstraint("app_id", "idempotency_key", name="uq_requests_idempotency"),
        # Set while the request is open, NULL once closed: one open request per subject and scope.
        UniqueConstraint("open_key", name="uq_requests_open_key"),
        Index("ix_requests_status_due", "status", "due_date"),
    )
    id = Column(String(16), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False, index=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    type = Column(String(20), nullable=False)
    status = Column(String(20), nullable=False)
    categories = Column(JSON, nullable=False, default=list)
    channels = Column(JSON, nullable=False, default=list)
    idempotency_key = Column(String(100), nullable=False)
    fingerprint = Column(String(64), nullable=False)
    open_key = Column(String(200), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    verified_at = Column(UTCDateTime)
    due_date = Column(Date)
    deadline_days = Column(Integer, nullable=False)
    deadline_working_days = Column(Boolean, nullable=False)
    deadline_is_default = Column(Boolean, nullable=False)
    execute_after = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    rejection_reason = Column(Text)
    status_note = Column(Text)
    # names data the backend cannot delete itself: the app's operators carry it out
    needs_operator = Column(Boolean, nullable=False, default=False, server_default=sa_false())
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class VerificationChallenge(Base):
    __tablename__ = "verification_challenges"
    id = Column(String(32), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    request_id = Column(String(16), ForeignKey("privacy_requests.id"), nullable=True, index=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    phone_hash = Column(String(64), nullable=False, index=True)
    # the phone across apps: codes sent and wrong guesses are limited per phone, not per app
    phone_key = Column(String(64), nullable=True, index=True)
    phone_encrypted = Column(Text)  # needed to resend; wiped when the challenge ends
    destination_masked = Column(String(20))
    code_hash = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default="active")  # active|verified|locked
    attempts = Column(Integer, nullable=False, default=0)
    max_attempts = Column(Integer, nullable=False, default=5)
    sends = Column(Integer, nullable=False, default=1)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_sent_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    verified_at = Column(UTCDateTime)


class ConversationIdentity(Base):
    """A conversation whose user proved who they are with a one-time code.

    Kept here, on the server, never in the conversation's own state: a channel authenticates the
    conversation (a server-issued secret, WeChat's signature), the action server vouches for it
    with the service token, and this row says which user its one-time code proved, until when.
    """

    __tablename__ = "conversation_identities"
    app_id = Column(String(32), ForeignKey("apps.id"), primary_key=True)
    conversation_id = Column(String(100), primary_key=True)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=False, index=True)
    challenge_id = Column(String(32), nullable=False)
    verified_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class DevOutboxMessage(Base):
    """Codes 'sent' in dev: a stand-in SMS inbox, readable through the admin API."""

    __tablename__ = "dev_outbox"
    id = Column(Integer, primary_key=True, autoincrement=True)
    app_id = Column(String(32), nullable=False)
    challenge_id = Column(String(32), index=True)
    phone_hash = Column(String(64), nullable=False, index=True)
    destination_masked = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AuditEvent(Base):
    """Append-only: no code path updates or deletes rows; a DB trigger refuses it as well."""

    __tablename__ = "audit_events"
    id = Column(Integer, primary_key=True, autoincrement=True)
    occurred_at = Column(UTCDateTime, nullable=False, default=utcnow)
    entity_type = Column(String(30), nullable=False)
    entity_id = Column(String(40), nullable=False, index=True)
    action = Column(String(40), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20))
    actor_type = Column(String(10), nullable=False)  # service | admin | worker | user
    actor_id = Column(String(60))
    details = Column(JSON, nullable=False, default=dict)


class ExportArtefact(Base):
    __tablename__ = "export_artefacts"
    id = Column(String(32), primary_key=True)
    request_id = Column(String(16), ForeignKey("privacy_requests.id"), nullable=False, index=True)
    filename = Column(String(100), nullable=False)
    sha256 = Column(String(64), nullable=False)
    size_bytes = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    purged_at = Column(UTCDateTime)
    downloads = Column(Integer, nullable=False, default=0)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhooks_due", "status", "next_attempt_at"),)
    id = Column(String(32), primary_key=True)
    event = Column(String(60), nullable=False)
    request_id = Column(String(16), ForeignKey("privacy_requests.id"), nullable=True, index=True)
    url = Column(String(500), nullable=False)
    payload = Column(JSON, nullable=False)
    status = Column(String(12), nullable=False, default="pending")  # pending|delivered|failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = Column(String(300))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime)


class HandoffTicket(Base):
    """A conversation handed to a human agent: open (waiting in the queue) → claimed (an agent has
    it) → closed (handed back to the assistant). ``channel`` is where the user is (``app_chat`` or
    ``wechat``), read from the conversation id when the ticket is filed."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (Index("ix_handoff_tickets_status_created", "status", "created_at"),)
    id = Column(String(16), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False, index=True)
    conversation_id = Column(String(100), nullable=False, index=True)
    reason = Column(String(20), nullable=False)
    summary = Column(Text, nullable=False)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    status = Column(String(12), nullable=False, default="open")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    channel = Column(String(16), nullable=False, default="app_chat", server_default="app_chat")
    assigned_agent_id = Column(String(16), ForeignKey("agents.id"), nullable=True, index=True)
    claimed_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)


class IncidentReport(Base):
    __tablename__ = "incident_reports"
    id = Column(String(16), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False, index=True)
    conversation_id = Column(String(100), nullable=False)
    kind = Column(String(30), nullable=False)
    description = Column(Text, nullable=False)
    user_id = Column(String(40), ForeignKey("users.id"), nullable=True, index=True)
    status = Column(String(12), nullable=False, default="open")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


# --- the agent workspace -------------------------------------------------------------------------

class Agent(Base):
    """A human customer-service agent, or a supervisor, who works in the agent workspace.

    An agent serves the apps listed in ``agent_apps``; a supervisor with ``all_apps`` serves every
    app (one without it, only its listed apps). Only a hash of the password is kept (argon2id)."""

    __tablename__ = "agents"
    id = Column(String(16), primary_key=True)
    login = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(50), nullable=False)
    role = Column(String(12), nullable=False)  # agent | supervisor
    all_apps = Column(Boolean, nullable=False, default=False, server_default=sa_false())
    password_hash = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=sa_true())
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AgentApp(Base):
    __tablename__ = "agent_apps"
    agent_id = Column(String(16), ForeignKey("agents.id"), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), primary_key=True)


class AgentSession(Base):
    """A logged-in agent. The browser holds a random id in an HttpOnly cookie; only its SHA-256 is
    stored, so a copy of this table opens no session. ``csrf_token`` is what the page must echo
    in a header on every change."""

    __tablename__ = "agent_sessions"
    id_hash = Column(String(64), primary_key=True)
    agent_id = Column(String(16), ForeignKey("agents.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    ended_at = Column(UTCDateTime)


class AgentLoginAttempt(Base):
    """Login attempts by login name (a keyed hash of it, also for names no agent has): failed
    ones are limited per login, across workspace processes."""

    __tablename__ = "agent_login_attempts"
    __table_args__ = (Index("ix_agent_login_attempts_key_at", "login_key", "attempted_at"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    login_key = Column(String(64), nullable=False)
    succeeded = Column(Boolean, nullable=False)
    attempted_at = Column(UTCDateTime, nullable=False)


class HandoffEvent(Base):
    """What happens in a handed-over conversation, in order: the ticket filed, the user's messages
    (masked), the agent's, claims, reassignments, actions run, the hand-back.

    ``id`` is the cursor the live streams (agent console, chat page) resume from, so writers take
    turns (``services.handoff_events``): an id is never committed after a higher one."""

    __tablename__ = "handoff_events"
    __table_args__ = (Index("ix_handoff_events_conversation", "conversation_id", "id"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(String(16), ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    conversation_id = Column(String(100), nullable=False)
    kind = Column(String(20), nullable=False)
    agent_id = Column(String(16), ForeignKey("agents.id"), nullable=True)
    text = Column(Text)
    details = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AssistFeedback(Base):
    """How an agent answered a user message: a suggestion sent as is, edited, or their own words —
    per intent, the suggestion-acceptance rate agent-assist products are judged by."""

    __tablename__ = "assist_feedback"
    __table_args__ = (Index("ix_assist_feedback_app_intent", "app_id", "intent"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    event_id = Column(Integer, ForeignKey("handoff_events.id"), nullable=False, unique=True)
    ticket_id = Column(String(16), ForeignKey("handoff_tickets.id"), nullable=False)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    agent_id = Column(String(16), ForeignKey("agents.id"), nullable=False)
    intent = Column(String(60))             # the intent the assist panel showed for the message
    suggestion_intent = Column(String(60))  # the suggestion the agent started from, if any
    usage = Column(String(10), nullable=False)  # as_is | edited | own
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SmsMessage(Base):
    """A one-time code on its way: written in the transaction that created the code, sent after
    it commits (``services.sms``), retried by the worker; phone and text are encrypted and wiped
    once sent."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_due", "status", "next_attempt_at"),)
    id = Column(String(32), primary_key=True)
    app_id = Column(String(32), ForeignKey("apps.id"), nullable=False)
    challenge_id = Column(String(32), nullable=False, index=True)
    phone_hash = Column(String(64), nullable=False)
    destination_masked = Column(String(20), nullable=False)
    phone_encrypted = Column(Text)
    body_encrypted = Column(Text)
    status = Column(String(10), nullable=False, default="pending")  # pending | sent | failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)  # the code's: sending later is pointless
    last_error = Column(String(200))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime)
