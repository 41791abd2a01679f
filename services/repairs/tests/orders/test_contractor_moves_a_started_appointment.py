"""A contractor's appointment_made with a new window, arranged once the booked
appointment's window had started, does not rebook it: the visit due then was not made as
booked, and as `rebooked` it fell out of repairs.appointments_kept, as staff's late
rebook did before it was refused (docs/adr/0107). The old appointment is missed, by the
landlord's side (the contractor saying the household asked, resident_asked, is kept for
staff to confirm: docs/adr/0129), as of the moment it was arranged; the new window is
booked all the same (the contractor's arrangement with the household wins,
docs/adr/0029). Arranged before the window started
(sent on later), it is a rebooking as before (docs/adr/0117)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from repairs.appointments.rules import missed_by_the_move, moved_late
from repairs.models import Appointment
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
    missed_events,
)
from services.repairs.tests.orders.test_late_status_updates import minutes_ago, raised_an_hour_ago
from services.repairs.tests.orders.test_one_no_access_visit import under_way
from services.repairs.tests.orders.test_work_orders import a_uprn

START = datetime(2026, 11, 30, 9, 0, 0, 400_000, tzinfo=UTC)
"""A window opening some microseconds into its first second, as a slot's may."""


@pytest.mark.parametrize(
    ("arranged_at", "late"),
    [
        (START.replace(microsecond=0) - timedelta(seconds=1), False),
        (START.replace(microsecond=0), True),
        (START + timedelta(hours=3), True),
        (START + timedelta(days=1), True),
    ],
    ids=["a second before", "its first second", "during it", "the next day"],
)
def test_a_move_is_late_from_the_windows_first_second(arranged_at: datetime, late: bool) -> None:
    assert moved_late(START, arranged_at) is late


def tomorrow_window() -> dict[str, str]:
    day = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return {
        "appointment_start": day.isoformat(),
        "appointment_end": (day + timedelta(hours=2)).isoformat(),
    }


async def moved(
    staff: httpx.AsyncClient, order: dict[str, Any], at: datetime, **more: Any
) -> httpx.Response:
    return await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/status",
        json={"status": "appointment_made", "at": at.isoformat(), **tomorrow_window(), **more},
        auth=contractor("plumbfast"),
    )


async def appointments_of(db: Database, uprn: str) -> list[Appointment]:
    async with db.sessionmaker() as session:
        rows = await session.scalars(
            select(Appointment)
            .where(col(Appointment.uprn) == uprn)
            .order_by(col(Appointment.booked_at))
        )
        return list(rows.all())


async def test_moved_once_the_window_started_the_appointment_was_missed_by_the_landlords_side(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    old = await under_way(repairs_database, uprn, [order])
    arranged = minutes_ago(10)

    response = await moved(staff, order, arranged)

    assert response.status_code == 200, response.text
    was, new = await appointments_of(repairs_database, uprn)
    assert was.id == old.id
    assert (was.status.value, was.outcome_at) == ("missed", arranged)
    assert (was.missed_by, was.missed_reason) == ("landlord", "cancelled_late_by_landlord")
    assert await missed_events(repairs_database, uprn) == 1
    assert new.status.value == "booked"
    assert new.rebooked_from_appointment_id == old.id
    assert new.work_order_ids == [order["id"]]


async def test_the_contractor_saying_the_household_asked_is_kept_not_taken(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Missed by the landlord's side until staff confirm it with the household
    (docs/adr/0129; test_resident_asked_confirmed_by_staff)."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    await under_way(repairs_database, uprn, [order])

    response = await moved(staff, order, minutes_ago(10), resident_asked=True)

    assert response.status_code == 200, response.text
    was, new = await appointments_of(repairs_database, uprn)
    assert (was.status.value, was.missed_by, was.missed_reason) == (
        "missed",
        "landlord",
        "cancelled_late_by_landlord",
    )
    assert was.contractor_said_resident_asked is True
    assert was.resident_asked_confirmed_at is None
    assert new.status.value == "booked"


async def test_arranged_before_the_window_started_it_is_rebooked(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The household agreed before the window (the window opened 45 minutes ago), and
    the contractor's queue sent it on afterwards: what counts is when it was arranged."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    await under_way(repairs_database, uprn, [order])

    response = await moved(staff, order, minutes_ago(50))

    assert response.status_code == 200, response.text
    was, new = await appointments_of(repairs_database, uprn)
    assert (was.status.value, was.missed_by) == ("rebooked", None)
    assert await missed_events(repairs_database, uprn) == 0
    assert new.status.value == "booked"


async def test_resident_asked_goes_only_with_a_window(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database, a_uprn())
    response = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/status",
        json={"status": "in_progress", "at": minutes_ago(5).isoformat(), "resident_asked": True},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["resident_asked"]


async def test_moved_after_the_window_ended_it_was_missed_at_the_windows_end(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The operative did not come yesterday morning and the contractor arranged the new
    window today: the appointment was missed yesterday, by its window's end, not today
    (docs/adr/0128); its appointment-missed says so."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    old = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])

    response = await moved(staff, order, minutes_ago(10))

    assert response.status_code == 200, response.text
    was, _ = await appointments_of(repairs_database, uprn)
    assert (was.id, was.status.value, was.outcome_at) == (old.id, "missed", old.window_end)
    shown = await staff.get("/v1/appointments", params={"uprn": uprn, "status": "missed"})
    [missed] = shown.json()["items"]
    assert datetime.fromisoformat(missed["missed_at"]) == old.window_end


@pytest.mark.parametrize(
    ("arranged_at", "missed_at"),
    [
        (START + timedelta(hours=1), START + timedelta(hours=1)),
        (START + timedelta(hours=4), START + timedelta(hours=4)),
        (START + timedelta(hours=4, seconds=1), START + timedelta(hours=4)),
        (START + timedelta(days=2), START + timedelta(hours=4)),
    ],
    ids=["in the window", "at its end", "a second after", "two days later"],
)
def test_a_late_move_misses_the_appointment_by_its_windows_end(
    arranged_at: datetime, missed_at: datetime
) -> None:
    assert missed_by_the_move(START + timedelta(hours=4), arranged_at) == missed_at
