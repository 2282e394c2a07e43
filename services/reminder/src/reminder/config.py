"""The reminder service's own settings, read from the CRM_REMINDER_* variables (docs/configuration.md)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.config import Settings, Variable, business_time_zone, read_variables


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
    wechat_url: str = "https://api.weixin.qq.com"
    wechat_token: str | None = None
    wechat_templates: dict[str, str] = field(default_factory=dict)  # rule id or kind (or "default") → template id
    wechat_link: str | None = None
    local_outbox: str = "auto"  # auto, true, false
    outbox_file: Path = Path("var/reminder/outbox.jsonl")
    language: str = "zh-CN"
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)  # store id → {name, phone}

    def configured(self, channel: str) -> bool:
        """True when `channel` has somewhere to send to."""
        return bool({"webhook": self.webhook_url, "email": self.smtp_host, "sms": self.sms_url,
                     "wechat": self.wechat_token}.get(channel))

    def any_channel(self) -> bool:
        """True when some channel (webhook, SMS, e-mail, WeChat) is configured."""
        return any(self.configured(channel) for channel in ("webhook", "email", "sms", "wechat"))

    def outbox_on(self) -> bool:
        """True when messages with no configured channel go to the local outbox: `true`, or `auto` with no
        channel configured at all (the embedded default of `make run`)."""
        return self.local_outbox == "true" or (self.local_outbox == "auto" and not self.any_channel())

    def local(self, channel: str) -> bool:
        """True when a `channel` message is written to the local outbox instead of being sent."""
        return not self.configured(channel) and self.outbox_on()

    def where_messages_go(self) -> str:
        """Where messages to customers and staff go, in words (the `make run` banner says it)."""
        names = {"sms": "SMS", "email": "e-mail", "wechat": "WeChat", "webhook": "webhook"}
        configured = [name for channel, name in names.items() if self.configured(channel)]
        if configured and not self.outbox_on():
            return f"sent by {', '.join(configured)} (as configured)"
        if configured:
            return f"sent by {', '.join(configured)}; the other channels' messages written to {self.outbox_file}"
        if not self.outbox_on():
            return "not sent (no channel configured, local outbox off)"
        return f"not sent: written to {self.outbox_file}"

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderSettings:
        """Read them from the process's settings (CRM_* variables are in `settings.extra`)."""
        return cls.from_env(settings.extra, settings.var_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str], var_dir: Path) -> ReminderSettings:
        """Read them from CRM_REMINDER_* variables; the local outbox lies under `var_dir` unless one says."""
        local_outbox = (env.get("CRM_REMINDER_LOCAL_OUTBOX") or "auto").lower()
        local_outbox = {"1": "true", "on": "true", "0": "false", "off": "false"}.get(local_outbox, local_outbox)
        if local_outbox not in ("auto", "true", "false"):
            raise ValueError("CRM_REMINDER_LOCAL_OUTBOX must be auto, true or false")
        language = env.get("CRM_REMINDER_LANGUAGE") or "zh-CN"
        if language not in ("zh-CN", "en"):
            raise ValueError("CRM_REMINDER_LANGUAGE must be zh-CN or en")
        # read in this order, so that of two bad variables the same one is named as ever
        return cls(
            local_outbox=local_outbox, language=language,
            outbox_file=Path(env.get("CRM_REMINDER_OUTBOX_FILE") or var_dir / "reminder" / "outbox.jsonl"),
            wechat_templates=_json_object(env.get("CRM_REMINDER_WECHAT_TEMPLATES"), "CRM_REMINDER_WECHAT_TEMPLATES"),
            stores=_json_object(env.get("CRM_REMINDER_STORES"), "CRM_REMINDER_STORES"),
            zone=business_time_zone(env, "CRM_REMINDER_TIMEZONE"),
            **read_variables(env, _VARIABLES),
        )


#: The settings read from one variable each (unset or empty: the default).
_VARIABLES: tuple[Variable, ...] = (
    ("wechat_url", "CRM_REMINDER_WECHAT_URL", lambda url: url.rstrip("/"), "https://api.weixin.qq.com"),
    ("wechat_token", "CRM_REMINDER_WECHAT_ACCESS_TOKEN", str, None),
    ("wechat_link", "CRM_REMINDER_WECHAT_LINK", str, None),
    ("scheduler_interval", "CRM_REMINDER_SCHEDULER_INTERVAL", float, 5.0),
    ("scheduler_batch", "CRM_REMINDER_SCHEDULER_BATCH", int, 500),
    ("webhook_url", "CRM_REMINDER_WEBHOOK_URL", str, None),
    ("webhook_secret", "CRM_REMINDER_WEBHOOK_SECRET", str, None),
    ("smtp_host", "CRM_REMINDER_SMTP_HOST", str, None),
    ("smtp_port", "CRM_REMINDER_SMTP_PORT", int, 25),
    ("smtp_sender", "CRM_REMINDER_SMTP_FROM", str, "guanxi@localhost"),
    ("smtp_user", "CRM_REMINDER_SMTP_USER", str, None),
    ("smtp_password", "CRM_REMINDER_SMTP_PASSWORD", str, None),
    ("smtp_starttls", "CRM_REMINDER_SMTP_STARTTLS", lambda flag: flag.lower() in ("1", "true"), False),
    ("sms_url", "CRM_REMINDER_SMS_URL", str, None),
    ("sms_token", "CRM_REMINDER_SMS_TOKEN", str, None),
    ("send_timeout", "CRM_REMINDER_SEND_TIMEOUT", float, 10.0),
    ("max_attempts", "CRM_REMINDER_NOTIFY_MAX_ATTEMPTS", int, 6),
    ("retry_backoff", "CRM_REMINDER_NOTIFY_BACKOFF", float, 30.0),
)


def _json_object(text: str | None, name: str) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value
