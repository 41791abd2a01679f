"""Topic registry: one events topic per publishing service, one dead-letter topic per
consumer group. An optional namespace prefixes every topic (used to isolate test runs
or tenants sharing one cluster)."""

from __future__ import annotations

from typing import Final, Literal

Service = Literal["visits", "repairs", "compliance", "income", "engagement"]
SERVICES: Final[tuple[Service, ...]] = ("visits", "repairs", "compliance", "income", "engagement")


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
