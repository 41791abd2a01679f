"""The calls a composite makes, each bounded, none able to fail the whole.

A composite (the home overview, the tenancy overview, the resident contact view) asks
several services at once with `asyncio.gather`. Each call here answers an `Answer`:
the value, or that the thing does not exist (404), or that the service did not answer
(timeout, connection refused, 5xx, a body of the wrong shape), which the composite
reports in `degraded` while still returning the rest. Each call is bounded by the
read budget (`downstream_timeout_seconds`), so a composite that must ask in two steps
(the resident, then what is at their home) answers within two budgets however slow a
service is.

Need to know: a part whose scope the token lacks is never asked for (`withheld`); the
composite names it in `withheld`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.auth import Principal
from gateway.clients import DownstreamFailure, Downstreams
from hearth_contracts.topics import Service
from hearth_kit.logs import get_logger

log = get_logger(__name__)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What one call brought back."""

    service: Service
    value: Any = None
    answered: bool = True
    not_found: bool = False
    asked: bool = True
    problem: JsonObject | None = None
    """The service's problem details when it answered 404: what it said about the
    thing (a resident merged into another names the one kept, `merged_into`)."""


def withheld(service: Service) -> Answer:
    """The answer for a part the token may not see: not asked, nothing degraded."""
    return Answer(service, asked=False)


def unanswered(service: Service, route: str, reason: str) -> Answer:
    # failure=, not reason=: `reason` is a personal key (a complaint's extension reason is
    # free text), so the logs would show it redacted.
    log.warning("composite part degraded", service=service, route=route, failure=reason)
    return Answer(service, answered=False)


async def fetch_object(
    downstreams: Downstreams,
    caller: Principal,
    service: Service,
    path: str,
    *,
    route: str,
    params: dict[str, str] | None = None,
) -> Answer:
    """One JSON object (`GET path`); `route` is the path template, for the logs."""
    try:
        status, body = await downstreams.get_json(service, path, caller, params, route=route)
    except DownstreamFailure as failure:
        return unanswered(service, route, failure.reason)
    if status == 404:
        return Answer(service, not_found=True, problem=body if isinstance(body, dict) else None)
    if status != 200 or not isinstance(body, dict):
        return unanswered(service, route, f"answered {status}")
    return Answer(service, body)


async def fetch_items(
    downstreams: Downstreams,
    caller: Principal,
    service: Service,
    path: str,
    *,
    params: dict[str, str],
) -> Answer:
    """The first page of a list (`{"items": [...], "next_cursor": ...}`) as its items."""
    try:
        status, body = await downstreams.get_json(service, path, caller, params, route=path)
    except DownstreamFailure as failure:
        return unanswered(service, path, failure.reason)
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return unanswered(service, path, f"answered {status} without a list page")
    items = [item for item in body["items"] if isinstance(item, dict)]
    return Answer(service, items)


RENT_SUMMARY = "rent_summary"
"""Income's `include` value on `GET /v1/tenancies` that puts each tenancy's rent account
summary in its item (`rent_summary`), so the rent part costs no second call."""


def current_tenancy_params(uprn: str, *, with_rent: bool) -> dict[str, str]:
    """The query of income `GET /v1/tenancies` for a home's current tenancy; with its
    rent account summary only when the rent part may be shown (need to know)."""
    params = {"uprn": uprn, "status": "current"}
    if with_rent:
        params["include"] = RENT_SUMMARY
    return params


def first_tenancy(tenancies: Answer) -> JsonObject | None:
    """The current tenancy from a tenancy list's answer, without its `rent_summary`
    (that is the rent part, shown under its own scope)."""
    value = tenancies.value
    if not isinstance(value, list) or not value:
        return None
    first: JsonObject = value[0]
    if RENT_SUMMARY not in first:
        return first
    return {key: item for key, item in first.items() if key != RENT_SUMMARY}


def rent_of_tenancies(tenancies: Answer) -> Answer:
    """The rent part from a tenancy list read with `include=rent_summary`: the current
    tenancy's rent account summary (None without a tenancy or a rent account), or the
    list's own failure when income did not answer."""
    if not tenancies.answered:
        return tenancies
    value = tenancies.value
    first = value[0] if isinstance(value, list) and value else None
    summary = first.get(RENT_SUMMARY) if isinstance(first, dict) else None
    return Answer("income", summary if isinstance(summary, dict) else None)


COMPLIANCE_STATUS = "compliance_status"
"""Compliance's `include` value on `GET /v1/homes/{uprn}` that puts the home's
compliance status (what `GET /v1/compliance/homes/{uprn}` answers) in the home, so the
gas part costs no second call."""


def home_and_compliance_status(home: Answer, *, shown: bool) -> tuple[Answer, Answer]:
    """The home part and the gas part from one compliance read of the home (asked with
    `include=compliance_status` only when `shown`): the home without the status, and the
    status (None for a home compliance does not know; withheld when not `shown`; the
    home's own failure when compliance did not answer)."""
    if not shown:
        return home, withheld("compliance")
    if not home.answered or not isinstance(home.value, dict):
        return home, home
    status = home.value.get(COMPLIANCE_STATUS)
    without = {key: value for key, value in home.value.items() if key != COMPLIANCE_STATUS}
    return Answer("compliance", without), Answer(
        "compliance", status if isinstance(status, dict) else None
    )


def part_of(answer: Answer, key: str, *, shown: bool) -> Answer:
    """One list of a JSON object that holds several (repairs' `GET /v1/repairs/homes/
    {uprn}`: `open_repairs`, `appointment_requests`), as that part's answer."""
    if not shown:
        return withheld(answer.service)
    if not answer.answered or not isinstance(answer.value, dict):
        return answer
    items = answer.value.get(key)
    if not isinstance(items, list):
        return unanswered(answer.service, key, "answered without the list")
    return Answer(answer.service, [item for item in items if isinstance(item, dict)])


def degraded_services(*answers: Answer) -> list[Service]:
    """The services that did not answer, each once, in order."""
    return list(dict.fromkeys(a.service for a in answers if a.asked and not a.answered))
