"""A referral from a visit moves the visit's tenancy to the sustainable tenancy caseload
with its review date (DOMAIN.md: referred there and back with a review date). A visit
that names no tenancy, or whose tenancy has ended, has none to move: the report was
taken, tenancy-concern-raised announced the referral and its review date, and no
caseload held it, so no officer had the case and no review fell due. Refused now,
naming the referral, nothing recorded or published; the concern is still taken without
it (ADR 0210)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.visits.tests.caseloads.test_caseloads import REVIEW_ON, caseload_of, held_row
from services.visits.tests.factories import (
    JUST_VISITED,
    a_completed_report,
    a_uprn,
    event_names,
    outbox_rows,
)
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, submit
from services.visits.tests.test_handlers import (
    ended,
    handle,
    registered,
    started,
    type_changed,
)

REFERRED = {"concern": "hoarding", "refer_to_sustainable_tenancy": True, "review_on": REVIEW_ON}


async def booked(visits: httpx.AsyncClient, uprn: str, at: str) -> str:
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": at}
    )
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def one_shot(
    visits: httpx.AsyncClient, visit_id: str, at: str, concern: Any
) -> httpx.Response:
    return await visits.post(
        f"/v1/visits/{visit_id}/report",
        json=a_completed_report(at, tenancy_concerns=[concern]),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


async def test_a_referral_at_a_visit_naming_no_tenancy_is_refused_and_the_concern_taken(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    visit_id = await booked(visits, uprn, JUST_VISITED)
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["tenancy_id"] is None

    refused = await one_shot(visits, visit_id, JUST_VISITED, REFERRED)

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "tenancy_concerns.refer_to_sustainable_tenancy"
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]
    taken = await one_shot(visits, visit_id, JUST_VISITED, {"concern": "hoarding"})
    assert taken.status_code == 201, taken.text


async def test_a_drafts_referral_at_a_visit_naming_no_tenancy_is_refused(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    visit_id = await booked(visits, uprn, JUST_VISITED)
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(piece("tenancy_concern", "c1", 1, REFERRED))
    assert (await save(visits, visit_id, draft)).status_code == 200

    response = await submit(visits, visit_id, "k-" + visit_id)

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "draft.tenancy_concern.refer_to_sustainable_tenancy"
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_a_referral_of_a_tenancy_that_has_ended_is_refused(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 6, 2), "secure"))
    visited = "2026-02-02T10:00:00+00:00"  # before the tenancy's end (1 March 2026)
    visit_id = await booked(visits, uprn, visited)
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["tenancy_id"] == str(tenancy_id)
    await handle(visits_database, ended(uprn, tenancy_id))

    refused = await one_shot(visits, visit_id, visited, REFERRED)

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "tenancy_concerns.refer_to_sustainable_tenancy"
    assert str(tenancy_id) not in await caseload_of(visits, "officer-sustain")
    assert (await one_shot(visits, visit_id, visited, {"concern": "hoarding"})).status_code == 201


async def test_a_visit_booked_before_its_tenancy_was_heard_of_is_reported_with_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Booked while income's tenancy-started was still on its way, the visit named no
    tenancy; its report names the tenancy of its day (ADR 0096), so the referral moves
    it and a concern not referred is open on its entry."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    first, second = [await booked(visits, uprn, JUST_VISITED) for _ in range(2)]
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 6, 2), "secure"))

    referred = await one_shot(visits, first, JUST_VISITED, REFERRED)

    assert referred.status_code == 201, referred.text
    assert referred.json()["tenancy_id"] == str(tenancy_id)
    held = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert held["review_on"] == REVIEW_ON
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(piece("tenancy_concern", "c1", 1, {"concern": "support_needs"}))
    assert (await save(visits, second, draft)).status_code == 200
    submitted = await submit(visits, second, "k-" + second)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["tenancy_id"] == str(tenancy_id)
    held = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert [c["concern"] for c in held["concerns_open"]] == ["support_needs"]


async def test_a_referral_reported_after_the_tenancy_was_placed_again_moves_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The report came five days after the visit, and income confirmed the tenancy off
    its introductory year in between (the community caseload's entry, dated two days
    ago). Versioned by visited_at, the referral was older than that entry and was not
    written, while the report was taken and announced it: no caseload held it."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 6, 2)))
    visited = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    visit_id = await booked(visits, uprn, visited)
    confirmed_on = london_day(datetime.now(UTC)) - timedelta(days=2)
    await handle(
        visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", confirmed_on)
    )
    assert (await held_row(visits_database, tenancy_id))["caseload"] == "community"

    referred = await one_shot(visits, visit_id, visited, REFERRED)

    assert referred.status_code == 201, referred.text
    held = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert held["review_on"] == REVIEW_ON
    row = await held_row(visits_database, tenancy_id)
    assert (row["caseload"], row["returns_to"]) == ("sustainable_tenancy", "community")


async def test_a_visit_booked_before_its_tenancy_was_heard_of_is_briefed_on_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Its report names the tenancy of its day; its briefing, read before the report,
    named none and so listed none of the household's open concerns (a safeguarding
    concern among them), though the officer was going to that household."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    first, second = [await booked(visits, uprn, JUST_VISITED) for _ in range(2)]
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 6, 2), "secure"))
    raised = await one_shot(visits, first, JUST_VISITED, {"concern": "safeguarding"})
    assert raised.status_code == 201, raised.text

    briefing = (await visits.get(f"/v1/visits/{second}/briefing")).json()

    assert [c["concern"] for c in briefing["tenancy_concerns_open"]] == ["safeguarding"]
    assert (await visits.get(f"/v1/visits/{second}")).json()["tenancy_id"] is None  # a read
