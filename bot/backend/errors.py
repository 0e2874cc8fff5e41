"""Errors the service layer raises; the API maps each to its HTTP status and a JSON body.

``message`` is shown to operators and may be relayed to users, so it is in Chinese with an English
gloss; ``code`` is stable and is what clients branch on.
"""
from __future__ import annotations

from typing import Any


class BackendError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


def _error(name: str, status: int, code: str) -> type[BackendError]:
    return type(name, (BackendError,), {"status": status, "code": code})


ValidationFailed = _error("ValidationFailed", 422, "validation_error")
MalformedRequest = _error("MalformedRequest", 400, "malformed_request")
Unauthorized = _error("Unauthorized", 401, "unauthorized")
InvalidSubjectToken = _error("InvalidSubjectToken", 401, "invalid_subject_token")
UnknownApp = _error("UnknownApp", 422, "unknown_app")
NotFound = _error("NotFound", 404, "not_found")
Conflict = _error("Conflict", 409, "conflict")
InvalidTransition = _error("InvalidTransition", 409, "invalid_transition")
IdempotencyKeyReused = _error("IdempotencyKeyReused", 409, "idempotency_key_reused")
CodeExpired = _error("CodeExpired", 410, "code_expired")
ChallengeLocked = _error("ChallengeLocked", 423, "challenge_locked")
ChallengeUsed = _error("ChallengeUsed", 409, "challenge_used")
PhoneNotRegistered = _error("PhoneNotRegistered", 422, "phone_not_registered")
RateLimited = _error("RateLimited", 429, "rate_limited")
LinkExpired = _error("LinkExpired", 410, "link_expired")
Forbidden = _error("Forbidden", 403, "forbidden")
Unavailable = _error("Unavailable", 503, "unavailable")


class InvalidCode(BackendError):
    status = 422
    code = "invalid_code"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"验证码错误，还可尝试 {attempts_left} 次 (wrong code)", attempts_left=attempts_left)
        self.attempts_left = attempts_left
