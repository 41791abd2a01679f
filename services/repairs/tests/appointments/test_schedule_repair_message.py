"""HACT's "schedule repair / appointment" reaches the contractor when Hearth's contact
centre books, rebooks or cancels: the appointment made at first contact (DOMAIN.md's
90% target) is made by staff from the contractor's capacity, and the contractor was
sent only "raise repair", so its operative never learnt when the household expects
them (the contractor API shows no appointment window either). The contractor's own
move (appointment_made with a window) is not echoed back to it: it told us."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import Appointment, WebhookDelivery
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_contractor_appointments import tell_status
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
    told,
)
from services.repairs.tests.orders.test_one_no_access_visit import no_access_outcome, under_way
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def schedule_messages(db: Database, contractor_id: str) -> list[dict[str, Any]]:
    """The schedule-repair messages queued for a contractor's webhook, oldest first."""
    async with db.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(WebhookDelivery)
                .where(
                    col(WebhookDelivery.contractor_id) == contractor_id,
                    col(WebhookDelivery.event_type) == "schedule-repair",
                )
                .order_by(col(WebhookDelivery.created_at))
            )
        ).all()
    return [json.loads(row.body) for row in rows]


def about(messages: list[dict[str, Any]], work_order_id: str) -> list[dict[str, Any]]:
    return [m["sent_for"] for m in messages if work_order_id in m["sent_for"]["work_order_ids"]]


async def test_staff_booking_rebooking_and_cancelling_tell_the_contractor(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    first, second = (await free_slots(staff, uprn, ["plumbing"]))[:2]
    booked = await book(staff, [order["id"]], first)
    moved = await staff.post(
        f"/v1/appointments/{booked['id']}/rebook",
        json={"day": second["day"], "slot": second["slot"]},
    )
    assert moved.status_code == 201, moved.text
    cancelled = await staff.post(
        f"/v1/appointments/{moved.json()['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text

    sent = about(await schedule_messages(repairs_database, "plumbfast"), order["id"])
    assert [(m["id"], m["status"]) for m in sent] == [
        (booked["id"], "booked"),
        (moved.json()["id"], "booked"),
        (moved.json()["id"], "cancelled"),
    ]
    assert sent[0]["window_start"] == first["window_start"]
    assert sent[1]["rebooked_from_appointment_id"] == booked["id"]
    assert sent[1]["window_start"] == second["window_start"]


async def test_the_contractors_own_move_is_not_sent_back_to_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    made = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/status",
        json={
            "status": "appointment_made",
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(hours=2)).isoformat(),
        },
        auth=contractor("plumbfast"),
    )
    assert made.status_code == 200, made.text
    assert about(await schedule_messages(repairs_database, "plumbfast"), order["id"]) == []


async def test_staffs_no_access_outcome_tells_the_contractor_the_appointment_is_off(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The office recorded that the visit found no one in: the contractor's operative may
    have been told by phone, but the contractor's system still has the appointment
    booked. It is sent the appointment as it now is (status no_access), once: the same
    outcome recorded again sends nothing more (docs/adr/0053)."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])

    for _ in range(2):
        recorded = await no_access_outcome(staff, appointment.id)
        assert recorded.status_code == 200, recorded.text

    sent = about(await schedule_messages(repairs_database, "plumbfast"), order["id"])
    assert [(m["id"], m["status"], m["missed_reason"]) for m in sent] == [
        (str(appointment.id), "no_access", "no_access")
    ]
    assert sent[0]["window_start"] == recorded.json()["window_start"]
    assert set(sent[0]) == set(recorded.json())


async def test_the_contractors_own_no_access_is_not_sent_back_to_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The contractor reported the no-access visit in the window: it knows; nothing is
    echoed back to it, and staff's outcome recorded afterwards sends nothing either."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])

    told_by_contractor = await tell_status(staff, order["id"], told("no_access", minutes_ago(20)))
    assert told_by_contractor.status_code == 200, told_by_contractor.text
    recorded = await no_access_outcome(staff, appointment.id)
    assert recorded.status_code == 200, recorded.text

    assert about(await schedule_messages(repairs_database, "plumbfast"), order["id"]) == []


async def test_staffs_missed_outcome_tells_the_contractor_the_appointment_is_off(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The office recorded the appointment missed (here: the landlord called it off
    late): the contractor's system still had it booked, so its operative would still
    turn up, or its planner wait for a visit that is not happening. It is sent the
    appointment as it now is (status missed, with who missed it and why), once: the
    appointment is no longer booked, so the outcome cannot be recorded again
    (docs/adr/0069). A kept appointment sends nothing: the operative was there."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])

    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={"outcome": "missed", "reason": "cancelled_late_by_landlord"},
    )
    again = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={"outcome": "missed", "reason": "cancelled_late_by_landlord"},
    )

    assert recorded.status_code == 200, recorded.text
    assert again.status_code == 409, again.text
    sent = about(await schedule_messages(repairs_database, "plumbfast"), order["id"])
    assert [(m["id"], m["status"], m["missed_by"], m["missed_reason"]) for m in sent] == [
        (str(appointment.id), "missed", "landlord", "cancelled_late_by_landlord")
    ]
    assert sent[0] == recorded.json()

    kept_order = await raised_an_hour_ago(staff, repairs_database, a_uprn())
    kept = await under_way(repairs_database, kept_order["uprn"], [kept_order])
    was_kept = await staff.post(f"/v1/appointments/{kept.id}/outcome", json={"outcome": "kept"})
    assert was_kept.status_code == 200, was_kept.text
    assert about(await schedule_messages(repairs_database, "plumbfast"), kept_order["id"]) == []


async def test_the_message_never_names_a_member_of_staff(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """An appointment holding who on the staff confirmed a household's request (ADR
    0129) sends the contractor none of it: `resident_asked_confirmed_by` is null in the
    schedule-repair, as staff ids are never the contractor's."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    (slot,) = (await free_slots(staff, uprn, ["plumbing"]))[:1]
    booked = await book(staff, [order["id"]], slot)
    async with repairs_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Appointment)
            .where(col(Appointment.id) == uuid.UUID(booked["id"]))
            .values(resident_asked_confirmed_by="staff-0042")
        )
    cancelled = await staff.post(
        f"/v1/appointments/{booked['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text

    sent = about(await schedule_messages(repairs_database, "plumbfast"), order["id"])
    assert [m["status"] for m in sent] == ["booked", "cancelled"]
    assert [m["resident_asked_confirmed_by"] for m in sent] == [None, None]
