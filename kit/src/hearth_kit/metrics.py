"""Prometheus metrics shared by every service (labelled by service)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUEST_DURATION = Histogram(
    "hearth_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
)
OUTBOX_BACKLOG = Gauge("hearth_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "hearth_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
OUTBOX_PUBLISHED = Counter(
    "hearth_outbox_published_total", "Events published by the relay", ["service"]
)
OUTBOX_FAILURES = Counter(
    "hearth_outbox_publish_failures_total", "Relay batches that failed to publish", ["service"]
)
OUTBOX_REFUSALS = Counter(
    "hearth_outbox_refusals_total",
    "Sends of an outbox row the broker refused for the row's own sake (each charges an attempt)",
    ["service"],
)
OUTBOX_PARKINGS = Counter(
    "hearth_outbox_parkings_total", "Outbox rows parked after repeated refusals", ["service"]
)
OUTBOX_PARKED = Gauge(
    "hearth_outbox_parked", "Parked outbox rows (each holds back the rest of its key)", ["service"]
)
EVENTS_HANDLED = Counter(
    "hearth_events_handled_total",
    "Events consumed, by outcome (handled, duplicate, ignored, dead_lettered)",
    ["service", "event_type", "outcome"],
)
HANDLER_FAILURES = Counter(
    "hearth_handler_failures_total", "Handler attempts that raised", ["service", "event_type"]
)
DEAD_LETTERS = Counter(
    "hearth_dead_letters_total", "Events sent to a dead-letter topic", ["service", "event_type"]
)
CONSUMER_LAG = Gauge(
    "hearth_consumer_lag",
    "Messages a consumer group's committed offset is behind the partition's end",
    ["service", "group", "topic", "partition"],
)
CONSUMER_PAUSED_PARTITIONS = Gauge(
    "hearth_consumer_paused_partitions",
    "Partitions the consumer paused because the database does not answer",
    ["service"],
)
GC_PAUSES = Histogram(
    "hearth_gc_pause_seconds",
    "Collections of the cyclic garbage collector and how long each held the process "
    "(every request and event in flight waits), by generation (2 is a full collection)",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
