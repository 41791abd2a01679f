"""The visits service's domain metrics (Prometheus)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

HOMES_BEYOND_INTERVAL = Gauge(
    "hearth_visits_homes_beyond_interval",
    "Homes past their maximum visit interval (a full visit every 2 years, some visit "
    "every year, as configured)",
)

REVIEWS_OVERDUE_RAISED = Counter(
    "hearth_visits_caseload_reviews_overdue_total",
    "Sustainable tenancy referrals whose review date passed (caseload-review-overdue raised)",
)
