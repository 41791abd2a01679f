"""The CloudEvents envelope and the rules every event type follows."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import hearth_contracts
from hearth_contracts import Envelope, EnvelopeError, Event, event_class, event_types, parse_message
from hearth_contracts.envelope import dataschema_for
from hearth_contracts.events.base import NAME_PATTERN
from hearth_contracts.events.income import RentCharged
from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_contracts.topics import SERVICES, dead_letter_topic, events_topic
from hearth_contracts.values import Uprn

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
ALL_TYPES = sorted(event_types())


def visit_completed(**overrides: object) -> VisitCompleted:
    fields: dict[str, object] = {
        "visit_id": uuid.uuid4(),
        "uprn": "100023336956",
        "kind": VisitKind.FULL,
        "completed_at": datetime(2025, 10, 27, 10, 0, tzinfo=UTC),
        "repairs_found": 5,
        "hazards_found": 1,
    }
    fields.update(overrides)
    return VisitCompleted.model_validate(fields)


# --- the envelope ------------------------------------------------------------------


def test_round_trip_through_headers_and_value() -> None:
    sent = Envelope(data=visit_completed(), traceparent=TRACEPARENT, tracestate="hearth=1")
    received = parse_message(sent.headers(), sent.value())
    assert received.data == sent.data
    assert type(received.data) is VisitCompleted
    assert received.id == sent.id
    assert received.time == sent.time
    assert received.traceparent == TRACEPARENT
    assert received.tracestate == "hearth=1"
    assert received.key == sent.data.uprn
    assert received.subject == str(sent.data.visit_id)


def test_headers_are_the_cloudevents_binary_mode_attributes() -> None:
    envelope = Envelope(data=visit_completed(), traceparent=TRACEPARENT)
    headers = dict(envelope.headers())
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"uk.hearth.visits.visit-completed.v1"
    assert headers["ce_source"] == b"/hearth/visits"
    assert headers["ce_subject"] == str(envelope.data.visit_id).encode()
    assert headers["ce_dataschema"] == b"urn:hearth:schema:uk.hearth.visits.visit-completed.v1"
    assert headers["content-type"] == b"application/json"
    assert headers["traceparent"] == TRACEPARENT.encode()
    assert uuid.UUID(headers["ce_id"].decode()) == envelope.id
    assert datetime.fromisoformat(headers["ce_time"].decode()).tzinfo is not None
    assert json.loads(envelope.value())["uprn"] == "100023336956"


def test_no_trace_headers_without_a_trace() -> None:
    names = [name for name, _ in Envelope(data=visit_completed()).headers()]
    assert "traceparent" not in names
    assert "tracestate" not in names


def test_every_event_has_a_fresh_id() -> None:
    data = visit_completed()
    assert Envelope(data=data).id != Envelope(data=data).id


def test_unknown_type_is_a_key_error() -> None:
    envelope = Envelope(data=visit_completed())
    headers = [
        (k, b"uk.hearth.visits.visit-exploded.v1" if k == "ce_type" else v)
        for k, v in envelope.headers()
    ]
    with pytest.raises(KeyError):
        parse_message(headers, envelope.value())
    with pytest.raises(KeyError):
        event_class("uk.hearth.visits.visit-completed.v99")


@pytest.mark.parametrize("missing", ["ce_specversion", "ce_id", "ce_type", "ce_time"])
def test_missing_header_is_an_envelope_error(missing: str) -> None:
    envelope = Envelope(data=visit_completed())
    headers = [(k, v) for k, v in envelope.headers() if k != missing]
    with pytest.raises(EnvelopeError, match=missing):
        parse_message(headers, envelope.value())


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ce_specversion", b"0.3"),
        ("ce_id", b"not-a-uuid"),
        ("ce_time", b"yesterday"),
        # RFC 3339 (CloudEvents' time) always has an offset: without one the moment is
        # unknown, and handlers version projections and date letters by it
        ("ce_time", b"2026-11-30T10:00:00"),
    ],
)
def test_bad_header_is_an_envelope_error(header: str, value: bytes) -> None:
    envelope = Envelope(data=visit_completed())
    headers = [(k, value if k == header else v) for k, v in envelope.headers()]
    with pytest.raises(EnvelopeError):
        parse_message(headers, envelope.value())


def test_data_that_does_not_match_the_schema_is_a_validation_error() -> None:
    envelope = Envelope(data=visit_completed())
    value = json.loads(envelope.value())
    del value["uprn"]
    with pytest.raises(ValidationError):
        parse_message(envelope.headers(), json.dumps(value).encode())
    with pytest.raises(ValidationError):
        parse_message(envelope.headers(), None)


def test_unknown_fields_are_ignored_so_adding_optional_fields_is_compatible() -> None:
    envelope = Envelope(data=visit_completed())
    value = {**json.loads(envelope.value()), "added_in_a_later_release": 1}
    received = parse_message(envelope.headers(), json.dumps(value).encode())
    assert received.data == envelope.data


@pytest.mark.parametrize("ce_type", ALL_TYPES)
def test_every_event_type_round_trips(
    ce_type: str, example_event: Callable[[type[Event]], Event]
) -> None:
    data = example_event(event_class(ce_type))
    sent = Envelope(data=data, traceparent=TRACEPARENT)
    received = parse_message(sent.headers(), sent.value())
    assert received.data == data
    assert received.type == ce_type
    assert received.dataschema == dataschema_for(ce_type)
    assert received.key == str(getattr(data, data.key_field))
    assert received.subject == str(getattr(data, data.subject_field))


def test_topics() -> None:
    assert events_topic("repairs") == "hearth.repairs.events"
    assert events_topic("repairs", namespace="t1") == "t1.hearth.repairs.events"
    assert dead_letter_topic("repairs", "hearth.repairs") == "hearth.repairs.dlq.hearth.repairs"
    with pytest.raises(ValueError, match="unknown service"):
        events_topic("gateway")


# --- value types -------------------------------------------------------------------

UPRN = TypeAdapter(Uprn)


@pytest.mark.parametrize("uprn", ["0", "1", "100023336956", "000000000001"])
def test_uprn_accepts_1_to_12_digits(uprn: str) -> None:
    assert UPRN.validate_python(uprn) == uprn


@pytest.mark.parametrize(
    "uprn", ["", "1234567890123", "abc", "12a", " 1", "1 ", "12\n", "-1", "1.0", "١٢٣"]
)
def test_uprn_rejects_anything_else(uprn: str) -> None:
    with pytest.raises(ValidationError):
        UPRN.validate_python(uprn)


@given(st.from_regex(r"\A[0-9]{1,12}\Z"))
def test_uprn_accepts_any_digits(uprn: str) -> None:
    assert UPRN.validate_python(uprn) == uprn


@given(st.text(max_size=20))
def test_uprn_rejects_what_is_not_1_to_12_ascii_digits(text: str) -> None:
    if re.fullmatch(r"[0-9]{1,12}", text):
        assert UPRN.validate_python(text) == text
    else:
        with pytest.raises(ValidationError):
            UPRN.validate_python(text)


def test_uprn_is_not_an_integer() -> None:
    with pytest.raises(ValidationError):
        UPRN.validate_python(100023336956)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        visit_completed(completed_at=datetime(2025, 10, 27, 10, 0))


def test_rent_weeks_start_on_monday(example_event: Callable[[type[Event]], Event]) -> None:
    charge = example_event(RentCharged)
    with pytest.raises(ValidationError, match="Monday"):
        RentCharged.model_validate(
            {**charge.model_dump(), "week_starting": "2025-10-28"}  # a Tuesday
        )


def test_events_are_frozen() -> None:
    event = visit_completed()
    with pytest.raises(ValidationError):
        event.uprn = "1"  # type: ignore[misc]  # the point: assigning a frozen field fails


# --- the rules every event type follows --------------------------------------------

REQUIRED_TYPES = {
    "visits": [
        "visit-scheduled",
        "visit-completed",
        "visit-no-access",
        "visit-declined",
        "visit-found-repair",
        "hazard-identified",
        "tenancy-concern-raised",
        "resident-details-confirmed",
    ],
    "repairs": [
        "repair-reported",
        "appointment-booked",
        "appointment-missed",
        "repair-completed",
        "recharge-raised",
        "hazard-deadline-breached",
        "damp-mould-case-opened",
    ],
    "compliance": [
        "property-registered",
        "check-due",
        "check-completed",
        "certificate-expired",
        "access-failed",
        "access-escalated",
        "safety-defect-found",
    ],
    "income": [
        "tenancy-started",
        "tenancy-ended",
        "rent-charged",
        "payment-received",
        "arrears-stage-changed",
        "arrangement-made",
        "arrangement-broken",
        "former-tenant-arrears-written-off",
    ],
    "engagement": [
        "resident-registered",
        "resident-updated",
        "vulnerability-recorded",
        "complaint-received",
        "complaint-escalated",
        "complaint-deadline-breached",
        "survey-responded",
    ],
}


def test_the_catalogue_is_complete() -> None:
    types = event_types()
    assert len(types) >= 32
    for service, names in REQUIRED_TYPES.items():
        for name in names:
            assert f"uk.hearth.{service}.{name}.v1" in types
    assert {cls.service for cls in types.values()} == set(SERVICES)


def test_the_package_registers_every_type_on_import() -> None:
    assert hearth_contracts.event_types() == event_types()


@pytest.mark.parametrize("ce_type", ALL_TYPES)
def test_event_type_declaration(ce_type: str) -> None:
    cls = event_class(ce_type)
    assert NAME_PATTERN.fullmatch(cls.name), "event names are kebab-case"
    assert cls.type == f"uk.hearth.{cls.service}.{cls.name}.v{cls.version}"
    assert cls.service in SERVICES
    assert (cls.__doc__ or "").strip(), "the docstring is the event's meaning"
    assert cls.meaning
    for field in (cls.key_field, cls.subject_field):
        assert field in cls.model_fields
        assert cls.model_fields[field].is_required()
    if "uprn" in cls.model_fields:
        assert cls.key_field == "uprn", "where a home applies, the key is its UPRN"
    assert cls.model_config.get("extra") == "ignore"
    assert cls.model_config.get("frozen") is True


@pytest.mark.parametrize("ce_type", ALL_TYPES)
def test_money_is_integer_pence_and_times_are_aware(ce_type: str) -> None:
    cls = event_class(ce_type)
    properties = cls.model_json_schema()["properties"]
    for name, field in cls.model_fields.items():
        annotation = str(field.annotation)
        assert "float" not in annotation, name
        assert "Decimal" not in annotation, name
        if "pence" in name:
            assert field.annotation in (int, int | None), f"{name}: pence are integers"
        schema = properties[name]
        formats = [alt.get("format") for alt in schema.get("anyOf", [schema])]
        if name.endswith("_at"):
            assert "date-time" in formats, f"{name}: a moment is a date-time"
        if "date-time" in formats:
            with pytest.raises(ValidationError, match="timezone"):
                TypeAdapter(field.annotation).validate_python(datetime(2025, 1, 1))


FREE_TEXT_ALLOWED = {
    # about the home or the work, written by staff or contractors
    ("uk.hearth.visits.visit-found-repair.v1", "description"),
    ("uk.hearth.visits.visit-found-repair.v1", "location"),
    ("uk.hearth.visits.hazard-identified.v1", "description"),
    ("uk.hearth.visits.hazard-identified.v1", "location"),
    ("uk.hearth.repairs.repair-reported.v1", "description"),
    ("uk.hearth.repairs.repair-reported.v1", "location"),
    ("uk.hearth.repairs.repair-reported.v2", "description"),
    ("uk.hearth.repairs.repair-reported.v2", "location"),
    ("uk.hearth.compliance.safety-defect-found.v1", "description"),
    ("uk.hearth.compliance.safety-defect-found.v1", "location"),
    # compliance's own wording; the storey, or the room the register names an appliance in
    ("uk.hearth.compliance.required-alarm-missing.v1", "description"),
    ("uk.hearth.compliance.required-alarm-missing.v1", "location"),
    ("uk.hearth.compliance.property-registered.v1", "address_line_1"),
    ("uk.hearth.compliance.property-registered.v1", "address_line_2"),
    ("uk.hearth.compliance.property-registered.v1", "town"),
    ("uk.hearth.compliance.property-updated.v1", "address_line_1"),
    ("uk.hearth.compliance.property-updated.v1", "address_line_2"),
    ("uk.hearth.compliance.property-updated.v1", "town"),
    # a person's name, needed to book visits and address letters
    ("uk.hearth.income.tenancy-started.v1", "tenants[].full_name"),
    ("uk.hearth.engagement.resident-registered.v1", "full_name"),
    ("uk.hearth.engagement.resident-updated.v1", "full_name"),
}
"""Free-text fields in the catalogue. Anything about a person is published as codes
and flags, never free text: adding a free-text field means adding it here, in review."""


def _free_text_fields(node: dict, root: dict, path: str = "") -> list[str]:
    if "$ref" in node:
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        return _free_text_fields(target, root, path)
    found: list[str] = []
    for alternative in node.get("anyOf", []):
        found += _free_text_fields(alternative, root, path)
    if node.get("type") == "object":
        for name, prop in node.get("properties", {}).items():
            found += _free_text_fields(prop, root, f"{path}.{name}" if path else name)
    if node.get("type") == "array":
        found += _free_text_fields(node["items"], root, f"{path}[]")
    if (
        node.get("type") == "string"
        and not {"enum", "const", "format", "pattern"} & set(node)
        and node.get("maxLength", 10_000) > 64
    ):
        found.append(path)
    return found


def test_no_free_text_about_people() -> None:
    found = set()
    for ce_type, cls in event_types().items():
        schema = cls.model_json_schema()
        found |= {(ce_type, path) for path in _free_text_fields(schema, schema)}
    unexpected = found - FREE_TEXT_ALLOWED
    assert not unexpected, f"free-text fields need review (codes, not text): {sorted(unexpected)}"
