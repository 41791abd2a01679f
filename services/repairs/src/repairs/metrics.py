"""Repairs' domain metrics (Prometheus), updated by its scheduled jobs and use cases.
Alert rules are written against these names."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

REPAIRS_OVERDUE = Gauge(
    "hearth_repairs_overdue", "Open repairs past their target, by priority", ["priority"]
)
AWAAB_CLOCKS_BREACHED = Counter(
    "hearth_repairs_awaab_clocks_breached_total",
    "Awaab's Law deadlines that ran out (each raised once)",
    ["milestone"],
)
EVENT_TIMES_IN_THE_FUTURE = Counter(
    "hearth_repairs_event_times_in_the_future_total",
    "Events from other services whose time a clock starts from was in the future when "
    "handled: the clock started when the event was published instead",
    ["event_type"],
)
WORK_ORDERS_COMPLETED = Counter(
    "hearth_repairs_work_orders_completed_total", "Work orders completed", ["on_time"]
)
WEBHOOK_ATTEMPTS = Counter(
    "hearth_repairs_webhook_attempts_total", "Contractor webhook attempts", ["outcome"]
)
WEBHOOKS_UNDELIVERED = Gauge(
    "hearth_repairs_webhooks_undelivered",
    "Messages queued for a contractor's webhook and not yet taken (a work order's later "
    "messages wait behind its oldest)",
    ["contractor"],
)
WEBHOOK_OLDEST_UNDELIVERED_AGE = Gauge(
    "hearth_repairs_webhook_oldest_undelivered_age_seconds",
    "Age of a contractor's oldest message not yet taken by its webhook",
    ["contractor"],
)
