"""deploy/prometheus: the alerts watch metrics that exist, and Prometheus loads what compose mounts."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from complaint.service_layer import scanner
from deployfiles import ROOT
from prometheus_client.metrics import MetricWrapperBase
from reminder import metrics as reminder_metrics
from reporting import metrics as reporting_metrics

from servicekit import metrics, topology

PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
KEYWORDS = {"and", "or", "unless", "bool", "offset"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exported_metric_names() -> set[str]:
    """Every series name a Guanxi process's /metrics can show: servicekit's, the SLA scanner's, the reminder
    scheduler's and the reporting service's own (its tally changes waiting, read at scrape time)."""
    names = set()
    for value in [*vars(metrics).values(), *vars(scanner).values(), *vars(reminder_metrics).values(),
                  *vars(reporting_metrics).values()]:
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    names |= {family.name for family in metrics.outbox_gauges("any", 0, 0.0)}
    names.add(reporting_metrics.tally_changes_waiting(0, 1).name)
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords and labels left out)."""
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        is_function = expr[match.end():].lstrip().startswith("(")
        if not is_function and match.group() not in KEYWORDS:
            names.add(match.group())
    return names


def alert_rules() -> list[dict]:
    """Every alerting rule in alerts.yml."""
    groups = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_metric_name_reader_sees_through_promql() -> None:
    expr = 'sum by (queue) (increase(events_dead_lettered_total{queue=~"a.b"}[15m])) / up > 0'
    assert metric_names(expr) == {"events_dead_lettered_total", "up"}


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_alert_reads_metrics_that_exist(rule: dict) -> None:
    known = exported_metric_names()
    for name in metric_names(rule["expr"]):
        assert name in known or name == "up" or name.startswith("rabbitmq_"), (
            f"{rule['alert']} reads {name}, which no Guanxi process exports: the alert could never fire")
    assert rule["labels"]["severity"] in ("page", "warn") and rule["annotations"]["summary"], rule["alert"]


def test_the_operator_is_alerted_on_what_docs_promise() -> None:
    watched = set().union(*(metric_names(rule["expr"]) for rule in alert_rules()))
    for name in ("outbox_backlog", "outbox_oldest_age_seconds", "events_dead_lettered_total",
                 "http_requests_total", "http_request_duration_seconds_bucket",
                 "complaint_sla_scan_duration_seconds_count", "reminder_scheduler_pass_seconds_count",
                 "rabbitmq_queue_messages_ready", "rabbitmq_queue_consumers"):
        assert name in watched, f"no alert watches {name}"


def test_the_dead_letter_alert_matches_the_queues_servicekit_creates() -> None:
    rule = next(rule for rule in alert_rules() if "rabbitmq_queue_messages" in rule["expr"])
    pattern = re.search(r'queue=~"([^"]+)"', rule["expr"])[1]
    assert re.fullmatch(pattern, topology.dead_letter_queue_name("reminder.on_visit_done"))
    assert not re.fullmatch(pattern, "reminder.on_visit_done")
    assert not re.fullmatch(pattern, topology.retry_queue_name("reminder.on_visit_done"))


def test_prometheus_loads_the_rule_files_compose_mounts(services: dict) -> None:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    mounts = dict(reversed(volume.split(":")[:2]) for volume in services["prometheus"]["volumes"]
                  if volume.startswith("./"))
    assert config["rule_files"], "no alert rules are loaded"
    for rule_file in config["rule_files"]:
        assert rule_file in mounts, f"{rule_file} is not mounted into the Prometheus container"
        assert (ROOT / mounts[rule_file]).is_file()


def promtool(*args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("promtool")
    if executable is None:
        pytest.fail("promtool is not installed: `make test` installs it (deploy/local/ensure-servers.sh).",
                    pytrace=False)
    return subprocess.run([executable, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=60)


def test_prometheus_accepts_the_alert_rules() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_when_it_should_and_only_then() -> None:
    """deploy/prometheus/alerts.test.yml: series for each alert, firing and quiet, evaluated by promtool."""
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS_DIR / "alerts.test.yml").read_text(encoding="utf-8")))
    untested = {rule["alert"] for rule in alert_rules()} - tested
    assert not untested, f"alerts without a unit test in alerts.test.yml: {sorted(untested)}"
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
