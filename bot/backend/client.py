"""Python client for the privacy-request backend: the only way the bot talks to it.

Every bot-facing endpoint has a typed method. Errors come back as exceptions named for what the
bot must say (wrong code with attempts left, expired, locked, not found, ...). Reads and filing
(which carries an idempotency key) are retried with backoff on connection errors, timeouts and
5xx; calls that would do something twice (sending a code, checking one, cancelling) are not.
Every call, retries included, ends within ``budget`` seconds: a user waits for an answer, and a
late "not filed" would be wrong if a retry has filed it meanwhile.

    client = BackendClient.from_env()
    me = Subject(user_token=jwt, conversation_id=tracker.sender_id)
    challenge = client.start_verification("melochi", subject=me)   # a code to the bound phone
    client.check_code(challenge.challenge_id, "123456", subject=me)  # this conversation is proven
    filed = client.file_request("melochi", "data_export", subject=me, idempotency_key=slot_uuid,
                                require_verified=True)
"""
from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

DEFAULT_URL = "http://127.0.0.1:8000"


# --- exceptions ----------------------------------------------------------------------------------

class BackendClientError(Exception):
    """Base class: ``status`` (HTTP, 0 if none), ``code`` (stable), ``message`` (Chinese + gloss)."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", details: dict | None = None):
        super().__init__(message)
        self.message, self.status, self.code, self.details = message, status, code, details or {}


class Unavailable(BackendClientError):
    """The backend could not be reached or failed (after retries where allowed). For a call that
    changes something, it may have happened anyway: ``maybe_done`` says the backend may have seen
    the call (a timeout or a 5xx, rather than a refused connection)."""

    @property
    def maybe_done(self) -> bool:
        return bool(self.details.get("maybe_done"))


class Unauthorized(BackendClientError):
    """The service token is missing or wrong (a deployment problem, not the user's)."""


class InvalidSubject(BackendClientError):
    """The user/identity token is invalid or expired, or the openid is not bound: re-verify."""


class NotFound(BackendClientError):
    """No such request or challenge — also the answer for another user's request."""


class ValidationError(BackendClientError):
    """Bad input: unknown app/type/category/channel, malformed phone or id. ``details['field']``."""


class UnknownApp(ValidationError):
    """The app id is not one the backend knows."""


class PhoneNotRegistered(ValidationError):
    """The code was right, but the phone has no account with this app."""


class InvalidCode(BackendClientError):
    """Wrong code; ``attempts_left`` more tries on this challenge."""

    @property
    def attempts_left(self) -> int:
        return int(self.details.get("attempts_left", 0))


class CodeExpired(BackendClientError):
    """The code is older than 5 minutes: resend (``details['resends_left']``)."""


class ChallengeLocked(BackendClientError):
    """Five wrong codes: this challenge is dead (its request, if any, was rejected)."""


class Conflict(BackendClientError):
    """Idempotency key reused with another body, code already used, or a transition not allowed
    (e.g. cancelling a request already being processed)."""


class ChallengeUsed(Conflict):
    """The code was already accepted — e.g. a retried turn after a server died mid-way."""


class RateLimited(BackendClientError):
    """Too many codes or resends; ``details.get('retry_after_seconds')``."""


_BY_CODE = {
    "unauthorized": Unauthorized, "invalid_subject_token": InvalidSubject, "not_found": NotFound,
    "validation_error": ValidationError, "malformed_request": ValidationError,
    "payload_too_large": ValidationError, "unknown_app": UnknownApp,
    "phone_not_registered": PhoneNotRegistered, "invalid_code": InvalidCode, "code_expired": CodeExpired,
    "challenge_locked": ChallengeLocked, "challenge_used": ChallengeUsed, "conflict": Conflict,
    "invalid_transition": Conflict, "idempotency_key_reused": Conflict, "rate_limited": RateLimited,
    "unavailable": Unavailable,
}


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    """Who the call is for: one of these (anonymous users have none until verified)."""

    user_token: str | None = None       # host-app JWT from the channel metadata
    identity_token: str | None = None   # from check_code without a conversation, valid 15 minutes
    wechat_openid: str | None = None    # from the WeChat channel (proven by WeChat's signature)
    conversation_id: str | None = None  # the channel-authenticated conversation (Rasa sender id)

    def headers(self) -> dict[str, str]:
        pairs = (("X-User-Token", self.user_token), ("X-Identity-Token", self.identity_token),
                 ("X-Wechat-Openid", self.wechat_openid), ("X-Conversation-Id", self.conversation_id))
        return {name: value for name, value in pairs if value}


@dataclass(frozen=True)
class Challenge:
    """A code sent; or, with ``already_verified``, no code needed: the conversation proved that
    phone already (then only ``destination`` is set)."""

    challenge_id: str | None
    destination: str | None
    expires_at: str | None = None
    attempts_left: int | None = None
    resends_left: int | None = None
    resend_available_at: str | None = None
    status: str | None = None
    already_verified: bool = False

    @classmethod
    def from_json(cls, data: dict) -> "Challenge":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data or k == "challenge_id"})


