"""Prometheus metrics of the gateway's calls to the services."""

from __future__ import annotations

from prometheus_client import Histogram

DOWNSTREAM_DURATION = Histogram(
    "hearth_gateway_downstream_request_duration_seconds",
    "Latency of the gateway's calls to each service, by outcome "
    "(2xx, 3xx, 4xx, 5xx, timeout, unreachable)",
    ["service", "method", "outcome"],
)
