"""An appointment's outcome is dated when it happened, never when it was typed in
(DOMAIN.md Identity: clocks start when the thing happened). Staff's outcome was dated
the moment it was recorded: an appointment kept on the last evening of a month and
recorded the next morning counted in repairs.appointments_kept for the next month, and
a no-access visit made its work orders no_access from the recording. The outcome now
carries `occurred_at` (now when left out; 422 naming it in the future or before the
appointment's window started), and a contractor's no_access ends the appointment at its
own `at`, not when it arrived."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts.events.repairs import AppointmentSlot
from hearth_kit.db import Database
from hearth_kit.working_days import LONDON, london_day
from repairs.models import Appointment
from services.repairs.tests.orders.test_appointment_outcomes import missed_events
from services.repairs.tests.orders.test_contractor_appointments import tell_status
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
    told,
)
from services.repairs.tests.orders.test_one_no_access_visit import under_way, work_order
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def a_morning_appointment_on(
    db: Database, uprn: str, work_order_id: str, day: date
) -> Appointment:
    """A plumbing appointment for the work order from 08:00 to 12:00 London time on
    `day` (a day gone), booked a week before it, stored directly: the API books no slot
    in the past."""
    start = datetime.combine(day, time(8), tzinfo=LONDON)
    appointment = Appointment(
        uprn=uprn,
        contractor_id="plumbfast",
        day=day,
        slot=AppointmentSlot.AM,
        slot_name="am",
        window_start=start,
        window_end=start + timedelta(hours=4),
        trades=["plumbing"],
        work_order_ids=[work_order_id],
        booked_at=start - timedelta(days=7),
    )
    async with db.sessionmaker() as session, session.begin():
        session.add(appointment)
    return appointment


async def kept_and_out_of(staff: httpx.AsyncClient, day: date) -> tuple[int, int | None]:
    figures = await staff.get("/v1/repairs/figures", params={"from": str(day), "to": str(day)})
    assert figures.status_code == 200, figures.text
    [kept] = [m for m in figures.json()["measures"] if m["code"] == "repairs.appointments_kept"]
    return kept["numerator"], kept["denominator"]


async def outcome_at(db: Database, appointment_id: uuid.UUID) -> datetime | None:
    async with db.sessionmaker() as session:
        appointment = await session.get(Appointment, appointment_id)
        assert appointment is not None
        return appointment.outcome_at


@pytest.mark.parametrize(
    ("body", "days_ago", "counted"),
    [
        ({"outcome": "kept"}, 10, (1, 1)),
        ({"outcome": "missed", "missed_by": "landlord"}, 11, (0, 1)),
    ],
    ids=["kept", "missed by the landlord"],
)
async def test_an_outcome_counts_on_the_day_it_happened_not_the_day_it_was_recorded(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    body: dict[str, Any],
    days_ago: int,
    counted: tuple[int, int],
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    day = london_day(datetime.now(LONDON)) - timedelta(days=days_ago)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], day)
    happened = appointment.window_start + timedelta(minutes=90)

    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={**body, "occurred_at": happened.isoformat()},
    )

    assert recorded.status_code == 200, recorded.text
    assert await outcome_at(repairs_database, appointment.id) == happened
    assert await kept_and_out_of(staff, day) == counted


async def test_an_outcome_without_occurred_at_is_dated_when_it_is_recorded(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    day = london_day(datetime.now(LONDON)) - timedelta(days=12)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], day)
    before = datetime.now(LONDON)

    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome", json={"outcome": "no_access"}
    )

    assert recorded.status_code == 200, recorded.text
    dated = await outcome_at(repairs_database, appointment.id)
    assert dated is not None
    assert dated >= before


@pytest.mark.parametrize(
    "happened",
    [
        lambda a: a.window_start - timedelta(seconds=1),
        lambda a: datetime.now(LONDON) + timedelta(minutes=5),
    ],
    ids=["before the window started", "in the future"],
)
async def test_occurred_at_before_the_window_or_in_the_future_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database, happened: Any
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    day = london_day(datetime.now(LONDON)) - timedelta(days=13)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], day)

    refused = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={"outcome": "no_access", "occurred_at": happened(appointment).isoformat()},
    )

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["occurred_at"]
    shown = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in shown.json()["items"]] == ["booked"]
    assert await missed_events(repairs_database, uprn) == 0


async def test_staffs_no_access_makes_the_work_no_access_from_the_visit(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    visited = minutes_ago(30)

    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={"outcome": "no_access", "occurred_at": visited.isoformat()},
    )

    assert recorded.status_code == 200, recorded.text
    got = await work_order(staff, order)
    assert (got["status"], datetime.fromisoformat(got["status_changed_at"])) == (
        "no_access",
        visited,
    )
    assert await outcome_at(repairs_database, appointment.id) == visited


async def test_a_contractors_no_access_ends_the_appointment_at_its_own_at(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """HACT's job status update no_access carries when the operative found no one in;
    the appointment it ends is dated then, not when the update arrived."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    visited = minutes_ago(30)

    sent = await tell_status(staff, order["id"], told("no_access", visited))

    assert sent.status_code == 200, sent.text
    assert await outcome_at(repairs_database, appointment.id) == visited


async def test_an_appointment_left_with_no_outcome_is_counted_until_one_is_recorded(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A window that ended with nothing recorded was in neither side of appointments
    kept, so an operative's no-show no one recorded left the measure at 100%: the
    figures count it as without an outcome, until its outcome is recorded."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    day = london_day(datetime.now(LONDON)) - timedelta(days=14)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], day)

    assert await without_outcome(staff, day) == 1
    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={
            "outcome": "missed",
            "missed_by": "landlord",
            "reason": "operative_did_not_attend",
            "occurred_at": appointment.window_end.isoformat(),
        },
    )
    assert recorded.status_code == 200, recorded.text
    assert await without_outcome(staff, day) == 0
    assert await kept_and_out_of(staff, day) == (0, 1)


async def without_outcome(staff: httpx.AsyncClient, day: date) -> int:
    figures = await staff.get("/v1/repairs/figures", params={"from": str(day), "to": str(day)})
    assert figures.status_code == 200, figures.text
    [count] = [
        m["numerator"]
        for m in figures.json()["measures"]
        if m["code"] == "repairs.appointments_without_outcome"
    ]
    return int(count)
