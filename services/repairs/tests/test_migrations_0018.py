"""Migration 0018: an appointment a contractor's window made keeps when the contractor
arranged it (`arranged_at`, docs/adr/0068). Those made before the revision are found by
the update that made them (the same window, received in the booking's transaction);
staff's bookings stay null."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.models import Appointment
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.appointments.test_cancel import book, free_slots
from services.repairs.tests.orders.test_a_late_window_meets_staff import a_window_in_two_days
from services.repairs.tests.orders.test_contractor_appointments import tell_status
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
)
from services.repairs.tests.orders.test_work_orders import a_uprn
from tests.harness.service import downgraded


async def arranged(db: Database) -> dict[uuid.UUID, datetime | None]:
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(select(col(Appointment.id), col(Appointment.arranged_at)))
        ).all()
    return {row.id: row.arranged_at for row in rows}


async def test_appointments_a_contractors_window_made_get_its_at_and_staffs_stay_null(
    staff: httpx.AsyncClient, repairs_database: Database, repairs_db_url: str
) -> None:
    staffs_home, contractors_home = a_uprn(), a_uprn()
    staffs_order = await raised_an_hour_ago(staff, repairs_database, staffs_home)
    booked = await book(
        staff, [staffs_order["id"]], (await free_slots(staff, staffs_home, ["plumbing"]))[0]
    )
    contractors_order = await raised_an_hour_ago(staff, repairs_database, contractors_home)
    at = minutes_ago(30)
    moved = await tell_status(
        staff, contractors_order["id"], {**a_window_in_two_days(9), "at": at.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    before = await arranged(repairs_database)
    assert before[uuid.UUID(booked["id"])] is None
    [made] = [i for i, a in before.items() if a is not None]
    assert before[made] == at

    await downgraded(repairs_database, MIGRATIONS_DIR, "0017")
    await upgrade(MIGRATIONS_DIR, repairs_db_url)

    assert await arranged(repairs_database) == before
