"""An appointment called off once its window had started was missed, not cancelled
(docs/adr/0107). The cancel took it: cancelled, it fell out of repairs.appointments_kept
(kept, of those kept or missed by the landlord's side), so an operative who did not come
and an office that cancelled afterwards left the measure untouched. Now `cancelled_at`
at or after the window's start is a 422 naming it that points to the outcome missed;
one asked for before the window and typed in after it started is still a cancellation.
Moving it to another slot once its window started is refused for the same reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.working_days import LONDON, london_day
from services.repairs.tests.appointments.test_cancel import cancelled_events, free_slots
from services.repairs.tests.appointments.test_outcome_dated_when_it_happened import (
    a_morning_appointment_on,
    kept_and_out_of,
)
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


@pytest.mark.parametrize(
    "after_the_start",
    [timedelta(0), timedelta(hours=1), timedelta(days=1)],
    ids=["as it started", "an hour into it", "the day after"],
)
async def test_a_cancellation_asked_for_once_the_window_started_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database, after_the_start: timedelta
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])

    refused = await staff.post(
        f"/v1/appointments/{appointment.id}/cancel",
        json={
            "reason": "resident_requested",
            "cancelled_at": (appointment.window_start + after_the_start).isoformat(),
        },
    )

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["cancelled_at"]
    assert "outcome" in refused.json()["detail"]
    shown = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in shown.json()["items"]] == ["booked"]
    assert await cancelled_events(repairs_database, uprn) == []


async def test_asked_before_the_window_and_recorded_after_it_started_is_a_cancellation(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])

    cancelled = await staff.post(
        f"/v1/appointments/{appointment.id}/cancel",
        json={
            "reason": "resident_requested",
            "cancelled_at": (appointment.window_start - timedelta(hours=2)).isoformat(),
        },
    )

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert len(await cancelled_events(repairs_database, uprn)) == 1


async def test_the_landlords_late_call_off_is_recorded_missed_and_counts_against_kept(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """What the 422 points to: the outcome missed by the landlord, reason
    cancelled_late_by_landlord, dated when it was called off, in the measure."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    day = london_day(datetime.now(LONDON)) - timedelta(days=20)
    appointment = await a_morning_appointment_on(repairs_database, uprn, order["id"], day)
    called_off = appointment.window_start + timedelta(minutes=20)
    refused = await staff.post(
        f"/v1/appointments/{appointment.id}/cancel",
        json={"reason": "work_not_needed", "cancelled_at": called_off.isoformat()},
    )
    assert refused.status_code == 422, refused.text

    missed = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={
            "outcome": "missed",
            "missed_by": "landlord",
            "reason": "cancelled_late_by_landlord",
            "occurred_at": called_off.isoformat(),
        },
    )

    assert missed.status_code == 200, missed.text
    assert await kept_and_out_of(staff, day) == (0, 1)


async def test_an_appointment_whose_window_started_is_not_moved_to_another_slot(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Moved on the day, the old appointment was `rebooked` and out of the measure, as a
    late cancellation was: a 409 naming status, pointing to the outcome; nothing moved."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])
    [slot, *_] = await free_slots(staff, uprn, ["plumbing"])

    refused = await staff.post(
        f"/v1/appointments/{appointment.id}/rebook",
        json={"day": slot["day"], "slot": slot["slot"]},
    )

    assert refused.status_code == 409, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]
    assert "outcome" in refused.json()["detail"]
    shown = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in shown.json()["items"]] == ["booked"]
