"""A contractor's status update: the rules joining its fields are stated in its JSON
Schema as the service enforces them, so a contractor's system (and Schemathesis) can
tell a body the service will refuse from the document alone. Every combination of the
fields that take part is tried both ways; the one rule JSON Schema cannot state (the
window's end after its start) is the only refusal of a schema-valid body."""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema
import pytest

from hearth_kit.problems import Unprocessable
from repairs.orders.schemas import ContractorStatus, StatusUpdate
from repairs.orders.service import appointment_window, refuse_resident_asked_without_a_window

START = "2026-11-30T09:00:00Z"
END = "2026-11-30T12:00:00Z"
ABSENT = object()
"""A field left out of the body (not the same as null)."""

VALIDATOR = jsonschema.Draft202012Validator(StatusUpdate.model_json_schema())


def _service_accepts(body: dict[str, Any]) -> bool:
    update = StatusUpdate.model_validate(body)
    try:
        appointment_window(update)
        refuse_resident_asked_without_a_window(update)
    except Unprocessable:
        return False
    return True


BODIES = [
    {
        name: value
        for name, value in (
            ("status", status.value),
            ("appointment_start", start),
            ("appointment_end", end),
            ("resident_asked", asked),
        )
        if value is not ABSENT
    }
    for status, start, end, asked in itertools.product(
        ContractorStatus, (ABSENT, None, START), (ABSENT, None, END), (ABSENT, False, True)
    )
]


@pytest.mark.parametrize(
    "body", BODIES, ids=lambda body: ",".join(f"{k}={v}" for k, v in body.items())
)
def test_the_document_refuses_what_the_service_refuses(body: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(body) is _service_accepts(body)


def test_a_window_ending_before_it_starts_is_refused_by_the_service_alone() -> None:
    """End not after start: schema-valid (JSON Schema compares no two values), refused by
    the service naming appointment_end; the Schemathesis hooks list it."""
    body = {"status": "appointment_made", "appointment_start": END, "appointment_end": START}
    assert VALIDATOR.is_valid(body)
    with pytest.raises(Unprocessable) as refused:
        appointment_window(StatusUpdate.model_validate(body))
    assert refused.value.extensions["field"] == "appointment_end"


def test_some_bodies_of_each_kind_are_tried() -> None:
    """The product above holds bodies the document takes and bodies it refuses, so the
    comparison cannot pass by both sides saying the same thing of everything."""
    verdicts = {VALIDATOR.is_valid(body) for body in BODIES}
    assert verdicts == {True, False}
    assert len(BODIES) == len(ContractorStatus) * 27
