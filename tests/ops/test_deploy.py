"""deploy/ is valid without a Docker engine or a cluster: compose against the Compose
Specification's JSON Schema (vendored, deploy/schemas/README.md), the Kubernetes
manifests against the Kubernetes API's schemas (kubernetes-validate, strict: unknown
fields refused), and what the schemas cannot say: every Deployment probed and
autoscaled, every file a manifest or compose names present, Prometheus scraping every
process compose runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.34.0"
"""The Kubernetes minor the manifests are written for (kubernetes-validate ships the
schemas of each release)."""
CUSTOM_RESOURCES = {"kafka.strimzi.io/v1beta2": {"Kafka", "KafkaNodePool", "KafkaTopic"}}
"""Strimzi's resources: their schemas come with the operator's CRDs, not with Kubernetes,
so kubernetes-validate cannot check them; their apiVersion and kind are checked here."""
PROCESSES = ("visits", "repairs", "compliance", "income", "engagement", "gateway")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def manifests() -> list[tuple[str, dict[str, Any]]]:
    """Every resource kustomization.yaml applies, with the file it is in."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    found: list[tuple[str, dict[str, Any]]] = []
    for resource in kustomization["resources"]:
        path = K8S / resource
        found.extend(
            (resource, doc) for doc in yaml.safe_load_all(path.read_text()) if doc is not None
        )
    return found


def test_compose_follows_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def test_the_compose_schema_check_refuses_what_compose_would() -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    broken = compose()
    broken["services"]["gateway"]["restart_policy"] = "always"  # not a compose key
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_every_file_compose_mounts_or_builds_from_exists() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
        if build := service.get("build"):
            context = DEPLOY / build["context"]
            assert (context / build["dockerfile"]).is_file(), name


def test_prometheus_scrapes_every_process_compose_runs() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    scraped = {
        job["job_name"]: target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert scraped == {f"hearth-{p}": f"{p}:8000" for p in PROCESSES}
    services = compose()["services"]
    assert set(PROCESSES) <= set(services)
    mounted = services["prometheus"]["volumes"]
    assert "./prometheus/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in mounted
    assert config["rule_files"] == ["/etc/prometheus/alerts.yaml"]


@pytest.mark.parametrize(
    ("path", "resource"),
    manifests(),
    ids=lambda value: (
        value if isinstance(value, str) else f"{value['kind']}/{value['metadata']['name']}"
    ),
)
def test_every_manifest_is_valid_for_the_kubernetes_api(
    path: str, resource: dict[str, Any]
) -> None:
    custom = CUSTOM_RESOURCES.get(resource["apiVersion"])
    if custom is not None:
        assert resource["kind"] in custom
        assert resource["metadata"]["name"]
        return
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_check_refuses_an_unknown_field() -> None:
    (deployment,) = [r for _p, r in manifests() if r["kind"] == "Deployment"][:1]
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_deployment_has_probes_and_an_autoscaler() -> None:
    resources = [r for _p, r in manifests()]
    deployments = {r["metadata"]["name"]: r for r in resources if r["kind"] == "Deployment"}
    assert set(deployments) == set(PROCESSES)
    for name, deployment in deployments.items():
        assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns replicas"
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container["resources"]["requests"]["cpu"], f"{name}: HPA needs a CPU request"
    autoscalers = [r for r in resources if r["kind"] == "HorizontalPodAutoscaler"]
    targets = {a["spec"]["scaleTargetRef"]["name"]: a for a in autoscalers}
    assert set(targets) == set(deployments)
    for name, autoscaler in targets.items():
        assert autoscaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert autoscaler["spec"]["minReplicas"] >= 2, name
        assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"], name
