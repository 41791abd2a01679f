"""Income's domain metrics (Prometheus), set by the arrears ladder job and the rent run."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ACCOUNTS_IN_ARREARS = Gauge(
    "hearth_income_accounts_in_arrears",
    "Current tenancies' rent accounts owing more than the current rent week's charges",
)
ARREARS_PENCE = Gauge(
    "hearth_income_arrears_pence",
    "Current tenancies' arrears, in pence (what is owed beyond the current week's charges)",
)
COURT_TERMS_BROKEN = Gauge(
    "hearth_income_court_terms_broken",
    "Current tenancies' arrears cases whose court's latest terms (an order or adjournment "
    "on terms) are broken: each waits for the officer's next legal step (ADR 0084)",
)
RENT_CHARGED = Counter(
    "hearth_income_rent_charged_accounts",
    "Rent accounts charged a rent week by the rent run (scheduler or command line)",
)
