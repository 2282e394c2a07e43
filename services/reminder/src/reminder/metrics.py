"""The reminder service's own Prometheus metrics (the scheduler's), beside the kit's RED and bus metrics."""
from prometheus_client import Counter, Histogram

FIRED = Counter("reminder_fired_total", "Reminders the scheduler fired, by rule kind.", ["kind"])
NOTIFICATIONS = Counter("reminder_notifications_total", "Notifications by channel and outcome "
                        "(sent, retried, failed, skipped).", ["channel", "outcome"])
PASS_DURATION = Histogram("reminder_scheduler_pass_seconds", "Time of one scheduler pass.")
