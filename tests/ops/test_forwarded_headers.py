"""The gateway believes X-Forwarded-For only from the ingress controller.

uvicorn runs with `--proxy-headers` (deploy/Dockerfile): on a connection from a peer in
`FORWARDED_ALLOW_IPS` it makes the address in `X-Forwarded-For` the caller's
(`request.client.host`), which is the key of the gateway's rate limit of failed sign-ins
(gateway/src/gateway/rate_limits.py). With `FORWARDED_ALLOW_IPS="*"` it takes the
leftmost entry, which the caller writes, so a caller could pick a fresh bucket for each
request or spend someone else's. Nothing under deploy/ may set it to `*`; the image's
default trusts only itself, and Kubernetes sets the ingress controller's pod CIDR
through kustomization.yaml (docs/runbooks/deploy.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SETTING = "FORWARDED_ALLOW_IPS"
PLACEHOLDER = "SET-TO-THE-INGRESS-CONTROLLER-POD-CIDR"

TRUST_EVERY_PEER = re.compile(
    r"""(FORWARDED_ALLOW_IPS|forwarded-allow-ips)["']?\s*[:= ]\s*["']?\*""", re.IGNORECASE
)
"""`FORWARDED_ALLOW_IPS: "*"`, `FORWARDED_ALLOW_IPS=*`, `--forwarded-allow-ips '*'`, ..."""


def deploy_files() -> list[Path]:
    return sorted(
        p
        for p in DEPLOY.rglob("*")
        if p.is_file() and (p.suffix in {"", ".yaml", ".yml", ".env", ".sh"})
    )


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(K8S.rglob("*.yaml")):
        found.extend((path, d) for d in yaml.safe_load_all(path.read_text()) if d is not None)
    return found


def settings_in(document: Any) -> list[str]:
    """Every value a manifest or compose file gives FORWARDED_ALLOW_IPS, wherever it is
    (a ConfigMap's data, a container's env, a generator's literal, compose's environment)."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == SETTING:
                found.append(str(value))
            found.extend(settings_in(value))
        if document.get("name") == SETTING and "value" in document:
            found.append(str(document["value"]))
    elif isinstance(document, list):
        for item in document:
            if isinstance(item, str) and item.startswith(f"{SETTING}="):
                found.append(item.split("=", 1)[1])
            found.extend(settings_in(item))
    return found


def test_nothing_under_deploy_trusts_every_peer() -> None:
    files = deploy_files()
    assert DEPLOY / "Dockerfile" in files
    assert K8S / "gateway.yaml" in files
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if TRUST_EVERY_PEER.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offending, "\n".join(offending)


def test_no_manifest_or_compose_service_sets_it_to_every_peer() -> None:
    values = [(p.name, v) for p, d in k8s_documents() for v in settings_in(d)]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    values += [("compose.yaml", v) for v in settings_in(compose)]
    assert values, "the gateway's FORWARDED_ALLOW_IPS is set in deploy/k8s"
    assert not [(name, v) for name, v in values if "*" in v]


def test_the_image_believes_only_itself_by_default() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(rf"^\s*{SETTING}=127\.0\.0\.1\s*$", dockerfile, re.MULTILINE)
    assert "--proxy-headers" in dockerfile


def test_kubernetes_sets_it_to_the_ingress_in_one_place_the_runbook_names() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (generator,) = [
        g for g in kustomization["configMapGenerator"] if g["name"] == "hearth-gateway-proxy"
    ]
    assert generator["literals"] == [f"{SETTING}={PLACEHOLDER}"]
    (gateway,) = [
        d
        for _p, d in k8s_documents()
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "gateway"
    ]
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    assert {"configMapRef": {"name": "hearth-gateway-proxy"}} in container["envFrom"]
    runbook = (ROOT / "docs" / "runbooks" / "deploy.md").read_text()
    assert PLACEHOLDER in runbook
    assert "kustomize edit set configmap hearth-gateway-proxy" in runbook


async def client_seen_by_the_app(trusted: str, peer: str, forwarded_for: str) -> str:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["client"] = scope["client"]

    scope: Any = {
        "type": "http",
        "client": (peer, 40000),
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
    }

    async def receive() -> Any:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        return None

    await ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, receive, send)
    return str(seen["client"][0])


@pytest.mark.parametrize("trusted", ["127.0.0.1", PLACEHOLDER])
async def test_a_callers_own_forwarded_for_is_not_believed(trusted: str) -> None:
    """The image's default and the unset placeholder: the caller is its TCP peer."""
    assert await client_seen_by_the_app(trusted, "203.0.113.9", "198.51.100.1") == "203.0.113.9"


async def test_behind_the_ingress_the_caller_is_the_address_the_ingress_saw() -> None:
    """The ingress's pod CIDR trusted: the caller's own leftmost entry is not taken."""
    caller = await client_seen_by_the_app(
        "10.244.0.0/16", "10.244.3.7", "198.51.100.1, 203.0.113.9"
    )
    assert caller == "203.0.113.9"
    assert await client_seen_by_the_app("*", "10.244.3.7", "198.51.100.1, 203.0.113.9") == (
        "198.51.100.1"
    ), "what '*' would do: the caller's own entry"
