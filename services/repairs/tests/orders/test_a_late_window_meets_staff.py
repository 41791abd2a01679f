"""A contractor's appointment window is a fact at its `at` (docs/adr/0054), and it can
arrive after staff booked, rebooked or cancelled the same work's appointment with the
household. Ordered only against the contractor's other windows, a window the contractor
arranged at 10:05 and sent late moved the appointment staff booked at 10:10 (or booked
again the work staff cancelled at 10:10) and told the household of it. Staff's later
word now stands: the late window is kept and answered 200, and moves nothing; one
arranged after staff's booking moves it, as before; and a contractor's own earlier move
is not mistaken for staff's booking (docs/adr/0068)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.orders.test_contractor_appointments import (
    appointments_at,
    booked_events,
    made,
    moment,
    tell_status,
)
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
)
from services.repairs.tests.orders.test_work_orders import a_uprn


def a_window_in_two_days(hour: int) -> dict[str, Any]:
    """An appointment window two days ahead, from `hour` UTC for two hours."""
    start = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return made(start, start + timedelta(hours=2))


async def test_a_window_arranged_before_staff_booked_does_not_move_their_booking(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[0]
    booked = await book(staff, [order["id"]], slot)
    told_before = len(await booked_events(repairs_database, uprn))

    late = await tell_status(
        staff, order["id"], {**a_window_in_two_days(13), "at": minutes_ago(10).isoformat()}
    )

    assert late.status_code == 200, late.text
    still = (await appointments_at(staff, uprn))["booked"]
    assert still["id"] == booked["id"]
    # the same moment (the slot shows it in London time, the booking in UTC: in summer
    # time the two are written differently)
    assert moment(still["window_start"]) == moment(slot["window_start"])
    assert len(await booked_events(repairs_database, uprn)) == told_before
    history = (await staff.get(f"/v1/work-orders/{order['id']}/status-updates")).json()
    assert [u["status"] for u in history["items"]] == ["appointment_made"]  # kept


async def test_a_window_arranged_before_staff_rebooked_does_not_move_the_new_booking(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    first, second = (await free_slots(staff, uprn, ["plumbing"]))[:2]
    booked = await book(staff, [order["id"]], first)
    rebooked = await staff.post(
        f"/v1/appointments/{booked['id']}/rebook",
        json={"day": second["day"], "slot": second["slot"]},
    )
    assert rebooked.status_code == 201, rebooked.text

    late = await tell_status(
        staff, order["id"], {**a_window_in_two_days(13), "at": minutes_ago(10).isoformat()}
    )

    assert late.status_code == 200, late.text
    still = (await appointments_at(staff, uprn))["booked"]
    assert (still["id"], moment(still["window_start"])) == (
        rebooked.json()["id"],
        moment(second["window_start"]),
    )


async def test_a_window_arranged_before_staff_cancelled_books_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    booked = await book(staff, [order["id"]], (await free_slots(staff, uprn, ["plumbing"]))[0])
    cancelled = await staff.post(
        f"/v1/appointments/{booked['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text

    late = await tell_status(
        staff, order["id"], {**a_window_in_two_days(13), "at": minutes_ago(10).isoformat()}
    )

    assert late.status_code == 200, late.text
    assert "booked" not in await appointments_at(staff, uprn)
    assert late.json()["status"] == "raised"


async def test_a_window_arranged_after_staff_booked_still_moves_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    booked = await book(staff, [order["id"]], (await free_slots(staff, uprn, ["plumbing"]))[0])
    window = a_window_in_two_days(13)

    moved = await tell_status(staff, order["id"], window)  # at: now, after the booking

    assert moved.status_code == 200, moved.text
    now_booked = (await appointments_at(staff, uprn))["booked"]
    assert now_booked["rebooked_from_appointment_id"] == booked["id"]
    assert moment(now_booked["window_start"]) == moment(window["appointment_start"])


async def test_the_contractors_own_earlier_move_is_not_taken_for_a_staff_booking(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Arranged at 10:30 and received at 11:00, then one arranged at 10:40 arrives: the
    10:40 window is the newer and moves it, though the first was booked at 11:00."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    first, second = a_window_in_two_days(9), a_window_in_two_days(13)
    told_first = await tell_status(staff, order["id"], {**first, "at": minutes_ago(30).isoformat()})
    assert told_first.status_code == 200, told_first.text

    newer = await tell_status(staff, order["id"], {**second, "at": minutes_ago(20).isoformat()})

    assert newer.status_code == 200, newer.text
    booked = (await appointments_at(staff, uprn))["booked"]
    assert moment(booked["window_start"]) == moment(second["appointment_start"])
