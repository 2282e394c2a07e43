"""Sending notifications: a signed webhook, SMTP email, and an HTTP SMS gateway.

The webhook body is signed like Stripe's (https://docs.stripe.com/webhooks#verify-manually): header
`X-Guanxi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the shared secret>`;
`X-Guanxi-Delivery` carries the notification id, the same on every retry, so a receiver can dedupe.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from reminder.config import ReminderSettings

SIGNATURE_HEADER = "X-Guanxi-Signature"
DELIVERY_HEADER = "X-Guanxi-Delivery"


class SendFailed(Exception):
    """The channel did not take the message; it will be tried again."""


@dataclass(frozen=True)
class Outgoing:
    """One notification to send."""

    id: str
    channel: str
    target: str | None
    subject: str
    body: str
    payload: dict[str, Any]  # what the webhook receives besides the text


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Guanxi-Signature` value of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance` seconds old (for receivers)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class WebhookSender:
    """POSTs the notification as signed JSON; any non-2xx answer or network error is a failure to retry."""

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, message: Outgoing) -> None:
        body = json.dumps({**message.payload, "notification_id": message.id, "text": message.body},
                          ensure_ascii=False, default=str).encode()
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: message.id}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, int(time.time()), body)
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook unreachable: {type(exc).__name__}: {exc}") from None
        if not response.is_success:
            raise SendFailed(f"webhook answered {response.status_code}")


class SmsGatewaySender:
    """POSTs `{to, text, reference}` to an HTTP SMS gateway (bearer token when configured)."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, message: Outgoing) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = httpx.post(self.url, json={"to": message.target, "text": message.body,
                                                  "reference": message.id}, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SendFailed(f"SMS gateway unreachable: {type(exc).__name__}: {exc}") from None
        if not response.is_success:
            raise SendFailed(f"SMS gateway answered {response.status_code}")


class SmtpSender:
    """Sends a plain-text email through an SMTP server (STARTTLS and login when configured)."""

    def __init__(self, settings: ReminderSettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> None:
        settings = self.settings
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = settings.smtp_sender, message.target, message.subject
        email["Message-ID"] = f"<{message.id}@guanxi>"
        email.set_content(message.body)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.send_timeout) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


def senders(settings: ReminderSettings) -> dict[str, Sender]:
    """A sender for each configured channel."""
    configured: dict[str, Sender] = {}
    if settings.webhook_url:
        configured["webhook"] = WebhookSender(settings.webhook_url, settings.webhook_secret, settings.send_timeout)
    if settings.sms_url:
        configured["sms"] = SmsGatewaySender(settings.sms_url, settings.sms_token, settings.send_timeout)
    if settings.smtp_host:
        configured["email"] = SmtpSender(settings)
    return configured
