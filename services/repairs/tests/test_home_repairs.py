"""`GET /v1/repairs/homes/{uprn}`: the home's open repairs and appointment requests in
one read, each list exactly the first page of its list route."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts.events.repairs import RepairPriority, RepairSourceV2
from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from repairs.models import (
    AppointmentRequest,
    AppointmentRequestStatus,
    KnownHome,
    RepairRequest,
    RepairStatus,
)
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

REPORTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_repair(uprn: str, n: int, **fields: Any) -> RepairRequest:
    return RepairRequest(
        uprn=uprn,
        description=f"Repair {n}",
        location="kitchen",
        trade=fields.pop("trade", Trade.PLUMBING),
        priority=RepairPriority.ROUTINE,
        source=RepairSourceV2.HOME_VISIT,
        reported_at=REPORTED + timedelta(minutes=n),
        target_at=REPORTED + timedelta(days=28),
        created_at=REPORTED,
        **fields,
    )


async def save(db: Database, *rows: Any) -> None:
    async with db.sessionmaker() as session, session.begin():
        session.add_all(rows)


async def first_pages(client: httpx.AsyncClient, uprn: str) -> tuple[dict[str, Any], ...]:
    repairs = await client.get("/v1/repairs", params={"uprn": uprn, "status": "open"})
    requests = await client.get("/v1/appointment-requests", params={"uprn": uprn})
    assert repairs.status_code == requests.status_code == 200
    return repairs.json(), requests.json()


async def home_of(client: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    response = await client.get(f"/v1/repairs/homes/{uprn}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_home_s_lists_are_the_first_pages_of_the_list_routes(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, elsewhere = a_uprn(), a_uprn()
    pending = AppointmentRequest(
        uprn=uprn,
        visit_id=uuid.uuid4(),
        requested_at=REPORTED,
        status=AppointmentRequestStatus.PENDING,
    )
    booked = AppointmentRequest(
        uprn=uprn,
        visit_id=uuid.uuid4(),
        requested_at=REPORTED,
        status=AppointmentRequestStatus.BOOKED,
    )
    cancelled = AppointmentRequest(
        uprn=uprn,
        visit_id=uuid.uuid4(),
        requested_at=REPORTED,
        status=AppointmentRequestStatus.CANCELLED,
    )
    other_home = AppointmentRequest(uprn=elsewhere, visit_id=uuid.uuid4(), requested_at=REPORTED)
    await save(
        repairs_database,
        KnownHome(
            uprn=uprn, address_line_1="1 High St", town="Leeds", postcode="LS1 1AA", as_of=REPORTED
        ),
        pending,
        booked,
        cancelled,
        other_home,
    )
    await save(
        repairs_database,
        a_repair(uprn, 1, appointment_request_id=pending.id),
        a_repair(uprn, 2, appointment_request_id=pending.id, trade=Trade.ELECTRICAL),
        a_repair(uprn, 3),
        a_repair(uprn, 4, status=RepairStatus.COMPLETED, completed_at=REPORTED),
        a_repair(
            uprn,
            5,
            status=RepairStatus.COMPLETED,
            completed_at=REPORTED,
            appointment_request_id=cancelled.id,
        ),
        a_repair(elsewhere, 6, appointment_request_id=other_home.id),
    )

    home = await home_of(repairs, uprn)
    repairs_page, requests_page = await first_pages(repairs, uprn)

    assert home["uprn"] == uprn
    assert home["open_repairs"] == repairs_page["items"]
    assert len(home["open_repairs"]) == 3
    assert {r["status"] for r in home["open_repairs"]} == {"open"}
    assert home["open_repairs"][0]["address"]["town"] == "Leeds"
    assert home["more_open_repairs"] is False
    assert home["appointment_requests"] == requests_page["items"]
    assert {r["status"] for r in home["appointment_requests"]} == {
        "pending",
        "booked",
        "cancelled",
    }
    assert home["more_appointment_requests"] is False
    assert set(home) == {
        "uprn",
        "open_repairs",
        "more_open_repairs",
        "appointment_requests",
        "more_appointment_requests",
    }


@pytest.mark.parametrize("extra", [0, 1])
async def test_each_list_stops_at_the_page_size_and_says_whether_more_exist(
    repairs: httpx.AsyncClient, repairs_database: Database, extra: int
) -> None:
    uprn = a_uprn()
    requests = [
        AppointmentRequest(uprn=uprn, visit_id=uuid.uuid4(), requested_at=REPORTED)
        for _ in range(50 + extra)
    ]
    await save(repairs_database, *requests)
    await save(
        repairs_database,
        *(
            a_repair(uprn, n, appointment_request_id=requests[n].id if n % 2 else None)
            for n in range(50 + extra)
        ),
        a_repair(uprn, 99, status=RepairStatus.COMPLETED, completed_at=REPORTED),
    )

    home = await home_of(repairs, uprn)
    repairs_page, requests_page = await first_pages(repairs, uprn)

    assert len(home["open_repairs"]) == len(home["appointment_requests"]) == 50
    assert home["open_repairs"] == repairs_page["items"]
    assert home["appointment_requests"] == requests_page["items"]
    assert home["more_open_repairs"] is home["more_appointment_requests"] is bool(extra)
    assert (repairs_page["next_cursor"] is not None) is bool(extra)
    assert (requests_page["next_cursor"] is not None) is bool(extra)


async def test_a_home_repairs_knows_nothing_of_has_empty_lists(
    repairs: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    assert await home_of(repairs, uprn) == {
        "uprn": uprn,
        "open_repairs": [],
        "more_open_repairs": False,
        "appointment_requests": [],
        "more_appointment_requests": False,
    }


async def test_a_token_without_repairs_read_is_refused(repairs: httpx.AsyncClient) -> None:
    response = await repairs.get(
        f"/v1/repairs/homes/{a_uprn()}",
        auth=InternalTokenAuth("repairs", scopes=STAFF_SCOPES - {"repairs:read"}),
    )
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["repairs:read"]


@pytest.mark.parametrize(
    "scopes", [{"contractor"}, {"contractor", "repairs:read"}], ids=["contractor", "with-read"]
)
async def test_a_contractor_is_refused(repairs: httpx.AsyncClient, scopes: set[str]) -> None:
    response = await repairs.get(
        f"/v1/repairs/homes/{a_uprn()}",
        auth=InternalTokenAuth("repairs", scopes=scopes, contractor_id="plumbfast"),
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("uprn", ["abc", "1234567890123", "12-3"])
async def test_a_bad_uprn_is_a_problem_naming_it(repairs: httpx.AsyncClient, uprn: str) -> None:
    response = await repairs.get(f"/v1/repairs/homes/{uprn}")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["uprn"]
