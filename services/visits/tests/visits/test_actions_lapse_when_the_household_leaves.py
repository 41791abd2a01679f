"""A customer action promised to a household and still open lapses when the household
leaves (tenancy-ended, tenancy-withdrawn): it shows `status` lapsed with `lapsed_at`, is
no longer outstanding (the programme's factor, the briefing of a visit after it), and a
redelivered or replayed event changes nothing. A visit made before the household left,
reported after, can still close it. Fixed past dates: the household lived there from
2015 to 1 March 2026 (its last day), so its actions lapse at the start of 2 March."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from services.visits.tests.factories import a_completed_report, a_uprn
from services.visits.tests.programme.test_the_households_own_history import (
    action_promised_at,
    action_promised_by_draft,
    booked,
)
from services.visits.tests.reports.test_drafts import piece, save, submit
from services.visits.tests.test_handlers import ended, handle, registered, started

PROMISED = "2025-10-06T10:00:00+00:00"
"""When the household was visited and promised a referral."""
LEFT = "2026-03-02T00:00:00Z"
"""The start of the London day after the tenancy's last (1 March 2026, GMT)."""


async def actions_at(visits: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    response = await visits.get("/v1/visits", params={"uprn": uprn})
    assert response.status_code == 200, response.text
    return [action for visit in response.json()["items"] for action in visit["customer_actions"]]


async def outstanding(visits: httpx.AsyncClient, uprn: str) -> int:
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    count: int = priority["factors"]["customer_actions_outstanding"]
    return count


async def a_household_promised_an_action(
    visits: httpx.AsyncClient, db: Database
) -> tuple[str, uuid.UUID]:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(db, registered(uprn, registered_at=datetime(2015, 1, 5, tzinfo=UTC)))
    await handle(db, started(uprn, tenancy_id, date(2015, 2, 2), "secure"))
    await action_promised_at(visits, uprn, PROMISED)
    return uprn, tenancy_id


async def test_an_open_action_lapses_when_the_tenancy_ends_once_however_often_delivered(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_household_promised_an_action(visits, visits_database)
    [action] = await actions_at(visits, uprn)
    assert (action["status"], action["lapsed_at"]) == ("open", None)
    assert await outstanding(visits, uprn) == 1

    await handle(visits_database, ended(uprn, tenancy_id))  # last day 1 March 2026
    [action] = await actions_at(visits, uprn)
    assert action["status"] == "lapsed"
    assert datetime.fromisoformat(action["lapsed_at"]) == datetime.fromisoformat(LEFT)
    assert action["closed_at"] is None
    # the empty home owes nobody: not outstanding, live or in the stored score
    assert await outstanding(visits, uprn) == 0
    # nor in the briefing of a visit after the household left (the home empty: the visit
    # names no tenancy, so every action not lapsed would be listed)
    after = await booked(visits, uprn, "2026-04-06T10:00:00+00:00")
    briefing = (await visits.get(f"/v1/visits/{after}/briefing")).json()
    assert briefing["customer_actions_outstanding"] == []

    await handle(visits_database, ended(uprn, tenancy_id))  # redelivered
    assert await actions_at(visits, uprn) == [action]


async def test_an_action_closed_before_the_household_left_stays_closed(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await a_household_promised_an_action(visits, visits_database)
    [action] = await actions_at(visits, uprn)
    await close_at(visits, uprn, action["id"], "2025-12-01T10:00:00+00:00", expect=201)
    await handle(visits_database, ended(uprn, tenancy_id))
    [after] = [a for a in await actions_at(visits, uprn) if a["id"] == action["id"]]
    assert (after["status"], after["lapsed_at"]) == ("closed", None)


async def close_at(
    visits: httpx.AsyncClient, uprn: str, action_id: str, at: str, *, expect: int
) -> httpx.Response:
    visit_id = await booked(visits, uprn, at)
    pieces = [
        piece("visit", "visit", 1, {"visited_at": at}),
        piece("household", "household", 1, {"resident_id": str(uuid.uuid4()), "household_size": 1}),
        piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair"}),
        piece("action_closed", "done", 1, {"action_id": action_id}),
    ]
    assert (await save(visits, visit_id, pieces)).status_code == 200
    response = await submit(visits, visit_id, "submit-" + visit_id)
    assert response.status_code == expect, response.text
    return response


async def test_a_visit_made_before_the_household_left_can_close_a_lapsed_action_one_after_cannot(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Reports upload late (an officer offline): a visit made on the household's last
    weeks, reported after tenancy-ended arrived, closed what it closed; one made after the
    household left has nobody to deliver it to."""
    uprn, tenancy_id = await a_household_promised_an_action(visits, visits_database)
    [action] = await actions_at(visits, uprn)
    await handle(visits_database, ended(uprn, tenancy_id))
    refused = await close_at(visits, uprn, action["id"], "2026-04-06T10:00:00+00:00", expect=422)
    assert [e["field"] for e in refused.json()["errors"]] == ["draft.action_closed.action_id"]
    await close_at(visits, uprn, action["id"], "2026-02-02T10:00:00+00:00", expect=201)
    [after] = [a for a in await actions_at(visits, uprn) if a["id"] == action["id"]]
    assert (after["status"], after["lapsed_at"]) == ("closed", None)
    assert await outstanding(visits, uprn) == 0


async def test_an_action_of_a_withdrawn_tenancy_lapses_when_it_is_withdrawn(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A visit names the tenancy of its day; one visits held started is withdrawn (ADR
    0111): what was promised at a visit with it lapses, dated the withdrawal, once."""
    uprn, tenancy_id = await a_household_promised_an_action(visits, visits_database)
    withdrawn_at = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    withdrawal = Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy_id,
            uprn=uprn,
            start_date=date(2015, 2, 2),
            withdrawn_at=withdrawn_at,
        )
    )
    await handle(visits_database, withdrawal)
    [action] = await actions_at(visits, uprn)
    assert action["status"] == "lapsed"
    assert datetime.fromisoformat(action["lapsed_at"]) == withdrawn_at
    await handle(visits_database, withdrawal)
    assert await actions_at(visits, uprn) == [action]
    assert await outstanding(visits, uprn) == 0


async def test_an_action_promised_in_a_report_uploaded_after_the_household_left_lapses_at_once(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A visit made on the household's last weeks, reported after tenancy-ended arrived
    (the officer offline): what it promised is owed to nobody living there now, so it
    lapses as the household's other actions did, whichever report carried it."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn, registered_at=datetime(2015, 1, 5, tzinfo=UTC)))
    await handle(visits_database, started(uprn, tenancy_id, date(2015, 2, 2), "secure"))
    last_weeks = "2026-02-02T10:00:00+00:00"
    one_shot = await booked(visits, uprn, last_weeks)
    drafted = await booked(visits, uprn, "2026-02-09T10:00:00+00:00")
    await handle(visits_database, ended(uprn, tenancy_id))  # last day 1 March 2026

    response = await visits.post(
        f"/v1/visits/{one_shot}/report",
        json=a_completed_report(
            last_weeks, customer_actions=[{"description": "Send the decoration voucher"}]
        ),
    )
    assert response.status_code == 201, response.text
    [action] = response.json()["customer_actions"]
    assert action["status"] == "lapsed"
    assert datetime.fromisoformat(action["lapsed_at"]) == datetime.fromisoformat(LEFT)
    await action_promised_by_draft(visits, drafted, "2026-02-09T10:00:00+00:00")
    assert {a["status"] for a in await actions_at(visits, uprn)} == {"lapsed"}
    assert await outstanding(visits, uprn) == 0
