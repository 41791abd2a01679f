"""A visit's repairs go into one follow-on appointment where trades allow (DOMAIN.md;
docs/adr/0145): booking some of a pending appointment request's work without the rest
its contractor could do in the same appointment is refused (422 work_order_ids naming
the work left out, nothing booked) unless split_reason says why, which is kept on the
appointment and counted in repairs.appointments_split. Work another contractor holds is
excused. Against PostgreSQL, through the staff API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from repairs.appointments.rules import left_out_of_the_visit
from repairs.models import WorkOrder
from services.repairs.tests.appointments.test_cancel import free_slots
from services.repairs.tests.appointments.test_first_contact_once import a_figure_around_today
from services.repairs.tests.orders.test_appointment_outcomes import (
    plumbing_and_carpentry_ordered_after_one_visit,
    plumbing_and_electrical_ordered_after_one_visit,
)
from services.repairs.tests.orders.test_work_orders import published


async def split_figure(staff: httpx.AsyncClient) -> int:
    value: int = (await a_figure_around_today(staff, "repairs.appointments_split"))["value"]
    return value


async def a_booking(
    staff: httpx.AsyncClient, uprn: str, order_ids: list[str], trades: list[str], **more: object
) -> httpx.Response:
    slot = (await free_slots(staff, uprn, trades))[-3]
    return await staff.post(
        "/v1/appointments",
        json={"work_order_ids": order_ids, "day": slot["day"], "slot": slot["slot"], **more},
    )


async def request_status(staff: httpx.AsyncClient, uprn: str) -> str:
    [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()["items"]
    status: str = request["status"]
    return status


async def statuses(staff: httpx.AsyncClient, order_ids: list[str]) -> list[str]:
    return [(await staff.get(f"/v1/work-orders/{i}")).json()["status"] for i in order_ids]


async def test_the_visits_work_for_one_contractor_is_booked_together(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, orders = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, repairs_database, contractor_id="plumbfast"
    )
    booked = await a_booking(staff, uprn, orders, ["carpentry", "plumbing"])
    assert booked.status_code == 201, booked.text
    assert booked.json()["split_reason"] is None
    assert sorted(booked.json()["work_order_ids"]) == sorted(orders)
    assert await request_status(staff, uprn) == "booked"


async def test_booking_part_of_the_visits_work_is_refused_and_books_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Plumbing and carpentry found on one visit, both with plumbfast (which does both):
    the plumbing alone is a 422 naming work_order_ids, its detail the carpentry's id and
    nothing else about it; no appointment, no event, both still raised."""
    uprn, orders = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, repairs_database, contractor_id="plumbfast"
    )
    refused = await a_booking(staff, uprn, [orders[0]], ["carpentry", "plumbing"])
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "work_order_ids"
    assert orders[1] in refused.json()["detail"]
    assert orders[0] not in refused.json()["detail"]
    listed = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert listed.json()["items"] == []
    assert await published(repairs_database, uprn, "appointment-booked") == []
    assert await statuses(staff, orders) == ["raised", "raised"]
    assert await request_status(staff, uprn) == "pending"


async def test_a_split_with_a_reason_is_booked_recorded_and_counted(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The household asks for the carpentry another day: the plumbing is booked alone
    with split_reason resident_request, kept on the appointment and counted once. The
    carpentry booked later leaves nothing out (the plumbing has its appointment): no
    reason needed, none kept, and the request is booked."""
    before = await split_figure(staff)
    uprn, orders = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, repairs_database, contractor_id="plumbfast"
    )
    split = await a_booking(staff, uprn, [orders[0]], ["plumbing"], split_reason="resident_request")
    assert split.status_code == 201, split.text
    assert split.json()["split_reason"] == "resident_request"
    [listed] = (await staff.get("/v1/appointments", params={"uprn": uprn})).json()["items"]
    assert listed["split_reason"] == "resident_request"
    assert await request_status(staff, uprn) == "pending"
    assert await split_figure(staff) == before + 1

    rest = await a_booking(staff, uprn, [orders[1]], ["carpentry"])
    assert rest.status_code == 201, rest.text
    assert rest.json()["split_reason"] is None
    assert await request_status(staff, uprn) == "booked"
    assert await split_figure(staff) == before + 1


async def test_work_another_contractor_holds_is_excused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Plumbing (plumbfast) and electrical (sparks) found on one visit cannot share an
    appointment: the plumbing is booked alone with no reason asked, and a reason given
    anyway is not kept (nothing was split)."""
    uprn, orders = await plumbing_and_electrical_ordered_after_one_visit(staff, repairs_database)
    booked = await a_booking(
        staff, uprn, [orders["plumbing"]], ["plumbing"], split_reason="materials_lead_time"
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["split_reason"] is None
    assert await request_status(staff, uprn) == "pending"


def an_order(contractor: str, trade: Trade, *line_trades: Trade) -> WorkOrder:
    return WorkOrder(
        id=uuid.uuid4(),
        repair_id=uuid.uuid4(),
        uprn="100000000001",
        contractor_id=contractor,
        priority="routine",
        description="d",
        location="l",
        trade=trade,
        lines=[{"trade": t.value} for t in line_trades],
        ordered_pence=0,
        reported_at=datetime.now(UTC),
        required_by=datetime.now(UTC),
        status_changed_at=datetime.now(UTC),
        raised_at=datetime.now(UTC),
    )


def test_trades_allow_only_what_the_contractor_still_does() -> None:
    """Left out: the same contractor's work whose every trade (its own, its lines') the
    contractor does by the settings, not booked elsewhere. Excused: another
    contractor's, a trade the contractor no longer does, work booked already."""
    booking = an_order("plumbfast", Trade.PLUMBING)
    carpentry = an_order("plumbfast", Trade.CARPENTRY)
    with_electrics = an_order("plumbfast", Trade.CARPENTRY, Trade.ELECTRICAL)
    sparks = an_order("sparks", Trade.ELECTRICAL)
    booked = an_order("plumbfast", Trade.PLUMBING)
    does: dict[str, Any] = {"plumbfast": [Trade.PLUMBING, Trade.CARPENTRY]}
    left = left_out_of_the_visit(
        [booking],
        [booking, carpentry, with_electrics, sparks, booked],
        {str(booked.id)},
        does,
    )
    assert left == [carpentry.id]
