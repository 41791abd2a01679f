"""A complaint about damp and mould at a home whose damp already has an open case opens
no second (docs/adr/0192). A damp repair reported at the home opened the case, its
investigation clock from the report; engagement's complaint-received about the same
home's damp opened another, a second set of clocks for one hazard (DOMAIN.md: the clock
runs from becoming aware, once), a second damp-mould-case-opened, and each breach
counted twice in the figures. A damp repair reported at a home with an open case
already took that case (repository.open_damp_case_at); the complaint now does the same,
and is named on the case, so a manager's POST for the complaint is a 409 naming it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts.events.engagement import ComplaintReceived
from hearth_kit.db import Database
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    close,
    found_none,
    handled,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    a_case_for_the_complaint,
    cases_at,
    report,
)
from services.repairs.tests.orders.test_work_orders import published


async def complaint_received(
    db: Database, uprn: str, received_at: datetime, complaint_id: uuid.UUID | None = None
) -> uuid.UUID:
    complaint = ComplaintReceived(
        complaint_id=complaint_id or uuid.uuid4(),
        uprn=uprn,
        category="damp_and_mould",
        medium="phone",
        received_at=received_at,
        acknowledge_by=date.today() + timedelta(days=5),
    )
    await handled(db, complaint)
    return complaint.complaint_id


async def test_a_complaint_about_damp_whose_repair_opened_a_case_takes_that_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    reported_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    await report(staff, uprn, reported_at=reported_at)
    [opened] = await cases_at(staff, uprn)

    complaint_id = await complaint_received(
        repairs_database, uprn, datetime.now(UTC) - timedelta(days=1)
    )

    [case] = await cases_at(staff, uprn)
    assert case["id"] == opened["id"]
    assert case["became_aware_at"] == opened["became_aware_at"]
    assert case["complaint_id"] == str(complaint_id)
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1
    # the complaint has its one case: a manager's second for it is refused, naming it
    again = await a_case_for_the_complaint(staff, uprn, str(complaint_id))
    assert again.status_code == 409, again.text
    assert opened["id"] in again.json()["detail"]


async def test_a_second_complaint_leaves_the_first_named_and_opens_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await complaint_received(repairs_database, uprn, datetime.now(UTC) - timedelta(days=2))
    await complaint_received(repairs_database, uprn, datetime.now(UTC) - timedelta(days=1))
    [case] = await cases_at(staff, uprn)
    assert case["complaint_id"] == str(first)
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1


async def test_a_complaint_after_the_homes_damp_case_closed_opens_a_new_one(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    await close(staff, opened["id"])  # found no hazard, and the tenant was told so

    complaint_id = await complaint_received(
        repairs_database, uprn, datetime.now(UTC) - timedelta(hours=1)
    )
    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    assert cases[opened["id"]]["complaint_id"] is None
    [new] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (new["source"], new["complaint_id"]) == ("complaint", str(complaint_id))


async def test_damp_reported_in_a_complaint_at_a_home_with_a_case_names_the_complaint_on_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The repair's way in: reported in a complaint at a home whose damp has its case,
    the repair opens none (ADR 0156) and the complaint is named on the case, so its
    complaint-received, coming after, finds it and a POST for it is a 409."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    complaint_id = str(uuid.uuid4())
    await report(staff, uprn, source="complaint", complaint_id=complaint_id)

    [case] = await cases_at(staff, uprn)
    assert (case["id"], case["complaint_id"]) == (opened["id"], complaint_id)
    again = await a_case_for_the_complaint(staff, uprn, complaint_id)
    assert again.status_code == 409, again.text


async def test_a_complaint_after_the_investigation_found_none_opens_a_new_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Not only after the close (above): while the found-none case waits for its
    summary it deals with no damp, and named on it the complaint had no clock at all."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    assert (await found_none(staff, opened["id"]))["status"] == "open"

    complaint_id = await complaint_received(
        repairs_database, uprn, datetime.now(UTC) - timedelta(hours=1)
    )
    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[opened["id"]]["complaint_id"] is None  # before: named on it
    [new] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (new["source"], new["complaint_id"]) == ("complaint", str(complaint_id))
    assert [c["milestone"] for c in new["clocks"]] == ["investigate"]


async def test_damp_reported_after_the_investigation_found_none_opens_a_new_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The repair's way in, in a complaint: the same, whichever comes first."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    assert (await found_none(staff, opened["id"]))["status"] == "open"

    complaint_id = str(uuid.uuid4())
    await report(staff, uprn, source="complaint", complaint_id=complaint_id)
    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[opened["id"]]["complaint_id"] is None  # before: named on it, no clock
    [new] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (new["source"], new["complaint_id"]) == ("complaint", complaint_id)
