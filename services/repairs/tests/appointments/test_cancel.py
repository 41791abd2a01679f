"""Cancelling a booked appointment (POST /v1/appointments/{id}/cancel): its slot is free
again, its work orders need an appointment again, a visit's booked request is pending
again, appointment-cancelled is published once (an Idempotency-Key replays the answer);
only a booked one can be cancelled, never with a future `cancelled_at` or one before the
booking, never with a contractor's token. A visit's request whose repairs were all done
without an appointment is cancelled."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
    plumbing_and_carpentry_ordered_after_one_visit,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published_data

CANCELLED = "uk.hearth.repairs.appointment-cancelled.v1"


async def cancelled_events(db: Database, uprn: str) -> list[dict[str, Any]]:
    """The data of every appointment-cancelled in the outbox for the home."""
    return await published_data(db, uprn, CANCELLED)


async def free_slots(staff: httpx.AsyncClient, uprn: str, trades: list[str]) -> list[Any]:
    response = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": trades}
    )
    assert response.status_code == 200, response.text
    slots: list[Any] = response.json()["slots"]
    return slots


async def book(
    staff: httpx.AsyncClient, order_ids: list[str], slot: dict[str, Any]
) -> dict[str, Any]:
    response = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": order_ids, "day": slot["day"], "slot": slot["slot"]},
    )
    assert response.status_code == 201, response.text
    booked: dict[str, Any] = response.json()
    return booked


def asked(ago: timedelta = timedelta(0)) -> str:
    """A moment the household asked: now, or `ago` before now."""
    return (datetime.now(UTC) - ago).isoformat()


async def raised_orders(staff: httpx.AsyncClient, uprn: str) -> list[str]:
    """The home's work orders still needing an appointment (status raised)."""
    response = await staff.get("/v1/work-orders", params={"uprn": uprn, "status": "raised"})
    return [o["id"] for o in response.json()["items"]]


async def test_a_cancelled_appointment_frees_its_slot_and_its_work_order_needs_another(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    slot = (await free_slots(staff, uprn, ["electrical"]))[-2]
    appointment = await book(staff, [order["id"]], slot)
    assert (slot["day"], slot["slot"]) not in {
        (s["day"], s["slot"]) for s in await free_slots(staff, uprn, ["electrical"])
    }
    assert await raised_orders(staff, uprn) == []

    path = f"/v1/appointments/{appointment['id']}/cancel"
    body = {"reason": "resident_requested", "cancelled_at": asked()}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    cancelled = await staff.post(path, json=body, headers=key)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "resident_requested"
    assert cancelled.json()["cancelled_at"] is not None

    replay = await staff.post(path, json=body, headers=key)
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == cancelled.json()

    assert (slot["day"], slot["slot"]) in {
        (s["day"], s["slot"]) for s in await free_slots(staff, uprn, ["electrical"])
    }
    assert await raised_orders(staff, uprn) == [order["id"]]
    [event] = await cancelled_events(repairs_database, uprn)
    assert event["appointment_id"] == appointment["id"]
    assert event["repair_ids"] == [order["repair_id"]]
    assert event["reason"] == "resident_requested"

    again = await staff.post(path, json=body)
    assert again.status_code == 409
    assert [e["field"] for e in again.json()["errors"]] == ["status"]
    rebooked = await book(staff, [order["id"]], slot)
    assert rebooked["status"] == "booked"
    assert len(await cancelled_events(repairs_database, uprn)) == 1


async def test_only_a_booked_appointment_can_be_cancelled(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Kept and missed appointments (a slot that has started) are a 409; nothing is
    published."""
    uprn = a_uprn()
    for outcome in ("kept", "missed"):
        order = await a_work_order(staff, repairs_database, uprn)
        appointment = await an_appointment_that_started_yesterday(
            repairs_database, uprn, order["id"]
        )
        recorded = await staff.post(
            f"/v1/appointments/{appointment.id}/outcome", json={"outcome": outcome}
        )
        assert recorded.status_code == 200, recorded.text
        response = await staff.post(
            f"/v1/appointments/{appointment.id}/cancel",
            json={"reason": "work_not_needed", "cancelled_at": asked()},
        )
        assert response.status_code == 409, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["status"]
    unknown = await staff.post(
        f"/v1/appointments/{uuid.uuid4()}/cancel",
        json={"reason": "work_not_needed", "cancelled_at": asked()},
    )
    assert unknown.status_code == 404
    assert await cancelled_events(repairs_database, uprn) == []


async def test_a_future_or_pre_booking_cancelled_at_is_refused_naming_the_field(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await book(
        staff, [order["id"]], (await free_slots(staff, uprn, ["plumbing"]))[-3]
    )
    path = f"/v1/appointments/{appointment['id']}/cancel"
    for cancelled_at in (
        (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        asked(timedelta(days=1)),
        "2026-11-30T10:00:00",  # no offset
        1_800_000_000,
    ):
        response = await staff.post(
            path, json={"reason": "resident_requested", "cancelled_at": cancelled_at}
        )
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["cancelled_at"]
    free_text = await staff.post(
        path, json={"reason": "Mrs Smith is in hospital", "cancelled_at": asked()}
    )
    assert free_text.status_code == 422
    assert [e["field"] for e in free_text.json()["errors"]] == ["reason"]
    listed = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in listed.json()["items"]] == ["booked"]
    assert await cancelled_events(repairs_database, uprn) == []


async def test_a_contractors_token_cannot_cancel(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await book(
        staff, [order["id"]], (await free_slots(staff, uprn, ["plumbing"]))[-4]
    )
    response = await staff.post(
        f"/v1/appointments/{appointment['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 403
    listed = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in listed.json()["items"]] == ["booked"]


async def test_a_visits_request_is_pending_after_a_cancel_and_cancelled_once_its_work_is_done(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The request is booked with its appointment, pending again when that is cancelled,
    and cancelled (nothing left to book) when the contractor completes both repairs
    without an appointment."""
    uprn, orders = await plumbing_and_carpentry_ordered_after_one_visit(staff, repairs_database)
    slot = (await free_slots(staff, uprn, ["plumbing", "carpentry"]))[-5]
    appointment = await book(staff, orders, slot)

    async def request_status() -> str:
        [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()[
            "items"
        ]
        status: str = request["status"]
        return status

    assert await request_status() == "booked"
    cancelled = await staff.post(
        f"/v1/appointments/{appointment['id']}/cancel",
        json={"reason": "work_not_needed", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await request_status() == "pending"
    assert sorted(await raised_orders(staff, uprn)) == sorted(orders)
    for n, order_id in enumerate(orders):
        done = await staff.post(
            f"/v1/contractor/work-orders/{order_id}/completion",
            json={"completed_at": datetime.now(UTC).isoformat()},
            auth=contractor("plumbfast"),
        )
        assert done.status_code == 200, done.text
        assert await request_status() == ("cancelled" if n == len(orders) - 1 else "pending")
