"""A contractor's appointment_made that meets staff booking the same work order keeps
one booked appointment for it.

The contractor's update reads the work order's booked appointment (locked, before the
work order: appointments, then work orders) and then locks the work order. A booking
by staff not yet committed at that read is invisible to it; the update then waited for
the work order the booking held and, finding no appointment when it read, booked a
second one: two booked appointments for one work order, two slots held, two
appointment-booked messages to the household. The update now looks again once it holds
the work order and, if an appointment was booked meanwhile, answers 409 (nothing
changed): sent again, it moves that appointment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments.schemas import AppointmentCreate
from repairs.appointments.service import AppointmentService
from repairs.models import Appointment, AppointmentStatus
from repairs.settings import RepairsSettings
from services.repairs.tests.appointments.test_cancel import free_slots
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_contractor_appointments import made, tell_status
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order
from tests.harness.locks import until_a_backend_waits_for_a_lock


async def booked_covering(db: Database, work_order_id: str) -> int:
    async with db.sessionmaker() as session:
        booked = (
            await session.execute(
                select(Appointment.work_order_ids).where(
                    Appointment.status == AppointmentStatus.BOOKED
                )
            )
        ).scalars()
        return sum(1 for ids in booked if work_order_id in ids)


async def test_a_contractors_move_meeting_a_booking_leaves_one_booked_appointment(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-1]
    start = datetime.now(UTC)
    window = made(start, start + timedelta(hours=2))
    appointments = AppointmentService(
        contracted_settings, WorkingDayCalendar(contracted_settings.closure_days)
    )
    async with repairs_database.sessionmaker() as booking, booking.begin():
        # staff's booking, its work order locked and its appointment written, not committed
        await appointments.book(
            booking,
            AppointmentCreate(
                work_order_ids=[uuid.UUID(order["id"])],
                day=date.fromisoformat(slot["day"]),
                slot=slot["slot"],
            ),
        )
        move = asyncio.create_task(tell_status(staff, order["id"], window))
        await until_a_backend_waits_for_a_lock(repairs_database)  # for the work order
    moved = await move
    assert await booked_covering(repairs_database, order["id"]) == 1
    assert moved.status_code == 409, moved.text
    again = await tell_status(staff, order["id"], window)  # sent again: the booking moves
    assert again.status_code == 200, again.text
    assert await booked_covering(repairs_database, order["id"]) == 1
    async with repairs_database.sessionmaker() as session:
        rebooked = await session.scalar(
            select(func.count()).where(
                Appointment.uprn == uprn, Appointment.status == AppointmentStatus.REBOOKED
            )
        )
    assert rebooked == 1
