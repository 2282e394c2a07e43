"""deploy/k8s/scaling and deploy/k8s/engines: autoscalers, disruption budgets and the production engines, valid for
their APIs and aimed at what exists (a typo in a target's name or a queue's would scale nothing, silently)."""
from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest
from deployfiles import (
    CRD_DIR,
    CRD_FILES,
    INIT_SCRIPT,
    K8S_DIR,
    SCHEMA_DIR,
    SCHEMA_FILES,
    api_errors,
    load_k8s_documents,
)

from servicekit import topology

SCALING = [document for _, document in load_k8s_documents(K8S_DIR / "scaling")]
ENGINES = [document for _, document in load_k8s_documents(K8S_DIR / "engines")]
DEPLOYMENTS = {document["metadata"]["name"]: document for _, document in load_k8s_documents()
               if document["kind"] == "Deployment"}


def of_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {document["metadata"]["name"]: document for document in documents if document["kind"] == kind}


def deployments_of(component: str) -> set[str]:
    return {name for name, deployment in DEPLOYMENTS.items()
            if deployment["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == component}


@pytest.mark.parametrize("document", SCALING + ENGINES, ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}")
def test_every_object_is_valid_for_its_api(document: dict[str, Any]) -> None:
    assert api_errors(document) == []


@pytest.mark.parametrize("kind, name", [("HorizontalPodAutoscaler", "gateway"), ("ScaledObject", "customer-consume"),
                                        ("Cluster", "postgres"), ("RabbitmqCluster", "rabbitmq")])
def test_a_misspelt_field_is_caught(kind: str, name: str) -> None:
    document = copy.deepcopy(of_kind(SCALING + ENGINES, kind)[name])
    document["spec"]["replicaz"] = 3
    assert any("replicaz" in error for error in api_errors(document))


def test_every_web_deployment_scales_on_cpu_and_keeps_one_replica_through_a_drain() -> None:
    autoscalers, budgets = of_kind(SCALING, "HorizontalPodAutoscaler"), of_kind(SCALING, "PodDisruptionBudget")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers.values()} == deployments_of("web")
    for hpa in autoscalers.values():
        target = DEPLOYMENTS[hpa["spec"]["scaleTargetRef"]["name"]]
        assert hpa["spec"]["minReplicas"] >= 2, f"{hpa['metadata']['name']}: one replica is no budget for a drain"
        # A utilisation target is a share of the containers' CPU requests: without them the HPA never scales.
        for container in target["spec"]["template"]["spec"]["containers"]:
            assert container["resources"]["requests"]["cpu"], f"{target['metadata']['name']} has no CPU request"
    for name in deployments_of("web"):
        assert any(matches(budget, DEPLOYMENTS[name]) for budget in budgets.values()), f"{name}: no budget"


#: Consumers that apply an aggregate's events in the order they were published: two replicas taking turns on the
#: queue would not keep it (the reporting read model loses a customer's update applied before the customer's
#: creation: two replicas left 1,388 tally rows other than one consumer's, bench.reports --apply-replicas 2; the
#: complaint and reminder copies of a customer keep the fields each update carries, by version, and lose those of
#: an update or a creation applied after a later one).
IN_ORDER = {"complaint-consume", "reminder-consume", "reporting-consume"}


def test_every_consumer_scales_on_exactly_the_queues_it_reads() -> None:
    scaled = of_kind(SCALING, "ScaledObject")
    declared = topology.installed_queues()
    assert {so["spec"]["scaleTargetRef"]["name"] for so in scaled.values()} == deployments_of("consume") - IN_ORDER
    for so in scaled.values():
        service = so["spec"]["scaleTargetRef"]["name"].removesuffix("-consume")
        read = set(declared.get(service, {}))  # the queues the service declares beside its handlers
        watched = {trigger["metadata"]["queueName"] for trigger in so["spec"]["triggers"]}
        assert watched == read, f"{service}: scales on {sorted(watched)}, reads {sorted(read)}"
        container = DEPLOYMENTS[so["spec"]["scaleTargetRef"]["name"]]["spec"]["template"]["spec"]["containers"][0]
        secrets = {source["secretRef"]["name"] for source in container.get("envFrom", []) if "secretRef" in source}
        # hostFromEnv reads the broker's address from the consumer's own environment: the secret holding it.
        assert "guanxi-shared" in secrets and all(
            trigger["metadata"]["hostFromEnv"] == "CRM_BROKER_URL" for trigger in so["spec"]["triggers"])
    budgets = of_kind(SCALING, "PodDisruptionBudget")
    for name in deployments_of("consume"):
        assert any(matches(budget, DEPLOYMENTS[name]) for budget in budgets.values()), f"{name}: no budget"


def test_a_consumer_that_applies_in_order_runs_alone_even_through_a_rollout() -> None:
    assert IN_ORDER <= deployments_of("consume")
    for name in IN_ORDER:
        spec = DEPLOYMENTS[name]["spec"]
        assert spec["replicas"] == 1
        # A rolling update starts the new pod before the old one ends: two consumers for a while.
        assert spec["strategy"]["type"] == "Recreate", f"{name} is rolled, not replaced"


def matches(budget: dict[str, Any], deployment: dict[str, Any]) -> bool:
    """Whether a PodDisruptionBudget's selector picks the Deployment's pods."""
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_engines_keep_a_majority_with_one_machine_lost() -> None:
    broker = of_kind(ENGINES, "RabbitmqCluster")["rabbitmq"]["spec"]
    database = of_kind(ENGINES, "Cluster")["postgres"]["spec"]
    assert broker["replicas"] >= 3 and broker["replicas"] % 2 == 1
    assert "pause_minority" in broker["rabbitmq"]["additionalConfig"]
    assert database["instances"] >= 3 and database["postgresql"]["synchronous"]["number"] >= 1


def test_the_database_cluster_makes_every_database_compose_makes() -> None:
    made_for_compose = set(re.findall(r"^create_service_database (\w+)", INIT_SCRIPT.read_text(), re.MULTILINE))
    databases = of_kind(ENGINES, "Database")
    assert {database["spec"]["name"] for database in databases.values()} == made_for_compose
    roles = {role["name"] for role in of_kind(ENGINES, "Cluster")["postgres"]["spec"]["managed"]["roles"]}
    assert {database["spec"]["owner"] for database in databases.values()} <= roles


def test_the_vendored_schemas_are_the_files_the_readme_names() -> None:
    readme = (CRD_DIR.parent / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"`([\w.-]+\.(?:yaml|json))`[^`]*?(?:`[0-9a-f]{40}`[^`]*?)?`([0-9a-f]{64})`", readme))
    scaling = [SCHEMA_DIR / name for (api, _), name in SCHEMA_FILES.items() if api in ("autoscaling/v2", "policy/v1")]
    for path in [*(CRD_DIR / name for name in CRD_FILES.values()), *scaling]:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded.get(path.name), (
            f"{path.name} differs from the file tests/deploy/README.md records: vendored schemas are replaced whole")
