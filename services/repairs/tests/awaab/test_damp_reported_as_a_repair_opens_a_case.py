"""Damp and mould reported as a repair opens an Awaab's Law case (docs/adr/0156). The
landlord becomes aware of a potential significant hazard when a resident reports damp
and mould, and the investigation's 10 working days run from then (DOMAIN.md). Only a
complaint about damp, a visit's or a check's hazard, or a manager's POST started that
clock: a damp repair reported by phone or online started none, and no breach could ever
be raised for it. Now it opens one case per home's damp (one open already takes the
next report), naming the complaint it came in, so the complaint's own event opens no
second."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_work_orders import a_uprn, published


async def report(
    staff: httpx.AsyncClient,
    uprn: str,
    *,
    trade: str = "damp_and_mould",
    source: str = "contact_centre",
    reported_at: datetime | None = None,
    complaint_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uprn": uprn,
        "description": "Black mould on the bedroom wall",
        "location": "bedroom",
        "trade": trade,
        "priority": "urgent",
        "source": source,
    }
    if reported_at is not None:
        body["reported_at"] = reported_at.isoformat()
    if complaint_id is not None:
        body["complaint_id"] = complaint_id
    response = await staff.post("/v1/repairs", json=body)
    assert response.status_code == 201, response.text
    repair: dict[str, Any] = response.json()
    return repair


async def cases_at(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    response = await staff.get("/v1/awaab-cases", params={"uprn": uprn})
    assert response.status_code == 200, response.text
    cases: list[dict[str, Any]] = response.json()["items"]
    return cases


async def a_case_for_the_complaint(
    staff: httpx.AsyncClient, uprn: str, complaint_id: str
) -> httpx.Response:
    """A manager's POST of a case for the complaint, as if none had been opened for it."""
    return await staff.post(
        "/v1/awaab-cases",
        json={
            "uprn": uprn,
            "severity": "significant",
            "source": "complaint",
            "complaint_id": complaint_id,
            "became_aware_at": datetime.now(UTC).isoformat(),
        },
        auth=manager(),
    )


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_damp_reported_by_phone_starts_the_investigation_clock_from_the_report(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    reported_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    await report(staff, uprn, reported_at=reported_at)

    [case] = await cases_at(staff, uprn)
    assert (case["severity"], case["source"], case["status"]) == (
        "significant",
        "contact_centre",
        "open",
    )
    assert moment(case["became_aware_at"]) == reported_at
    [clock] = case["clocks"]
    assert clock["milestone"] == "investigate"
    assert moment(clock["started_at"]) == reported_at
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1

    # the same damp reported again while its case is open: the case it has
    await report(staff, uprn, source="online")
    assert len(await cases_at(staff, uprn)) == 1


async def test_other_work_and_visits_own_repairs_open_no_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    plumbing = a_uprn()
    await report(staff, plumbing, trade="plumbing")
    assert await cases_at(staff, plumbing) == []
    # a home visit's repair: its hazard-identified event opens the case
    visited = a_uprn()
    await report(staff, visited, source="home_visit")
    assert await cases_at(staff, visited) == []
    assert await published(repairs_database, visited, "damp-mould-case-opened") == []


async def test_damp_reported_from_before_the_law_opens_no_case(
    staff: httpx.AsyncClient,
) -> None:
    """Entered late, its reported_at before 27 October 2025: a manager decides."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime(2025, 10, 26, 23, 59, 59, tzinfo=UTC))
    assert await cases_at(staff, uprn) == []
    # London is on GMT by then (the clocks went back on 26 October): its midnight is 00:00
    in_force = a_uprn()
    await report(staff, in_force, reported_at=datetime(2025, 10, 27, 0, 0, tzinfo=UTC))
    assert len(await cases_at(staff, in_force)) == 1


async def test_damp_reported_in_a_complaint_opens_the_complaints_one_case(
    staff: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    complaint_id = str(uuid.uuid4())
    await report(staff, uprn, source="complaint", complaint_id=complaint_id)
    [case] = await cases_at(staff, uprn)
    assert (case["source"], case["complaint_id"]) == ("complaint", complaint_id)
    # the complaint has its case: a second is refused, as engagement's event opens none
    again = await a_case_for_the_complaint(staff, uprn, complaint_id)
    assert again.status_code == 409, again.text
