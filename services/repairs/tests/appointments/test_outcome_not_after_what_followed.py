"""An appointment's outcome is not dated after what followed its visit (docs/adr/0128).
e74d134 dates an outcome when it happened (`occurred_at`, now when left out) and
refuses one in the future or before the window started, but took any moment after
that: an appointment booked for a Monday, its work completed on the Wednesday (a
completion on a later day leaves it for staff, ADR 0107), could be recorded kept on the
Friday, counting in a later period of repairs.appointments_kept, or no_access from after
the work was done, making done work no_access. Now the outcome cannot be dated after one
of its work orders was completed, a later appointment for the same work started, or the
last of its repairs was closed (422 naming occurred_at, nothing recorded); left out,
`now` is held to the same bound, so the outcome must then say when it happened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.working_days import LONDON, london_day
from repairs.models import (
    Appointment,
    AppointmentStatus,
    RepairRequest,
    RepairStatus,
    WorkOrder,
)
from services.repairs.tests.appointments.test_outcome_dated_when_it_happened import (
    a_morning_appointment_on,
    outcome_at,
)
from services.repairs.tests.orders.test_appointment_outcomes import missed_events
from services.repairs.tests.orders.test_completion_keeps_its_appointment import completed
from services.repairs.tests.orders.test_late_status_updates import minutes_ago, raised_an_hour_ago
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


def days_ago(days: int) -> Any:
    return london_day(datetime.now(LONDON)) - timedelta(days=days)


async def outcome(
    staff: httpx.AsyncClient, appointment: Appointment, body: dict[str, Any]
) -> httpx.Response:
    return await staff.post(f"/v1/appointments/{appointment.id}/outcome", json=body)


def refused_naming_occurred_at(response: httpx.Response, naming: str) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["occurred_at"]
    assert naming in response.json()["detail"]


async def another_work_order_of(
    staff: httpx.AsyncClient, db: Database, repair_id: str
) -> dict[str, Any]:
    """A second work order of the same repair, raised an hour ago (so it can be completed
    at a moment before now)."""
    response = await staff.post(
        "/v1/work-orders",
        json={"repair_id": repair_id, "lines": [{"sor_code": "PLB:20110", "quantity": 1}]},
    )
    assert response.status_code == 201, response.text
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(response.json()["id"]))
            .values(raised_at=an_hour_ago, status_changed_at=an_hour_ago)
        )
    return dict(response.json())


@pytest.mark.parametrize("body", [{"outcome": "kept"}, {"outcome": "no_access"}])
async def test_not_after_its_work_was_completed_on_a_later_day(
    staff: httpx.AsyncClient, repairs_database: Database, body: dict[str, Any]
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], days_ago(10))
    done_at = minutes_ago(10)
    assert (await completed(staff, order["id"], done_at)).status_code == 200
    after = done_at + timedelta(seconds=1)

    for refused in (
        await outcome(staff, appointment, {**body, "occurred_at": after.isoformat()}),
        await outcome(staff, appointment, body),  # now: after the completion too
    ):
        refused_naming_occurred_at(refused, f"work order {order['id']} was completed")
    assert await outcome_at(repairs_database, appointment.id) is None
    assert await missed_events(repairs_database, uprn) == 0

    visited = appointment.window_start + timedelta(hours=1)
    recorded = await outcome(staff, appointment, {**body, "occurred_at": visited.isoformat()})
    assert recorded.status_code == 200, recorded.text
    assert await outcome_at(repairs_database, appointment.id) == visited


async def test_at_the_completion_itself_is_not_after_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], days_ago(10))
    done_at = minutes_ago(10)
    assert (await completed(staff, order["id"], done_at)).status_code == 200

    recorded = await outcome(
        staff, appointment, {"outcome": "kept", "occurred_at": done_at.isoformat()}
    )
    assert recorded.status_code == 200, recorded.text


async def test_not_after_its_repair_was_closed_by_other_work(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    other = await another_work_order_of(staff, repairs_database, order["repair_id"])
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], days_ago(9))
    closed_at = minutes_ago(10)
    assert (await completed(staff, other["id"], closed_at)).status_code == 200
    # The other work no longer closes the repair while this work order is open
    # (docs/adr/0141); a repair closed so before then is what this bound is for.
    repair = await staff.get(f"/v1/repairs/{order['repair_id']}")
    assert repair.json()["status"] == "open"
    async with repairs_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(RepairRequest)
            .where(col(RepairRequest.id) == uuid.UUID(order["repair_id"]))
            .values(status=RepairStatus.COMPLETED, completed_at=closed_at)
        )

    refused = await outcome(
        staff,
        appointment,
        {"outcome": "missed", "occurred_at": (closed_at + timedelta(seconds=1)).isoformat()},
    )
    refused_naming_occurred_at(refused, "the work it was for was closed")
    assert await missed_events(repairs_database, uprn) == 0


@pytest.mark.parametrize(
    ("later_status", "bounds"),
    [
        (AppointmentStatus.BOOKED, True),
        (AppointmentStatus.MISSED, True),
        (AppointmentStatus.CANCELLED, False),  # called off before its window: never started
        (AppointmentStatus.REBOOKED, False),
    ],
)
async def test_not_after_a_later_appointment_for_the_same_work_started(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    later_status: AppointmentStatus,
    bounds: bool,
) -> None:
    """The same repair's other work (another trade's work order) in a later appointment:
    by the time it started, whatever happened at this one had happened."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    other = await another_work_order_of(staff, repairs_database, order["repair_id"])
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], days_ago(8))
    later = await a_morning_appointment_on(repairs_database, uprn, other["id"], days_ago(6))
    async with repairs_database.sessionmaker() as session, session.begin():
        stored = await session.get(Appointment, later.id)
        assert stored is not None
        stored.status = later_status
    after_it_started = later.window_start + timedelta(hours=1)

    answered = await outcome(
        staff,
        appointment,
        {"outcome": "missed", "missed_by": "landlord", "occurred_at": after_it_started.isoformat()},
    )

    if bounds:
        refused_naming_occurred_at(answered, f"appointment {later.id} for the same work started")
        assert await missed_events(repairs_database, uprn) == 0
    else:
        assert answered.status_code == 200, answered.text
        assert await outcome_at(repairs_database, appointment.id) == after_it_started


async def test_another_homes_work_is_no_bound(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Nothing has followed this appointment's visit: the outcome may still be dated (or
    left out, now) any time after its window started, as before."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], days_ago(7))
    elsewhere = await a_work_order(staff, repairs_database, a_uprn())
    assert (await completed(staff, elsewhere["id"], datetime.now(UTC))).status_code == 200

    recorded = await outcome(staff, appointment, {"outcome": "kept"})
    assert recorded.status_code == 200, recorded.text
