"""The reminder service's own settings, read from the CRM_REMINDER_* variables (docs/configuration.md)."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from servicekit.config import Settings


@dataclass(frozen=True)
class ReminderSettings:
    """Time zone, scheduler pace and the notification channels."""

    zone: ZoneInfo
    scheduler_interval: float = 5.0
    scheduler_batch: int = 500
    webhook_url: str | None = None
    webhook_secret: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "guanxi@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    sms_url: str | None = None
    sms_token: str | None = None
    send_timeout: float = 10.0
    max_attempts: int = 6
    retry_backoff: float = 30.0

    def configured(self, channel: str) -> bool:
        """True when `channel` has somewhere to send to."""
        return bool({"webhook": self.webhook_url, "email": self.smtp_host, "sms": self.sms_url}[channel])

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderSettings:
        """Read them from the process's settings (CRM_* variables are in `settings.extra`)."""
        env = settings.extra

        def get(name: str) -> str | None:
            return env.get(name) or None

        return cls(
            zone=ZoneInfo(get("CRM_REMINDER_TIMEZONE") or "Asia/Shanghai"),
            scheduler_interval=float(get("CRM_REMINDER_SCHEDULER_INTERVAL") or 5.0),
            scheduler_batch=int(get("CRM_REMINDER_SCHEDULER_BATCH") or 500),
            webhook_url=get("CRM_REMINDER_WEBHOOK_URL"), webhook_secret=get("CRM_REMINDER_WEBHOOK_SECRET"),
            smtp_host=get("CRM_REMINDER_SMTP_HOST"), smtp_port=int(get("CRM_REMINDER_SMTP_PORT") or 25),
            smtp_sender=get("CRM_REMINDER_SMTP_FROM") or "guanxi@localhost",
            smtp_user=get("CRM_REMINDER_SMTP_USER"), smtp_password=get("CRM_REMINDER_SMTP_PASSWORD"),
            smtp_starttls=(get("CRM_REMINDER_SMTP_STARTTLS") or "").lower() in ("1", "true"),
            sms_url=get("CRM_REMINDER_SMS_URL"), sms_token=get("CRM_REMINDER_SMS_TOKEN"),
            send_timeout=float(get("CRM_REMINDER_SEND_TIMEOUT") or 10.0),
            max_attempts=int(get("CRM_REMINDER_NOTIFY_MAX_ATTEMPTS") or 6),
            retry_backoff=float(get("CRM_REMINDER_NOTIFY_BACKOFF") or 30.0),
        )
