"""A repair is completed when its last open work order is closed (docs/adr/0141). It
was completed by the first of its work orders to complete without a follow-on while
others raised alongside were still open: it counted in RP02 and was surveyed before its
work was done. Staff may cancel a work order raised in error (a reason code) before its
work started, so one cannot hold its repair open for ever: the contractor is sent
cancel-repair, and a repair whose other work was all done completes then, as of its
last completion."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WebhookDelivery
from services.repairs.tests.appointments.test_cancel import book, free_slots
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published


async def another_work_order(staff: httpx.AsyncClient, repair_id: str) -> dict[str, Any]:
    response = await staff.post(
        "/v1/work-orders",
        json={"repair_id": repair_id, "lines": [{"sor_code": "PLB:20120", "quantity": 1}]},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def complete(
    staff: httpx.AsyncClient, work_order_id: str, completed_at: datetime
) -> httpx.Response:
    return await staff.post(
        f"/v1/contractor/work-orders/{work_order_id}/completion",
        json={"completed_at": completed_at.isoformat()},
        auth=contractor("plumbfast"),
    )


async def repair_of(staff: httpx.AsyncClient, repair_id: str) -> dict[str, Any]:
    response = await staff.get(f"/v1/repairs/{repair_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def cancel(
    staff: httpx.AsyncClient, work_order_id: str, reason: str = "raised_in_error"
) -> httpx.Response:
    return await staff.post(f"/v1/work-orders/{work_order_id}/cancel", json={"reason": reason})


async def sent_to_contractor(db: Database, work_order_id: str, kind: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(col(WebhookDelivery.body)).where(
                    col(WebhookDelivery.work_order_id) == uuid.UUID(work_order_id),
                    col(WebhookDelivery.event_type) == kind,
                )
            )
        ).scalars()
        return [json.loads(body) for body in rows]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_repair_waits_for_its_last_work_order(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    second = await another_work_order(staff, first["repair_id"])
    done = await complete(staff, first["id"], datetime.now(UTC))
    assert done.status_code == 200, done.text
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "open"
    assert repair["completed_at"] is None
    assert await published(repairs_database, uprn, "repair-completed") == []

    last = datetime.now(UTC)
    done = await complete(staff, second["id"], last)
    assert done.status_code == 200, done.text
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "completed"
    assert moment(repair["completed_at"]) == last
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1


async def test_cancelling_a_stray_work_order_completes_the_repair_as_of_its_work(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    stray = await another_work_order(staff, first["repair_id"])
    finished = datetime.now(UTC)
    assert (await complete(staff, first["id"], finished)).status_code == 200
    assert (await repair_of(staff, first["repair_id"]))["status"] == "open"

    cancelled = await cancel(staff, stray["id"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "raised_in_error"
    assert cancelled.json()["cancelled_at"] is not None
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "completed"
    assert moment(repair["completed_at"]) == finished
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1
    [message] = await sent_to_contractor(repairs_database, stray["id"], "cancel-repair")
    assert message["sent_for"]["id"] == stray["id"]
    assert message["sent_for"]["status"] == "cancelled"

    # Closed: the contractor can neither complete it nor update it, nor can it be booked
    # or cancelled again.
    late = await complete(staff, stray["id"], datetime.now(UTC))
    assert late.status_code == 409, late.text
    update = await staff.post(
        f"/v1/contractor/work-orders/{stray['id']}/status",
        json={"status": "in_progress"},
        auth=contractor("plumbfast"),
    )
    assert update.status_code == 409, update.text
    assert [e["field"] for e in update.json()["errors"]] == ["status"]
    again = await cancel(staff, stray["id"])
    assert again.status_code == 409, again.text
    listed = await staff.get("/v1/work-orders", params={"uprn": uprn, "status": "cancelled"})
    assert [o["id"] for o in listed.json()["items"]] == [stray["id"]]


async def test_cancelling_the_only_work_order_leaves_the_repair_open(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    assert (await cancel(staff, order["id"], "wrong_contractor")).status_code == 200
    assert (await repair_of(staff, order["repair_id"]))["status"] == "open"
    assert await published(repairs_database, uprn, "repair-completed") == []
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-7]
    booking = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert booking.status_code == 422, booking.text
    assert [e["field"] for e in booking.json()["errors"]] == ["work_order_ids"]
    # The repair takes another work order, which completes it.
    again = await another_work_order(staff, order["repair_id"])
    assert (await complete(staff, again["id"], datetime.now(UTC))).status_code == 200
    assert (await repair_of(staff, order["repair_id"]))["status"] == "completed"


async def test_a_work_order_whose_work_started_or_is_booked_is_not_cancelled(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    started = await a_work_order(staff, repairs_database, uprn)
    update = await staff.post(
        f"/v1/contractor/work-orders/{started['id']}/status",
        json={"status": "in_progress"},
        auth=contractor("plumbfast"),
    )
    assert update.status_code == 200, update.text
    refused = await cancel(staff, started["id"])
    assert refused.status_code == 409, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]

    booked = await a_work_order(staff, repairs_database, a_uprn())
    slot = (await free_slots(staff, booked["uprn"], ["plumbing"]))[-7]
    await book(staff, [booked["id"]], slot)
    refused = await cancel(staff, booked["id"])
    assert refused.status_code == 409, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]
    assert (await staff.get(f"/v1/work-orders/{booked['id']}")).json()["status"] == (
        "appointment_made"
    )

    done = await a_work_order(staff, repairs_database, a_uprn())
    assert (await complete(staff, done["id"], datetime.now(UTC))).status_code == 200
    assert (await cancel(staff, done["id"])).status_code == 409

    unknown = await staff.post(
        f"/v1/work-orders/{done['id']}/cancel", json={"reason": "changed my mind"}
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["field"] for e in unknown.json()["errors"]] == ["reason"]
    assert await sent_to_contractor(repairs_database, started["id"], "cancel-repair") == []
