"""hearth-contracts: Hearth's public language (events, topics, value types)."""

from hearth_contracts.envelope import Envelope, EnvelopeError, parse_message
from hearth_contracts.events import Event, event_class, event_types
from hearth_contracts.topics import SERVICES, dead_letter_topic, events_topic

__all__ = [
    "SERVICES",
    "Envelope",
    "EnvelopeError",
    "Event",
    "dead_letter_topic",
    "event_class",
    "event_types",
    "events_topic",
    "parse_message",
]
