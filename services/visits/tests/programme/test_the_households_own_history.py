"""A household's no-access history and its customer actions outstanding are its own: an
outgoing household's doors not opened (visits, compliance's attempts) and the actions
promised to it do not raise the score of the household that moved in after it, nor stand
in its explanation (ADR 0096: the factors are the household's living there). A home with
no current tenancy counts all its no-access history (the actions promised to a household
lapse when it leaves). Fixed past dates: the earlier tenancy ran from 2015
to 1 March 2026, the next from 1 June 2026."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import AccessFailed
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.programme.test_stored_scores import stored
from services.visits.tests.reports.test_drafts import piece, save, submit
from services.visits.tests.test_handlers import ended, handle, registered, started

BEFORE = "2025-10-06T10:00:00+00:00"
"""When the earlier household was visited and its doors tried."""
SINCE = "2026-09-07T10:00:00+00:00"
"""When the household living there now was tried."""


def access_failed(uprn: str, at: str) -> Envelope[Any]:
    return Envelope(
        data=AccessFailed(
            check_id=uuid.uuid4(),
            attempt_id=uuid.uuid4(),
            uprn=uprn,
            check_type="gas_safety",
            attempt_number=1,
            attempted_at=datetime.fromisoformat(at),
        )
    )


async def booked(visits: httpx.AsyncClient, uprn: str, at: str) -> str:
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": at}
    )
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def no_access_at(visits: httpx.AsyncClient, uprn: str, at: str) -> None:
    response = await visits.post(
        f"/v1/visits/{await booked(visits, uprn, at)}/report",
        json={"outcome": "no_access", "no_access_reason": "no_answer", "visited_at": at},
    )
    assert response.status_code == 201, response.text


async def action_promised_at(visits: httpx.AsyncClient, uprn: str, at: str) -> None:
    await action_promised_by_draft(visits, await booked(visits, uprn, at), at)


async def action_promised_by_draft(visits: httpx.AsyncClient, visit_id: str, at: str) -> None:
    """The visit reported by a draft submitted at `at` that promises the household one
    customer action (a referral to the money advice team)."""
    pieces = [
        piece("visit", "visit", 1, {"visited_at": at}),
        piece("household", "household", 1, {"resident_id": str(uuid.uuid4()), "household_size": 1}),
        piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair"}),
        piece("customer_action", "a1", 1, {"description": "Refer to the money advice team"}),
    ]
    assert (await save(visits, visit_id, pieces)).status_code == 200
    assert (await submit(visits, visit_id, "submit-" + visit_id)).status_code == 201


async def history(visits: httpx.AsyncClient, uprn: str) -> tuple[int, int, set[str]]:
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    factors = priority["factors"]
    return (
        factors["no_access_visits"],
        factors["customer_actions_outstanding"],
        {r["factor"] for r in priority["reasons"]},
    )


async def test_an_outgoing_households_history_is_not_the_next_ones(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn, registered_at=datetime(2015, 1, 5, tzinfo=UTC)))
    await handle(visits_database, started(uprn, earlier, date(2015, 2, 2), "secure"))
    await no_access_at(visits, uprn, BEFORE)
    await handle(visits_database, access_failed(uprn, BEFORE))
    await action_promised_at(visits, uprn, BEFORE)
    no_access, actions, reasons = await history(visits, uprn)
    assert (no_access, actions) == (2, 1)
    assert {"no_access_history", "customer_actions_outstanding"} <= reasons

    await handle(visits_database, ended(uprn, earlier))  # last day 1 March 2026
    # void: the home's no-access history is all there is; the action promised to the
    # household that left lapsed with its tenancy, owed to nobody
    assert (await history(visits, uprn))[:2] == (2, 0)
    await handle(visits_database, started(uprn, later, date(2026, 6, 1), "secure"))

    no_access, actions, reasons = await history(visits, uprn)
    assert (no_access, actions) == (0, 0)
    assert not {"no_access_history", "customer_actions_outstanding"} & reasons
    # the stored score the ranking reads (tenancy-started scored the home again) too
    factors = (await stored(visits_database, uprn)).factors
    assert (factors["no_access_visits"], factors["customer_actions_outstanding"]) == (0, 0)

    await no_access_at(visits, uprn, SINCE)
    assert (await history(visits, uprn))[:2] == (1, 0)


async def test_the_briefing_lists_the_actions_promised_to_the_household_visited(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The officer visiting the household that moved in is not briefed to chase what was
    promised to the one before it; a visit to that earlier household (booked after the
    fact, on a day of its tenancy) still is."""
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn, registered_at=datetime(2015, 1, 5, tzinfo=UTC)))
    await handle(visits_database, started(uprn, earlier, date(2015, 2, 2), "secure"))
    await action_promised_at(visits, uprn, BEFORE)
    await handle(visits_database, ended(uprn, earlier))
    await handle(visits_database, started(uprn, later, date(2026, 6, 1), "secure"))

    newcomers = await booked(visits, uprn, SINCE)
    outgoing = await booked(visits, uprn, "2025-11-03T10:00:00+00:00")

    briefing = (await visits.get(f"/v1/visits/{newcomers}/briefing")).json()
    assert briefing["customer_actions_outstanding"] == []
    briefing = (await visits.get(f"/v1/visits/{outgoing}/briefing")).json()
    assert [a["description"] for a in briefing["customer_actions_outstanding"]] == [
        "Refer to the money advice team"
    ]
