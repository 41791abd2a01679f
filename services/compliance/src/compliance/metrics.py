"""Compliance's domain metrics, set by the daily sweep (the ops alert rules use them)."""

from __future__ import annotations

from prometheus_client import Gauge

CERTIFICATES_EXPIRED = Gauge(
    "hearth_compliance_certificates_expired",
    "Open checks whose certificate has expired with no new record (counted by the sweep)",
)
CHECKS_OVERDUE = Gauge(
    "hearth_compliance_checks_overdue",
    "Open checks past the date they had to be done by (counted by the sweep)",
)
TENANT_COPIES_OVERDUE = Gauge(
    "hearth_compliance_tenant_copies_overdue",
    "Tenants' copies of safety records not sent by their deadline (28 days; before "
    "moving in for a new tenancy), counted by the sweep",
)
HOMES_MISSING_ALARMS = Gauge(
    "hearth_compliance_homes_missing_alarms",
    "Homes let to tenants whose register shows a storey with living space without a "
    "smoke alarm or a room with a fixed combustion appliance without a CO alarm "
    "(counted by the sweep)",
)
