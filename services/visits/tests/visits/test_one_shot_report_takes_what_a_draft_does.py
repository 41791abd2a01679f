"""The one-shot report takes the customer actions promised, the communal issues noticed
and the referrals to the sustainable tenancy caseload a draft takes (DOMAIN.md: a visit
report holds communal and estate issues and customer actions promised, carried to the next
visit), by the same rules and with the same events: an action open for the next visit, a
communal-issue-found, a tenancy-concern-raised naming the referral and the tenancy on the
sustainable tenancy caseload with its review date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.visits.tests.caseloads.test_caseloads import REVIEW_ON, caseload_of
from services.visits.tests.factories import JUST_VISITED, a_uprn, event_names, outbox_rows
from services.visits.tests.test_handlers import handle, registered, started
from services.visits.tests.visits.test_one_shot_report_confirms_the_household import (
    booked,
    report,
)

DUE_ON = (london_day(datetime.now(UTC)) + timedelta(days=14)).isoformat()


async def a_tenanted_home(db: Database) -> tuple[str, uuid.UUID]:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    return uprn, tenancy_id


async def test_a_one_shot_report_promises_actions_notes_communal_issues_and_refers(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_tenanted_home(visits_database)
    visit_id = await booked(visits, uprn)
    response = await report(
        visits,
        visit_id,
        customer_actions=[{"description": "Refer to the money advice team", "due_on": DUE_ON}],
        communal_issues=[{"issue": "lighting", "location": "Stairwell, second floor"}],
        tenancy_concerns=[
            {"concern": "hoarding", "refer_to_sustainable_tenancy": True, "review_on": REVIEW_ON},
        ],
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    [action] = visit["customer_actions"]
    assert (action["description"], action["due_on"], action["status"]) == (
        "Refer to the money advice team",
        DUE_ON,
        "open",
    )
    assert [(i["issue"], i["location"]) for i in visit["communal_issues"]] == [
        ("lighting", "Stairwell, second floor")
    ]

    rows = await outbox_rows(visits_database, uprn)
    assert {"communal-issue-found", "tenancy-concern-raised"} <= set(event_names(rows))
    [raised] = [r["data"] for r in rows if r["event_type"].endswith("tenancy-concern-raised.v1")]
    assert (raised["referred_to"], raised["review_on"]) == ("sustainable_tenancy", REVIEW_ON)
    [found] = [r["data"] for r in rows if r["event_type"].endswith("communal-issue-found.v1")]
    assert found["issue"] == "lighting"

    referred = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert (referred["caseload"], referred["review_on"]) == ("sustainable_tenancy", REVIEW_ON)
    assert str(tenancy_id) not in await caseload_of(visits, "officer-e8")

    # carried to the next visit, and outstanding in the programme
    following = await booked(visits, uprn)
    briefing = (await visits.get(f"/v1/visits/{following}/briefing")).json()
    assert [a["id"] for a in briefing["customer_actions_outstanding"]] == [action["id"]]
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert priority["factors"]["customer_actions_outstanding"] == 1


async def refused(
    visits: httpx.AsyncClient, uprn: str, outcome: dict[str, Any], **fields: object
) -> str:
    visit_id = await booked(visits, uprn)
    response = await report(visits, visit_id, **outcome, **fields)
    assert response.status_code == 422, response.text
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    field: str = response.json()["field"]
    return field


async def test_the_one_shot_report_refuses_what_a_draft_would(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_tenanted_home(visits_database)
    completed: dict[str, Any] = {}
    no_access = {"outcome": "no_access", "no_access_reason": "no_answer"}
    declined = {"outcome": "declined", "decline_reason": "not_wanted"}
    today = london_day(datetime.now(UTC))
    visited_on = london_day(datetime.fromisoformat(JUST_VISITED))
    action = {"description": "Call back about the fence"}
    issue = {"issue": "lighting", "location": "Stairwell"}
    cases: list[tuple[dict[str, Any], dict[str, object], str]] = [
        (no_access, {"customer_actions": [action]}, "customer_actions"),
        (declined, {"communal_issues": [issue]}, "communal_issues"),
        (
            completed,
            {
                "customer_actions": [
                    {**action, "due_on": (visited_on - timedelta(days=1)).isoformat()}
                ]
            },
            "customer_actions.due_on",
        ),
        (
            completed,
            {"customer_actions": [{**action, "due_on": (today + timedelta(days=800)).isoformat()}]},
            "customer_actions.due_on",
        ),
        (
            completed,
            {"tenancy_concerns": [{"concern": "hoarding", "refer_to_sustainable_tenancy": True}]},
            "tenancy_concerns.review_on",
        ),
        (
            completed,
            {
                "tenancy_concerns": [
                    {
                        "concern": "hoarding",
                        "refer_to_sustainable_tenancy": True,
                        "review_on": today.isoformat(),
                    }
                ]
            },
            "tenancy_concerns.review_on",
        ),
    ]
    for outcome, fields, field in cases:
        assert await refused(visits, uprn, outcome, **fields) == field, (outcome, fields)
    assert str(tenancy_id) not in await caseload_of(visits, "officer-sustain")
