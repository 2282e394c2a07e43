"""Sending notifications: a signed webhook, SMTP email, an HTTP SMS gateway, WeChat template messages, and
the local outbox (adapters.local_outbox: a file a person reads, when no channel is configured: `make run`).

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
from email.message import EmailMessage
from typing import Any

import httpx

from reminder.adapters.local_outbox import LocalOutboxSender
from reminder.adapters.outgoing import LOCAL, Outgoing, Sender, SendFailed
from reminder.config import ReminderSettings

SIGNATURE_HEADER = "X-Guanxi-Signature"
DELIVERY_HEADER = "X-Guanxi-Delivery"


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
        if settings.smtp_host is None:  # senders() makes this channel only when a host is configured
            raise LookupError("no SMTP host is configured")
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.send_timeout) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


class WeChatSender:
    """A WeChat official-account template message (模板消息): POST
    `<base>/cgi-bin/message/template/send?access_token=<token>` with `{touser, template_id, url?, data}`
    (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html).
    WeChat answers 200 with `{"errcode": 0}` when it took the message; any other errcode, status or network
    error is a failure to retry. The template id is the rule's (by id, else by kind, else `default`); its
    fields are `first` (the rule's title), `keyword1` (the customer), `keyword2` (the day), `remark` (the text)
    and `content` (the text again, for templates of one field)."""

    def __init__(self, base_url: str, token: str, templates: dict[str, str], link: str | None,
                 timeout: float) -> None:
        self.url = f"{base_url.rstrip('/')}/cgi-bin/message/template/send"
        self.token, self.templates, self.link, self.timeout = token, templates, link, timeout

    def template_id(self, message: Outgoing) -> str | None:
        reminder = message.payload.get("reminder") or {}
        for key in (reminder.get("rule"), reminder.get("rule_kind"), "default"):
            if key and self.templates.get(key):
                return self.templates[key]
        return None

    def send(self, message: Outgoing) -> None:
        template_id = self.template_id(message)
        if template_id is None:
            raise SendFailed("no WeChat template id is configured for this rule (CRM_REMINDER_WECHAT_TEMPLATES)")
        reminder = message.payload.get("reminder") or {}
        customer = message.payload.get("customer") or {}
        due = str(reminder.get("due_at") or "")[:10]
        body: dict[str, Any] = {"touser": message.target, "template_id": template_id, "data": {
            "first": {"value": message.subject}, "keyword1": {"value": customer.get("name") or ""},
            "keyword2": {"value": due}, "remark": {"value": message.body}, "content": {"value": message.body}}}
        if self.link:
            body["url"] = self.link
        try:
            response = httpx.post(self.url, params={"access_token": self.token}, timeout=self.timeout,
                                  content=json.dumps(body, ensure_ascii=False).encode(),
                                  headers={"Content-Type": "application/json; charset=utf-8"})
        except httpx.HTTPError as exc:
            raise SendFailed(f"WeChat unreachable: {type(exc).__name__}: {exc}") from None
        if not response.is_success:
            raise SendFailed(f"WeChat answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise SendFailed("WeChat answered something that is not JSON") from None
        if answer.get("errcode", 0) != 0:
            raise SendFailed(f"WeChat refused it: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip())


def senders(settings: ReminderSettings) -> dict[str, Sender]:
    """A sender for each configured channel, and the local outbox."""
    configured: dict[str, Sender] = {LOCAL: LocalOutboxSender(settings.outbox_file)}
    if settings.webhook_url:
        configured["webhook"] = WebhookSender(settings.webhook_url, settings.webhook_secret, settings.send_timeout)
    if settings.sms_url:
        configured["sms"] = SmsGatewaySender(settings.sms_url, settings.sms_token, settings.send_timeout)
    if settings.smtp_host:
        configured["email"] = SmtpSender(settings)
    if settings.wechat_token:
        configured["wechat"] = WeChatSender(settings.wechat_url, settings.wechat_token, settings.wechat_templates,
                                            settings.wechat_link, settings.send_timeout)
    return configured
