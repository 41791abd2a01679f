"""The inbox's fast parse of a well-formed message builds what the contracts build, and
anything irregular is still named by the contracts' parser."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from hearth_contracts import Envelope
from hearth_contracts.envelope import parse_message
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
)
from hearth_kit.inbox import Message, Poison, parse, sampled


def a_home(traceparent: str | None = None) -> Envelope[PropertyRegistered]:
    return Envelope(
        data=PropertyRegistered(
            uprn="100023336956",
            address_line_1="1 Church Road",
            town="Leeds",
            postcode="LS6 2AB",
            property_type=PropertyType.HOUSE,
            heating_fuel=HeatingFuel.GAS,
            gas_supply=GasSupply.LIVE,
            registered_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        ),
        traceparent=traceparent,
        tracestate="hearth=1" if traceparent else None,
    )


def message_of(envelope: Envelope[PropertyRegistered]) -> Message:
    return Message(
        "hearth.compliance.events", 0, 7, b"k", envelope.value(), tuple(envelope.headers())
    )


@pytest.mark.parametrize("traceparent", [None, f"00-{'a' * 32}-{'b' * 16}-01"])
def test_a_well_formed_message_parses_to_the_envelope_it_was_made_from(
    traceparent: str | None,
) -> None:
    sent = a_home(traceparent)
    parsed = parse(message_of(sent))
    assert parsed == sent
    assert parsed == parse_message(sent.headers(), sent.value())
    assert isinstance(parsed.id, uuid.UUID)
    assert hash(parsed.id) == hash(sent.id)
    assert {parsed.id} == {sent.id}
    assert str(parsed.id) == str(sent.id)
    assert parsed.type == PropertyRegistered.type
    assert parsed.key == sent.key


def test_an_irregular_message_is_poison_named_by_the_contracts_parser() -> None:
    sent = a_home()
    headers = tuple((k, b"not-a-uuid" if k == "ce_id" else v) for k, v in sent.headers())
    with pytest.raises(Poison, match="ce_id"):
        parse(Message("t", 0, 1, None, sent.value(), headers))
    with pytest.raises(Poison, match="postcode"):
        parse(Message("t", 0, 1, None, b'{"uprn": "1"}', tuple(sent.headers())))


def test_a_time_without_an_offset_is_poison_not_a_moment_read_as_local() -> None:
    """CloudEvents' time is RFC 3339, always with an offset; a naive ce_time passed the
    fast parse and became envelope.time, the version engagement's
    projections keep and the moment letters are queued at."""
    sent = a_home()
    headers = tuple((k, b"2026-11-30T10:00:00" if k == "ce_time" else v) for k, v in sent.headers())
    with pytest.raises(Poison, match="ce_time"):
        parse(Message("t", 0, 1, None, sent.value(), headers))


@pytest.mark.parametrize(
    ("flags", "expected"),
    [("01", True), ("00", False), ("03", True), ("0f", True), ("fe", False), ("-1", False)],
)
def test_an_event_is_traced_when_its_traceparent_has_the_sampled_flag(
    flags: str, expected: bool
) -> None:
    assert sampled(f"00-{'a' * 32}-{'b' * 16}-{flags}") is expected


def test_an_event_without_a_whole_traceparent_is_not_traced() -> None:
    assert not sampled(None)
    assert not sampled("00-abc-01")
