"""Open work at one home is offered in one appointment where the trades allow
(DOMAIN.md; docs/adr/0189): availability answers, beside its slots, the home's other
work waiting for an appointment that its contractor could do in the same one, so the
booker adds it to `work_order_ids`. Work booked, completed or cancelled, another home's
and another contractor's is not offered. Against PostgreSQL, through the staff API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WorkOrder, WorkOrderStatus
from services.repairs.tests.appointments.test_cancel import book, free_slots
from services.repairs.tests.orders.test_work_orders import (
    a_uprn,
    a_work_order,
    a_work_order_reported,
)


async def availability(staff: httpx.AsyncClient, uprn: str, trades: list[str]) -> dict[str, Any]:
    response = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": trades}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def completed_in_the_database(db: Database, order_id: str) -> None:
    """The work order done (its status completed), as a contractor's completion leaves it."""
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(order_id))
            .values(status=WorkOrderStatus.COMPLETED, completed_at=datetime.now(UTC))
        )


async def test_a_new_repairs_availability_offers_the_homes_earlier_open_work(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Plumbing reported yesterday and still unbooked at the home, with plumbfast: asked
    for a slot for today's plumbing, availability offers both (soonest target first),
    with ids, trades, priority and dates only. The home's booked, cancelled and completed
    work orders, the electrical work sparks holds and another home's plumbing are not
    offered. Booked together (not at first contact: ADR 0140), nothing is left to offer."""
    uprn = a_uprn()
    earlier = await a_work_order_reported(
        staff, repairs_database, uprn, datetime.now(UTC) - timedelta(days=1)
    )
    booked = await a_work_order(staff, repairs_database, uprn)
    await book(staff, [booked["id"]], (await free_slots(staff, uprn, ["plumbing"]))[0])
    cancelled = await a_work_order(staff, repairs_database, uprn)
    refused = await staff.post(
        f"/v1/work-orders/{cancelled['id']}/cancel", json={"reason": "raised_in_error"}
    )
    assert refused.status_code == 200, refused.text
    completed = await a_work_order(staff, repairs_database, uprn)
    await completed_in_the_database(repairs_database, completed["id"])
    electrical = await a_work_order(staff, repairs_database, uprn, "electrical")
    assert electrical["contractor_id"] == "sparks"
    elsewhere = await a_work_order(staff, repairs_database, a_uprn())
    today = await a_work_order(staff, repairs_database, uprn)

    answer = await availability(staff, uprn, ["plumbing"])

    assert answer["contractor_id"] == "plumbfast"
    assert answer["slots"]
    offered = answer["open_work"]
    assert [work["id"] for work in offered] == [earlier["id"], today["id"]]
    first = offered[0]
    assert set(first) == {"id", "trade", "trades", "priority", "required_by", "reported_on"}
    assert first["trade"] == "plumbing"
    assert first["trades"] == ["plumbing"]
    assert first["priority"] == "routine"
    assert first["required_by"] == earlier["required_by"]
    for not_offered in (booked, cancelled, completed, electrical, elsewhere):
        assert not_offered["id"] not in {work["id"] for work in offered}

    slot = answer["slots"][-1]
    together = await staff.post(
        "/v1/appointments",
        json={
            "work_order_ids": [work["id"] for work in offered],
            "day": slot["day"],
            "slot": slot["slot"],
        },
    )
    assert together.status_code == 201, together.text
    assert (await availability(staff, uprn, ["plumbing"]))["open_work"] == []


async def test_the_other_contractors_diary_offers_its_own_open_work(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The same home's electrical work (sparks) is offered in sparks' availability, and
    the plumbing plumbfast holds is not: one appointment is one contractor's."""
    uprn = a_uprn()
    plumbing = await a_work_order(staff, repairs_database, uprn)
    electrical = await a_work_order(staff, repairs_database, uprn, "electrical")
    offered = (await availability(staff, uprn, ["electrical"]))["open_work"]
    assert [work["id"] for work in offered] == [electrical["id"]]
    assert plumbing["id"] not in {work["id"] for work in offered}
