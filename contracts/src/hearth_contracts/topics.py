"""The service registry and the topics: Hearth's five services, the port each listens
on by default, one events topic per publishing service and one dead-letter topic per
consumer group. An optional namespace prefixes every topic (used to isolate test runs
or tenants sharing one cluster).

The gateway's settings, `make run` (Procfile) and deploy/ use these names and ports;
a sixth service is added here first.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

Service = Literal["visits", "repairs", "compliance", "income", "engagement"]
SERVICES: Final[tuple[Service, ...]] = ("visits", "repairs", "compliance", "income", "engagement")

DEFAULT_PORTS: Final[Mapping[Service, int]] = MappingProxyType(
    {"visits": 8101, "repairs": 8102, "compliance": 8103, "income": 8104, "engagement": 8105}
)
"""The port each service listens on unless told otherwise (`make run`, the gateway's
default service URLs)."""
GATEWAY_DEFAULT_PORT: Final = 8000


def default_url(service: Service) -> str:
    """Where a service answers on a developer's machine: http://127.0.0.1:<port>."""
    return f"http://127.0.0.1:{DEFAULT_PORTS[service]}"


def _prefix(namespace: str) -> str:
    return f"{namespace}." if namespace else ""


def events_topic(service: str, namespace: str = "") -> str:
    """`hearth.<service>.events`: every event a service publishes."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return f"{_prefix(namespace)}hearth.{service}.events"


def dead_letter_topic(service: str, consumer_group: str, namespace: str = "") -> str:
    """`hearth.<service>.dlq.<consumer-group>`: events a consumer gave up on."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return f"{_prefix(namespace)}hearth.{service}.dlq.{consumer_group}"
