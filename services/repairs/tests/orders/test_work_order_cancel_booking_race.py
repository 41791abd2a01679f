"""A work order cancelled while staff book it an appointment (docs/adr/0141): the
cancel is refused once the booking has committed, never taken beside it. A cancel read
the home's booked appointments before it locked the work order, and did not look
again: a booking holding the work order's lock (appointments.service.book locks its
work orders, then takes the slot) committed while the cancel waited for that lock, and
the cancel went on with what it had read before, so the work order was cancelled with
an appointment booked for it (the operative sent to the household for work called off,
the slot held). PostgreSQL only: SQLite serialises writers on the whole database.

The booking is the test's own transaction, holding the work order's lock as a booking
does and turning an appointment of it booked; the cancel is started meanwhile and goes
on only once the booking commits."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_repair_completes_with_its_last_work_order import cancel
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order
from tests.harness.locks import until_a_backend_waits_for_a_lock


async def test_a_cancel_waiting_for_a_booking_of_its_work_order_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-1]
    earlier = await book(staff, [order["id"]], slot)
    called_off = await staff.post(
        f"/v1/appointments/{earlier['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert called_off.status_code == 200, called_off.text

    async with repairs_database.engine.connect() as booking, booking.begin():
        # a booking's first lock: its work order; then its appointment, booked
        await booking.execute(
            text("SELECT id FROM work_order WHERE id = :id FOR UPDATE"), {"id": order["id"]}
        )
        await booking.execute(
            text("UPDATE appointment SET status = 'booked' WHERE id = :id"),
            {"id": earlier["id"]},
        )
        cancelling = asyncio.create_task(cancel(staff, order["id"]))
        await until_a_backend_waits_for_a_lock(repairs_database)
    refused = await cancelling
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "status"
    assert earlier["id"] in refused.json()["detail"]
    got = await staff.get(f"/v1/work-orders/{order['id']}")
    assert got.json()["status"] != "cancelled"
    assert got.json()["cancelled_at"] is None
