"""CloudEvents 1.0 envelope in the Kafka protocol binding's binary mode.

The Kafka message value is the event's `data` as JSON; the context attributes travel
as headers (`ce_specversion`, `ce_id`, `ce_source`, `ce_type`, `ce_subject`, `ce_time`,
`ce_dataschema`, `content-type`) plus the W3C `traceparent` of the request that caused
the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from hearth_contracts.events.base import Event, event_class

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SCHEMA_BASE = "urn:hearth:schema:"

E = TypeVar("E", bound=Event, covariant=True)  # a frozen envelope of a subtype is one of its base

Headers = Sequence[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """A message that is not a valid Hearth CloudEvent."""


def source_for(service: str) -> str:
    return f"/hearth/{service}"


def dataschema_for(ce_type: str) -> str:
    return f"{SCHEMA_BASE}{ce_type}"


@dataclass(frozen=True)
class Envelope(Generic[E]):
    """One event with its CloudEvents context attributes."""

    data: E
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None
    tracestate: str | None = None

    @property
    def type(self) -> str:
        return self.data.type

    @property
    def source(self) -> str:
        return source_for(self.data.service)

    @property
    def subject(self) -> str:
        return self.data.subject()

    @property
    def key(self) -> str:
        return self.data.key()

    @property
    def dataschema(self) -> str:
        return dataschema_for(self.type)

    def value(self) -> bytes:
        """The Kafka message value: the data as JSON."""
        return self.data.model_dump_json().encode()

    def headers(self) -> list[tuple[str, bytes]]:
        """The Kafka message headers (binary content mode)."""
        headers = [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", str(self.id).encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_subject", self.subject.encode()),
            ("ce_time", self.time.isoformat().encode()),
            ("ce_dataschema", self.dataschema.encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]
        if self.traceparent:
            headers.append(("traceparent", self.traceparent.encode()))
        if self.tracestate:
            headers.append(("tracestate", self.tracestate.encode()))
        return headers


def header_map(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """Kafka headers as a dict of text (the last value wins)."""
    return {k: (v or b"").decode("utf-8", errors="replace") for k, v in headers}


def parse_message(
    headers: Iterable[tuple[str, bytes | None]], value: bytes | None
) -> Envelope[Event]:
    """Rebuild an envelope from a Kafka message.

    Raises EnvelopeError when a required attribute is missing, KeyError when the
    event type is unknown to this build of the contracts, and pydantic's
    ValidationError when the data does not match the type's schema.
    """
    attrs = header_map(headers)
    missing = [h for h in ("ce_specversion", "ce_id", "ce_type", "ce_time") if h not in attrs]
    if missing:
        raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise EnvelopeError(f"unsupported specversion {attrs['ce_specversion']!r}")
    try:
        event_id = uuid.UUID(attrs["ce_id"])
        time = datetime.fromisoformat(attrs["ce_time"])
    except ValueError as exc:
        raise EnvelopeError(f"bad ce_id or ce_time: {exc}") from exc
    if time.tzinfo is None:
        # CloudEvents' time is RFC 3339, always with an offset: a moment without one
        # is not a moment (handlers version projections by it and date letters by it)
        raise EnvelopeError("bad ce_time: no UTC offset")
    model = event_class(attrs["ce_type"])
    data = model.model_validate_json(value or b"")
    return Envelope(
        data=data,
        id=event_id,
        time=time,
        traceparent=attrs.get("traceparent"),
        tracestate=attrs.get("tracestate"),
    )
