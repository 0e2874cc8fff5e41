"""Delivery of one-time codes: the dev outbox (default in dev) or an SMS gateway over HTTP.

Adapters are called by ``services.sms`` after the code's transaction has committed, never inside
it; the dev outbox writes its own small transaction.

The gateway adapter POSTs ``{"phone", "message", "app"}`` as JSON with
``Authorization: Bearer $BACKEND_SMS_GATEWAY_KEY`` to ``$BACKEND_SMS_GATEWAY_URL`` and treats any
2xx as accepted. Real providers (Aliyun, Tencent Cloud SMS) sit behind such a small relay.
"""
from __future__ import annotations

import logging

import requests
from sqlalchemy import insert

from bot.backend.config import Settings
from bot.backend.errors import Unavailable
from bot.backend.models import DevOutboxMessage
from bot.backend.security import mask_phone

log = logging.getLogger(__name__)


def code_message(app_name: str, code: str) -> str:
    return f"【{app_name}】您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。"


_INSERT_OUTBOX = insert(DevOutboxMessage)


class OutboxSender:
    name = "outbox"

    def send(self, backend, *, app_id: str, challenge_id: str, phone: str,
             phone_hash: str, message: str, at) -> None:
        with backend.transaction() as session:
            session.execute(_INSERT_OUTBOX, {
                "app_id": app_id, "challenge_id": challenge_id, "phone_hash": phone_hash,
                "destination_masked": mask_phone(phone), "body": message, "created_at": at})
        log.debug("code for challenge %s written to the dev outbox", challenge_id)


class GatewaySender:
    name = "gateway"

    def __init__(self, url: str, key: str | None, timeout: tuple[float, float] = (2.0, 5.0)) -> None:
        self.url, self.key, self.timeout = url, key, timeout
        self.http = requests.Session()

    def send(self, backend, *, app_id: str, challenge_id: str, phone: str,
             phone_hash: str, message: str, at) -> None:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            response = self.http.post(self.url, json={"phone": phone, "message": message, "app": app_id},
                                      headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("SMS gateway unreachable for challenge %s: %s", challenge_id, type(exc).__name__)
            raise Unavailable("短信服务暂时不可用，请稍后再试 (SMS gateway unavailable)") from exc
        if not 200 <= response.status_code < 300:
            log.warning("SMS gateway refused challenge %s: HTTP %s", challenge_id, response.status_code)
            raise Unavailable("短信服务暂时不可用，请稍后再试 (SMS gateway error)")
        log.info("code for challenge %s handed to the SMS gateway", challenge_id)


def make_sender(settings: Settings):
    if settings.sms_adapter == "gateway":
        return GatewaySender(settings.sms_gateway_url, settings.sms_gateway_key)
    return OutboxSender()
