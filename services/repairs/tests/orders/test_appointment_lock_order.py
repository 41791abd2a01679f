"""One lock order in repairs: appointments before work orders. Staff's cancel and
rebook lock the appointment, then its work orders; a contractor's appointment_made with
a window locks the home's booked appointments before its work order too. Taken the
other way round (work order first, as it once was) a contractor's move and a cancel of
the same appointment deadlock: each holds the row the other waits for.

The two transactions are interleaved on purpose: the test's transaction takes the
appointment (a cancel's first lock) and holds it until the contractor's move is seen
waiting for a lock (pg_stat_activity), then asks for the work order (a cancel's second
lock) with NOWAIT: it is free only if the move waits for the appointment without having
locked the work order first. PostgreSQL only: SQLite locks the whole database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.orders.test_contractor_appointments import (
    appointments_at,
    made,
    tell_status,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order
from tests.harness.locks import until_a_backend_waits_for_a_lock


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip(
            "waits for a PostgreSQL row lock, seen in pg_stat_activity: PostgreSQL only "
            "(SQLite serialises writers on the whole database, so it has no lock order)"
        )


async def test_a_contractors_move_waits_for_the_appointment_before_locking_the_work_order(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-1]
    old = await book(staff, [order["id"]], slot)
    start = datetime.now(UTC)
    end = start + timedelta(hours=2)

    async with repairs_database.engine.connect() as cancel, cancel.begin():
        # a cancel's first lock: the appointment
        await cancel.execute(
            text("SELECT id FROM appointment WHERE id = :id FOR UPDATE"), {"id": old["id"]}
        )
        move = asyncio.create_task(tell_status(staff, order["id"], made(start, end)))
        await until_a_backend_waits_for_a_lock(repairs_database)
        # a cancel's second lock: the work order, free while the move waits (NOWAIT
        # raises at once if the move locked it first; the lock_timeout only bounds a
        # wait, should NOWAIT be dropped)
        await cancel.execute(text("SET LOCAL lock_timeout = '5s'"))
        locked = await cancel.execute(
            text("SELECT id FROM work_order WHERE id = :id FOR UPDATE NOWAIT"),
            {"id": order["id"]},
        )
        assert [str(i) for i in locked.scalars()] == [order["id"]]
    moved = await move
    assert moved.status_code == 200, moved.text
    appointments = await appointments_at(staff, uprn)
    assert appointments["rebooked"]["id"] == old["id"]
    assert appointments["booked"]["rebooked_from_appointment_id"] == old["id"]


async def test_a_moved_appointment_can_still_be_cancelled_and_a_cancelled_one_moved(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Both paths still work one after the other: the contractor's move, then staff's
    cancel of the moved appointment (the work order back to raised), then the
    contractor's move again, booking one. The window is to come: one that has
    started is not cancelled (docs/adr/0107)."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    start = datetime.now(UTC) + timedelta(hours=1)
    end = start + timedelta(hours=2)
    moved = await tell_status(staff, order["id"], made(start, end))
    assert moved.status_code == 200, moved.text
    booked = (await appointments_at(staff, uprn))["booked"]

    cancelled = await staff.post(
        f"/v1/appointments/{booked['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    got = await staff.get(f"/v1/work-orders/{order['id']}")
    assert got.json()["status"] == "raised"

    again = await tell_status(staff, order["id"], made(start, end + timedelta(hours=1)))
    assert again.status_code == 200, again.text
    appointments = await appointments_at(staff, uprn)
    assert appointments["booked"]["rebooked_from_appointment_id"] is None
    assert appointments["booked"]["id"] != booked["id"]
