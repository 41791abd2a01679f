"""The one-shot report closes an earlier customer action and records a tenancy concern
dealt with, as a draft's action_closed and concern_dealt_with pieces do: the same
fields (`action_id`, `concern_id`, in `actions_closed[]` and `concerns_dealt_with[]`),
the same rules (open at the home or on the visit's tenancy by visited_at, and not
promised or raised after it; a completed visit only), in the report's one transaction:
a refused closure is a 422 naming its field and the report records and publishes
nothing. Before, the one-shot report refused both fields (extra fields), so an officer
reporting that way could never close the promise the briefing listed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hearth_kit.db import Database
from services.visits.tests.caseloads.test_caseloads import caseload_of
from services.visits.tests.factories import a_uprn, event_names, outbox_rows
from services.visits.tests.visits.test_one_shot_report_confirms_the_household import (
    booked,
    report,
)
from services.visits.tests.visits.test_one_shot_report_takes_what_a_draft_does import (
    a_tenanted_home,
)


async def promised_and_raised(visits: httpx.AsyncClient, uprn: str) -> tuple[str, str]:
    """A first one-shot report: an action promised and a concern raised, not referred."""
    response = await report(
        visits,
        await booked(visits, uprn),
        customer_actions=[{"description": "Chase the fence repair"}],
        tenancy_concerns=[{"concern": "arrears"}],
    )
    assert response.status_code == 201, response.text
    [action] = response.json()["customer_actions"]
    [concern] = response.json()["tenancy_concerns"]
    return action["id"], concern["id"]


async def test_a_one_shot_report_closes_an_action_and_deals_with_a_concern(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_tenanted_home(visits_database)
    action_id, concern_id = await promised_and_raised(visits, uprn)
    entry = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert [c["concern_id"] for c in entry["concerns_open"]] == [concern_id]
    second = await booked(visits, uprn)
    before = len(await outbox_rows(visits_database, uprn))

    response = await report(
        visits,
        second,
        actions_closed=[{"action_id": action_id}],
        concerns_dealt_with=[{"concern_id": concern_id}],
    )

    assert response.status_code == 201, response.text
    # the report's own events, as a draft's report publishes them (closing is no event)
    assert event_names((await outbox_rows(visits_database, uprn))[before:]) == [
        "visit-completed",
        "resident-details-confirmed",
    ]
    first_visit = (await visits.get(f"/v1/visits?uprn={uprn}&status=completed")).json()
    [closed] = [
        a for v in first_visit["items"] for a in v["customer_actions"] if a["id"] == action_id
    ]
    assert (closed["status"], closed["closed_at_visit_id"]) == ("closed", second)
    assert (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]["concerns_open"] == []
    following = await booked(visits, uprn)
    briefing = (await visits.get(f"/v1/visits/{following}/briefing")).json()
    assert briefing["customer_actions_outstanding"] == []
    assert briefing["tenancy_concerns_open"] == []
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert priority["factors"]["customer_actions_outstanding"] == 0


async def test_a_closure_the_one_shot_report_cannot_make_is_refused_and_nothing_changes(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_tenanted_home(visits_database)
    action_id, concern_id = await promised_and_raised(visits, uprn)
    closing = await report(
        visits,
        await booked(visits, uprn),
        actions_closed=[{"action_id": action_id}],
        concerns_dealt_with=[{"concern_id": concern_id}],
    )
    assert closing.status_code == 201, closing.text
    open_action, open_concern = await promised_and_raised(visits, uprn)
    no_access = {"outcome": "no_access", "no_access_reason": "no_answer"}
    closes_open = {"actions_closed": [{"action_id": open_action}]}
    deals_open = {"concerns_dealt_with": [{"concern_id": open_concern}]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"actions_closed": [{"action_id": str(uuid.uuid4())}]}, "actions_closed.action_id"),
        ({"actions_closed": [{"action_id": action_id}]}, "actions_closed.action_id"),  # closed
        (
            {**deals_open, "concerns_dealt_with": [{"concern_id": str(uuid.uuid4())}]},
            "concerns_dealt_with.concern_id",
        ),
        # a valid closure with a refused one (dealt with already): neither is made
        (
            {**closes_open, "concerns_dealt_with": [{"concern_id": concern_id}]},
            "concerns_dealt_with.concern_id",
        ),
        # a visit made before the action was promised (reports uploaded out of order)
        ({**closes_open, "visited_at": "2026-01-05T10:00:00+00:00"}, "actions_closed.action_id"),
        (
            {**deals_open, "visited_at": "2026-01-05T10:00:00+00:00"},
            "concerns_dealt_with.concern_id",
        ),
        ({**no_access, **closes_open}, "actions_closed"),
        ({**no_access, **deals_open}, "concerns_dealt_with"),
    ]
    for fields, field in cases:
        visit_id = await booked(visits, uprn)
        before = await outbox_rows(visits_database, uprn)
        response = await report(visits, visit_id, **fields)
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["field"] == field, fields
        assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
        assert await outbox_rows(visits_database, uprn) == before, fields
    briefing = (await visits.get(f"/v1/visits/{await booked(visits, uprn)}/briefing")).json()
    assert [a["id"] for a in briefing["customer_actions_outstanding"]] == [open_action]
    assert [c["concern_id"] for c in briefing["tenancy_concerns_open"]] == [open_concern]
    entry = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert [c["concern_id"] for c in entry["concerns_open"]] == [open_concern]


async def test_a_one_shot_report_at_a_home_with_no_tenancy_deals_with_no_concern(
    visits: httpx.AsyncClient,
) -> None:
    """A visit naming no tenancy (a void home) has no caseload entry: any concern is not
    open on it (as a draft's)."""
    visit_id = await booked(visits, a_uprn())
    response = await report(
        visits, visit_id, concerns_dealt_with=[{"concern_id": str(uuid.uuid4())}]
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "concerns_dealt_with.concern_id"
