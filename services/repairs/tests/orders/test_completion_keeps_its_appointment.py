"""A work order completed at its booked appointment's visit kept that appointment
(docs/adr/0107). The completion left the appointment `booked`: appointments kept counted
only those staff recorded as kept, so the usual visit (the operative came and did the
work, the contractor sent work order complete) was in neither side of the measure, and
the appointment could still be cancelled or moved after the work was done. Completed on
the appointment's London day, once its window had started, it is kept at the
completion; on a later day it is left for staff's outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.working_days import LONDON
from repairs.appointments.rules import completion_keeps
from repairs.models import Appointment
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
)
from services.repairs.tests.orders.test_late_status_updates import minutes_ago, raised_an_hour_ago
from services.repairs.tests.orders.test_one_no_access_visit import under_way
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order

NINE = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
"""A Monday morning window's start."""


@pytest.mark.parametrize(
    ("completed_at", "keeps"),
    [
        (NINE, True),
        (NINE + timedelta(hours=6), True),  # a long job, past the window's end
        (NINE.replace(hour=23, minute=59), True),
        (NINE - timedelta(seconds=1), False),
        (NINE + timedelta(days=1), False),
        (NINE.replace(hour=23, minute=59) + timedelta(minutes=1), False),
    ],
    ids=[
        "at the start",
        "that afternoon",
        "last minute of the day",
        "before",
        "next day",
        "midnight",
    ],
)
def test_a_completion_keeps_the_appointment_on_its_day_once_started(
    completed_at: datetime, keeps: bool
) -> None:
    assert completion_keeps(NINE.astimezone(UTC), completed_at.astimezone(UTC)) is keeps


async def status_and_outcome(
    db: Database, appointment_id: uuid.UUID
) -> tuple[str, datetime | None]:
    async with db.sessionmaker() as session:
        appointment = await session.get(Appointment, appointment_id)
        assert appointment is not None
        return appointment.status.value, appointment.outcome_at


async def completed(staff: httpx.AsyncClient, order_id: str, at: datetime) -> httpx.Response:
    return await staff.post(
        f"/v1/contractor/work-orders/{order_id}/completion",
        json={"completed_at": at.isoformat()},
        auth=contractor("plumbfast"),
    )


async def test_a_completion_in_the_appointments_window_keeps_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    # a minute into the window, on its London day whatever the time now (the window
    # opened 45 minutes ago: ten minutes ago may be the next day, just after midnight)
    done_at = appointment.window_start + timedelta(minutes=1)

    done = await completed(staff, order["id"], done_at)

    assert done.status_code == 200, done.text
    assert await status_and_outcome(repairs_database, appointment.id) == ("kept", done_at)
    cancel = await staff.post(
        f"/v1/appointments/{appointment.id}/cancel",
        json={"reason": "work_not_needed", "cancelled_at": minutes_ago(5).isoformat()},
    )
    assert cancel.status_code == 409, cancel.text


async def test_a_completion_on_a_later_day_leaves_the_appointment_for_staff(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])

    done = await completed(staff, order["id"], datetime.now(UTC))

    assert done.status_code == 200, done.text
    assert await status_and_outcome(repairs_database, appointment.id) == ("booked", None)
