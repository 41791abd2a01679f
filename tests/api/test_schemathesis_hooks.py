"""What the Schemathesis hooks let through, and what they never do (no broker needed)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.api.schemathesis_hooks import DOMAIN_REFUSALS, before_call, filter_failure
from tests.harness.infra import REPO


@dataclass
class Operation:
    method: str
    path: str


@dataclass
class Mode:
    is_positive: bool


@dataclass
class Generation:
    mode: Mode


@dataclass
class Meta:
    generation: Generation


@dataclass
class Case:
    operation: Operation
    positive: bool = True
    query: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    meta: Meta = field(init=False)

    def __post_init__(self) -> None:
        self.meta = Meta(Generation(Mode(self.positive)))


@dataclass
class Failure:
    code: str
    message: str = ""


@dataclass
class Response:
    content: bytes


def problem(kind: str, *fields: str, error_type: str = "value_error") -> Response:
    body = {
        "type": f"https://hearth.example/problems/{kind}",
        "status": 422,
        "errors": [{"field": f, "type": error_type} for f in fields],
    }
    return Response(json.dumps(body).encode())


GAS = Operation("POST", "/v1/gas-safety-records")


def test_a_refusal_listed_for_its_operation_and_field_is_let_through() -> None:
    refused = Failure("ST202")
    assert not filter_failure(None, refused, Case(GAS), problem("unprocessable", "uprn"))
    assert not filter_failure(
        None, refused, Case(GAS), problem("unprocessable", "defects.3.appliance_index")
    )


def test_a_whole_number_written_with_a_fraction_may_be_refused() -> None:
    """5.0 is an integer to JSON Schema; a strict integer field refuses it."""
    pence = problem("validation", "amount_pence", error_type="int_type")
    assert not filter_failure(None, Failure("ST202"), Case(GAS), pence)


def test_anything_else_still_fails() -> None:
    refused = Failure("ST202")
    # a field not listed, a validation problem, another operation, another check
    assert filter_failure(None, refused, Case(GAS), problem("unprocessable", "engineer_name"))
    assert filter_failure(None, refused, Case(GAS), problem("validation", "uprn"))
    other = Case(Operation("POST", "/v1/homes"))
    assert filter_failure(None, refused, other, problem("unprocessable", "uprn"))
    assert filter_failure(None, Failure("ST103"), Case(GAS), problem("unprocessable", "uprn"))


def test_a_schema_violating_request_accepted_always_fails() -> None:
    """Request bodies are strict about JSON types now (hearth_kit.strict_types): a value
    of another type accepted is a fault like any other."""
    coerced = Failure("ST201", "Invalid component: in body - lives_alone: Incorrect type")
    too_long = Failure("ST201", "Invalid component: in body - full_name: Value too long")
    assert filter_failure(None, coerced, Case(GAS, positive=False), Response(b"{}"))
    assert filter_failure(None, too_long, Case(GAS, positive=False), Response(b"{}"))


def test_an_undocumented_method_answered_otherwise_always_fails() -> None:
    """GET /v1/homes/import at the gateway is a 405 now (the overview takes only a UPRN)."""
    shadowed = Failure("ST204", "Unsupported methods: method GET returned 422")
    import_ = Case(Operation("GET", "/v1/homes/import"), positive=False)
    assert filter_failure(None, shadowed, import_, Response(b"{}"))


def test_a_message_template_or_a_language_given_is_never_a_domain_refusal() -> None:
    """The templates are an enum and a given language a pattern in the schema; only the
    resident's own language, used when none is given, may still be refused."""
    messages = Case(Operation("POST", "/v1/residents/{resident_id}/messages"))
    refused = Failure("ST202")
    assert filter_failure(None, refused, messages, problem("unprocessable", "template"))
    assert filter_failure(None, refused, messages, problem("unprocessable"))
    assert not filter_failure(None, refused, messages, problem("unprocessable", "language"))


def test_a_schema_valid_request_gets_a_fresh_key_and_no_made_up_cursor() -> None:
    case = Case(GAS, query={"cursor": "0", "limit": 5}, headers={"Idempotency-Key": "0"})
    before_call(None, case)
    assert case.query == {"limit": 5}
    assert case.headers is not None
    assert case.headers["Idempotency-Key"] != "0"
    negative = Case(GAS, positive=False, query={"cursor": "0"}, headers={"Idempotency-Key": ""})
    before_call(None, negative)
    assert negative.query == {"cursor": "0"}
    assert negative.headers == {"Idempotency-Key": ""}


def test_a_body_refused_for_several_reasons_each_allowed_is_let_through() -> None:
    """A work order line's depends_on written 6.0 (a whole number with a fraction) and
    its quantity with more than two decimal places, in one body (c736c70 gave a line
    its first list of integers): each reason alone is let through, so both together are;
    with a reason not allowed among them it still fails."""
    orders = Case(Operation("POST", "/v1/work-orders"))
    refused = Failure("ST202")

    def errors(*found: tuple[str, str]) -> Response:
        body = {
            "type": "https://hearth.example/problems/validation",
            "status": 422,
            "errors": [{"field": f, "type": t} for f, t in found],
        }
        return Response(json.dumps(body).encode())

    both = errors(
        ("lines.0.depends_on.1", "int_type"),
        ("lines.0.quantity", "decimal_max_digits"),
    )
    assert not filter_failure(None, refused, orders, both)
    with_another = errors(
        ("lines.0.depends_on.1", "int_type"),
        ("lines.0.sor_code", "string_too_long"),
    )
    assert filter_failure(None, refused, orders, with_another)
    assert filter_failure(None, refused, orders, errors())


def test_a_future_moment_refused_anywhere_is_listed_for_some_operation() -> None:
    """Every field a service refuses "in the future" by its literal name is a
    DOMAIN_REFUSALS field of some operation: JSON Schema has no 'today', so Schemathesis
    sends days to come. The cancellation's cancelled_at, checked before the appointment
    is looked up, was missed until a CI run generated 2027-01-04 (December 2026)."""
    root = REPO / "services"
    refused: set[str] = set()
    for source in root.glob("*/src/**/*.py"):
        text = source.read_text()
        refused |= set(re.findall(r'in the future"[^)]*?field="(\w+)"', text, re.S))
        refused |= set(re.findall(r'refuse_future\([^,]+, now, "(\w+)"\)', text))
    listed = {name.rsplit(".", 1)[-1] for fields in DOMAIN_REFUSALS.values() for name in fields}
    assert {"cancelled_at", "completed_at", "received_at"} <= refused  # the scan finds them
    assert refused - listed == set()


def test_a_future_cancellation_of_an_unknown_appointment_is_let_through() -> None:
    cancel = Case(Operation("POST", "/v1/appointments/{appointment_id}/cancel"))
    future = problem("unprocessable", "cancelled_at")
    assert not filter_failure(None, Failure("ST202"), cancel, future)