@dataclass(frozen=True)
class PrivacyRequest:
    id: str
    app: str
    type: str
    status: str
    status_label: str
    categories: list[str]
    channels: list[str]
    created_at: str
    due_date: str | None
    deadline: dict
    cooling_off_ends_at: str | None
    rejection_reason: str | None
    cancellable: bool
    overdue: bool
    verification: Challenge | None = None
    export: dict | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> "PrivacyRequest":
        values = {k: data.get(k) for k in cls.__dataclass_fields__ if k not in ("verification", "raw")}
        verification = data.get("verification")
        return cls(**values, verification=Challenge.from_json(verification) if verification else None,
                   raw=data)


@dataclass(frozen=True)
class FiledRequest:
    request: PrivacyRequest
    created: bool  # False: an existing request was returned (same key, or same open request)


@dataclass(frozen=True)
class Verification:
    expires_in: int
    destination: str | None
    request: PrivacyRequest | None
    identity_token: str | None = None  # only when no conversation was named


# --- client --------------------------------------------------------------------------------------

class BackendClient:
    def __init__(self, base_url: str = DEFAULT_URL, service_token: str = "", *,
                 connect_timeout: float = 2.0, read_timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.2, budget: float = 8.0,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.retries, self.backoff, self.budget = retries, backoff, budget
        self.http = session or requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {service_token}",
                                  "Accept": "application/json"})

    @classmethod
    def from_env(cls, **kwargs) -> "BackendClient":
        """``BACKEND_URL`` and ``BACKEND_SERVICE_TOKEN``; in dev the token may come from var/."""
        token = os.environ.get("BACKEND_SERVICE_TOKEN")
        if not token:
            from bot.backend.config import load_settings

            token = load_settings().service_token
        return cls(os.environ.get("BACKEND_URL", DEFAULT_URL), token, **kwargs)

    # transport

    def _call(self, method: str, path: str, *, retry: bool, json: Any = None,
              params: dict | None = None, headers: dict | None = None) -> tuple[int, Any]:
        attempts = self.retries + 1 if retry else 1
        deadline = time.monotonic() + self.budget
        last_error: BackendClientError | None = None
        maybe_done = False
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (1 + random.random()))
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                break
            timeout = (min(self.connect_timeout, remaining), min(self.read_timeout, remaining))
            try:
                response = self.http.request(method, self.base_url + path, json=json, params=params,
                                             headers=headers, timeout=timeout)
            except requests.RequestException as exc:
                # a connection that was refused never reached the backend; a timeout may have
                refused = isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout)
                maybe_done = maybe_done or not refused
                last_error = Unavailable(f"隐私服务暂时无法连接 (backend unreachable: {type(exc).__name__})",
                                         details={"maybe_done": maybe_done})
                continue
            if response.status_code >= 500:
                maybe_done = True
                last_error = self._error(response)
                last_error.details["maybe_done"] = True
                continue
            if response.status_code >= 400:
                raise self._error(response)
            return response.status_code, response.json()
        raise last_error or Unavailable("隐私服务响应超时 (backend call budget exhausted)",
                                        details={"maybe_done": maybe_done})

    @staticmethod
    def _error(response: requests.Response) -> BackendClientError:
        try:
            body = response.json()["error"]
            code, message, details = body["code"], body["message"], body.get("details", {})
        except (ValueError, KeyError, TypeError):
            code, message, details = "", f"HTTP {response.status_code}", {}
        cls = _BY_CODE.get(code)
        if cls is None:
            cls = Unavailable if response.status_code >= 500 else BackendClientError
        return cls(message, status=response.status_code, code=code, details=details)

    # endpoints

    def health(self) -> dict:
        return self._call("GET", "/health", retry=True)[1]

    def start_verification(self, app: str, *, phone: str | None = None,
                           subject: Subject | None = None) -> Challenge:
        """Send a code: to the subject's bound phone, or to ``phone`` (anonymous)."""
        body = {"app": app, **({"phone": phone} if phone else {})}
        _, data = self._call("POST", "/v1/verifications", retry=False, json=body,
                             headers=(subject or Subject()).headers())
        return Challenge.from_json(data)

    def check_code(self, challenge_id: str, code: str, subject: Subject | None = None) -> Verification:
        """Check a code; with ``subject.conversation_id`` the conversation is proven (server side)."""
        _, data = self._call("POST", f"/v1/verifications/{challenge_id}/check", retry=False,
                             json={"code": code}, headers=(subject or Subject()).headers())
        request = data.get("request")
        return Verification(identity_token=data.get("identity_token"), expires_in=data["expires_in"],
                            destination=data.get("destination"),
                            request=PrivacyRequest.from_json(request) if request else None)

    def resend_code(self, challenge_id: str) -> Challenge:
        _, data = self._call("POST", f"/v1/verifications/{challenge_id}/resend", retry=False, json={})
        return Challenge.from_json(data)

    def file_request(self, app: str, type: str, *, subject: Subject | None = None,
                     phone: str | None = None, categories: list[str] | None = None,
                     channels: list[str] | None = None, idempotency_key: str | None = None,
                     require_verified: bool = False) -> FiledRequest:
        """File a request. Pass a key kept with the conversation (e.g. a uuid in a slot) so that
        a retried action finds the same request; a fresh uuid is used otherwise.
        ``require_verified``: raise InvalidSubject (nothing filed) unless a code proved the subject."""
        body: dict[str, Any] = {"app": app, "type": type}
        if require_verified:
            body["require_verified"] = True
        if categories is not None:
            body["categories"] = categories
        if channels is not None:
            body["channels"] = channels
        if phone:
            body["phone"] = phone
        headers = {**(subject or Subject()).headers(),
                   "Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        status, data = self._call("POST", "/v1/requests", retry=True, json=body, headers=headers)
        return FiledRequest(PrivacyRequest.from_json(data), created=status == 201)

    def get_request(self, app: str, request_id: str, subject: Subject) -> PrivacyRequest:
        _, data = self._call("GET", f"/v1/requests/{requests.utils.quote(request_id, safe='')}",
                             retry=True, params={"app": app}, headers=subject.headers())
        return PrivacyRequest.from_json(data)

    def list_requests(self, app: str, subject: Subject) -> list[PrivacyRequest]:
        _, data = self._call("GET", "/v1/requests", retry=True, params={"app": app},
                             headers=subject.headers())
        return [PrivacyRequest.from_json(item) for item in data["items"]]

    def cancel_request(self, app: str, request_id: str, subject: Subject,
                       reason: str | None = None) -> PrivacyRequest:
        body = {"app": app, **({"reason": reason} if reason else {})}
        _, data = self._call("POST", f"/v1/requests/{requests.utils.quote(request_id, safe='')}/cancel",
                             retry=False, json=body, headers=subject.headers())
        return PrivacyRequest.from_json(data)

    def create_handoff(self, app: str, conversation_id: str, reason: str, summary: str,
                       subject: Subject | None = None) -> dict:
        """``reason``: user_request | misunderstanding | incident."""
        _, data = self._call("POST", "/v1/handoffs", retry=False, headers=(subject or Subject()).headers(),
                             json={"app": app, "conversation_id": conversation_id, "reason": reason,
                                   "summary": summary})
        return data

    def record_handoff_message(self, app: str, conversation_id: str, text: str) -> dict:
        """A user's message while a human agent has the conversation (logged masked for the agent);
        answers where the user stands: ``status`` (open | claimed), ``position`` in the queue,
        ``recent_median_wait_seconds``, ``agent_name``. NotFound: no active handoff. Not retried
        (a retry could log the message twice)."""
        _, data = self._call("POST", "/v1/handoffs/messages", retry=False,
                             json={"app": app, "conversation_id": conversation_id, "text": text})
        return data

    def demo_users(self, app: str, admin_token: str) -> list[dict]:
        """Dev only (404 in production), admin token: demo users of ``app`` with host-app tokens."""
        return self._call("GET", "/v1/dev/demo-users", retry=True, params={"app": app},
                          headers={"Authorization": f"Bearer {admin_token}"})[1]["users"]

    def report_incident(self, app: str, conversation_id: str, kind: str, description: str,
                        subject: Subject | None = None) -> dict:
        """``kind``: data_leak | account_takeover | scam_contact | other."""
        _, data = self._call("POST", "/v1/incidents", retry=False, headers=(subject or Subject()).headers(),
                             json={"app": app, "conversation_id": conversation_id, "kind": kind,
                                   "description": description})
        return data
