"""deploy/k8s: manifests that parse, probe, run as non-root and reference only what exists."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from deployfiles import API_CLIENTS, K8S_DIR, ROOT, SCHEMA_FILES, api_errors, load_k8s_documents
from gateway.config import DEFAULT_UPSTREAMS

DOCUMENTS = load_k8s_documents()
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
def of_kind(*kinds: str) -> list[dict[str, Any]]:
    """The documents of these kinds."""
    return [document for _, document in DOCUMENTS if document["kind"] in kinds]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment or Job."""
    return workload["spec"]["template"]["spec"]


def name_of(document: dict[str, Any]) -> str:
    """`Kind/name`, for messages."""
    return f"{document['kind']}/{document['metadata']['name']}"


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """The literal env of a container plus the ConfigMaps it loads (Secrets are not in the repository)."""
    config_maps = {document["metadata"]["name"]: document.get("data", {}) for document in of_kind("ConfigMap")}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]])
    env.update({item["name"]: item.get("value") for item in container.get("env", []) if "value" in item})
    return env


@pytest.mark.parametrize("path", sorted(K8S_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_every_manifest_parses_into_named_kubernetes_objects(path: Path) -> None:
    documents = [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]
    assert documents, f"{path.name} is empty"
    for document in documents:
        assert {"apiVersion", "kind", "metadata"} <= set(document), f"{path.name}: {document!r:.80}"
        assert document["metadata"].get("name"), f"{path.name}: a {document['kind']} without a name"


@pytest.mark.parametrize("document", [document for _, document in DOCUMENTS], ids=lambda doc: name_of(doc))
def test_every_object_is_valid_for_the_kubernetes_api(document: dict[str, Any]) -> None:
    assert (document["apiVersion"], document["kind"]) in SCHEMA_FILES, f"no schema vendored for {name_of(document)}"
    assert api_errors(document) == []


@pytest.mark.parametrize("mistake", [
    lambda spec: spec["containers"][0].update(readinesProbe={}),
    lambda spec: spec["containers"][0]["resources"]["limits"].update(memory=["512Mi"]),
    lambda spec: spec["securityContext"].update(runAsUser="guanxi"),
], ids=["misspelt field", "limit not a quantity", "user not a number"])
def test_the_api_schema_catches_mistakes_kubectl_would_refuse(mistake) -> None:
    deployment = copy.deepcopy(of_kind("Deployment")[0])
    mistake(pod_spec(deployment))
    assert api_errors(deployment) != []


def test_every_service_in_compose_has_its_workloads_here(services: dict) -> None:
    names = {document["metadata"]["name"] for document in of_kind("Deployment", "Job")}
    compose_processes = {name for name, service in services.items() if "build" in service}
    assert compose_processes <= names, f"compose runs {sorted(compose_processes - names)}, Kubernetes does not"


def test_every_pod_runs_as_non_root_with_resources_and_no_privileges() -> None:
    workloads = of_kind("Deployment", "Job")
    assert workloads
    for workload in workloads:
        spec = pod_spec(workload)
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] != 0, name_of(workload)
        for container in spec["containers"]:
            where = f"{name_of(workload)} {container['name']}"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"], where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, where
            mounted = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            assert "/tmp" in mounted, f"{where}: gunicorn and Python need a writable /tmp"


def test_every_deployment_serving_http_is_probed_on_its_port() -> None:
    for deployment in of_kind("Deployment"):
        for container in pod_spec(deployment)["containers"]:
            where = f"{name_of(deployment)} {container['name']}"
            ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
            if not ports:
                # No port, no HTTP probe: only the relay is like that (see the comment in its manifest).
                assert container["command"][-1] != "web", f"{where} has neither port nor probes"
                continue
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
            ready = container["readinessProbe"]["httpGet"]["path"]
            package, process = container["command"][2], container["command"][-1]
            # The gateway's /readyz asks every service; see the comment in gateway.yaml. The console keeps
            # nothing that could be unready: it answers or it does not. Its live process is ready once its queue
            # is bound on the broker.
            unready_never = package in {"gateway", *API_CLIENTS} and process != "live"
            assert ready == ("/healthz" if unready_never else "/readyz"), where
            for probe in ("livenessProbe", "readinessProbe"):
                assert container[probe]["httpGet"]["port"] in ports, f"{where}: {probe} on a port it does not serve"
            env = container_env(container)
            port = env["CRM_CONSOLE_LIVE_PORT" if process == "live" else f"CRM_{package.upper()}_PORT"]
            assert int(port) in ports.values(), f"{where} listens elsewhere"
            assert env["CRM_BIND_HOST"] == "0.0.0.0", f"{where} would listen on loopback only"
            if package not in API_CLIENTS:  # the console serves no /metrics
                assert env.get("PROMETHEUS_MULTIPROC_DIR"), f"{where}: workers would each report their own metrics"


def test_every_service_object_selects_a_deployment_and_one_of_its_ports() -> None:
    for service in of_kind("Service"):
        selector = service["spec"]["selector"]
        targets = [deployment for deployment in of_kind("Deployment")
                   if selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, f"{name_of(service)} selects {len(targets)} Deployments"
        containers = pod_spec(targets[0])["containers"]
        ports = {port["name"] for container in containers for port in container.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{name_of(service)} forwards to a port nobody serves"


def test_deployment_selectors_match_their_own_pods() -> None:
    for deployment in of_kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name_of(deployment)


def test_config_and_secret_references_resolve() -> None:
    config_maps = {document["metadata"]["name"] for document in of_kind("ConfigMap")}
    guide = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    for workload in of_kind("Deployment", "Job"):
        for container in pod_spec(workload)["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, name_of(workload)
                if "secretRef" in source:
                    secret = source["secretRef"]["name"]
                    assert f"kubectl create secret generic {secret}" in guide, (
                        f"{name_of(workload)} needs Secret {secret}; docs/deployment.md must say how to create it")


def test_jobs_migrate_and_do_not_restart_in_place() -> None:
    jobs = of_kind("Job")
    assert jobs
    for job in jobs:
        spec = pod_spec(job)
        assert spec["restartPolicy"] in ("Never", "OnFailure"), name_of(job)
        assert spec["containers"][0]["command"][-1] == "migrate", name_of(job)


def test_the_gateway_finds_every_service_by_its_kubernetes_name() -> None:
    services = {document["metadata"]["name"]: document for document in of_kind("Service")}
    gateway = next(document for document in of_kind("Deployment") if document["metadata"]["name"] == "gateway")
    env = container_env(pod_spec(gateway)["containers"][0])
    # The console's live stream is routed at the Ingress, never through the gateway.
    for package in [*DEFAULT_UPSTREAMS, "console"]:
        value = env.get(f"CRM_{package.upper()}_URL")
        assert value is not None, f"the gateway would look for {package} on its own loopback address"
        if value:
            host, port = value.removeprefix("http://").split(":")
            assert host in services, f"{package}: no Service named {host}"
            assert int(port) in [item["port"] for item in services[host]["spec"]["ports"]], value


def test_the_console_calls_the_api_through_the_gateway_service() -> None:
    services = {document["metadata"]["name"]: document for document in of_kind("Service")}
    console = next(document for document in of_kind("Deployment") if document["metadata"]["name"] == "console")
    container = pod_spec(console)["containers"][0]
    host, port = container_env(container)["CRM_CONSOLE_API_URL"].removeprefix("http://").split(":")
    assert host == "gateway" and int(port) in [item["port"] for item in services["gateway"]["spec"]["ports"]]
    secrets = [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source]
    assert secrets == ["console-secrets"], "the console needs its session key and nothing of the services' secrets"


def test_images_are_the_ones_compose_builds(services: dict) -> None:
    built = {service["image"].split(":")[0] for service in services.values() if "build" in service}
    for workload in of_kind("Deployment", "Job"):
        for container in pod_spec(workload)["containers"]:
            assert container["image"].split(":")[0] in built, f"{name_of(workload)}: {container['image']}"
