"""Every event type, by producing service. Importing this package registers them all."""

from hearth_contracts.events import compliance, engagement, income, repairs, visits
from hearth_contracts.events.base import Event, event_class, event_types

__all__ = [
    "Event",
    "compliance",
    "engagement",
    "event_class",
    "event_types",
    "income",
    "repairs",
    "visits",
]
