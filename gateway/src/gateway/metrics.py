"""Prometheus metrics of the gateway's calls to the services."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DOWNSTREAM_DURATION = Histogram(
    "hearth_gateway_downstream_request_duration_seconds",
    "Latency of the gateway's calls to each service, by outcome "
    "(2xx, 3xx, 4xx, 5xx, timeout, unreachable)",
    ["service", "method", "outcome"],
)

DOWNSTREAM_RESENT = Counter(
    "hearth_gateway_downstream_resent_total",
    "Calls sent a second time because the service closed a kept-alive connection as the "
    "request went out (reads and writes with an Idempotency-Key only)",
    ["service", "method"],
)
