"""One visit, one record: the appointment is the visit (docs/adr/0057).

A no-access visit could be recorded in two places that did not meet: staff's outcome
on the appointment (`no_access`) ended the appointment but added nothing to its work
orders' `no_access_visits` and left them `appointment_made`; a contractor's `no_access`
on the work order added a visit but left the appointment `booked` (so it could not be
booked again without a cancel, and a staff outcome then counted nothing). Now either
ends the appointment whose window covers the visit as no access (appointment-missed,
once), counts one visit on each of its open work orders, sets them `no_access` (a
booking takes them on to `appointment_made`, as from `raised`) and puts a booked
appointment request back to pending; whichever is recorded second finds the first and
counts nothing. The same contractor update sent again under another Idempotency-Key
is answered as a replay (200, the work order as it is) and not kept twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_contracts.events.repairs import AppointmentSlot
from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments import repository as appointment_repository
from repairs.appointments.schemas import AppointmentOutcome, Outcome
from repairs.appointments.service import AppointmentService
from repairs.models import Appointment, WorkOrder, WorkOrderStatus
from repairs.orders.schemas import ContractorStatus, StatusUpdate
from repairs.orders.service import WorkOrderService
from repairs.settings import RepairsSettings
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_appointment_outcomes import (
    missed_events,
    plumbing_and_carpentry_ordered_after_one_visit,
)
from services.repairs.tests.orders.test_contractor_appointments import tell_status
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
    told,
)
from services.repairs.tests.orders.test_work_orders import a_uprn
from tests.harness.locks import until_a_backend_waits_for_a_lock


async def under_way(
    db: Database, uprn: str, orders: list[dict[str, Any]], *, slot_name: str | None = None
) -> Appointment:
    """An appointment for the work orders whose window opened 45 minutes ago and closes
    in 75, booked the day before (stored directly: the API books no slot that has
    started), the work orders `appointment_made` at the booking, as a booking leaves
    them. With `slot_name` it holds its places in that slot (unique to the test, so no
    other test's appointment shares it), as a booking does."""
    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=45)
    appointment = Appointment(
        uprn=uprn,
        contractor_id="plumbfast",
        day=opened.date(),
        slot=AppointmentSlot.TWO_HOUR,
        slot_name=slot_name or "two_hour",
        window_start=opened,
        window_end=opened + timedelta(hours=2),
        trades=sorted({order["trade"] for order in orders}),
        work_order_ids=[order["id"] for order in orders],
        booked_at=opened - timedelta(minutes=10),
    )
    async with db.sessionmaker() as session, session.begin():
        if slot_name is None:
            session.add(appointment)
        else:
            appointment_repository.add_appointment(
                session, appointment, sorted({Trade(order["trade"]) for order in orders})
            )
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id).in_([uuid.UUID(o["id"]) for o in orders]))
            .values(
                status=WorkOrderStatus.APPOINTMENT_MADE,
                status_changed_at=opened - timedelta(minutes=10),
            )
        )
    return appointment


async def work_order(staff: httpx.AsyncClient, order: dict[str, Any]) -> dict[str, Any]:
    got = await staff.get(f"/v1/work-orders/{order['id']}")
    assert got.status_code == 200, got.text
    return dict(got.json())


async def appointment_now(staff: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    [only] = (await staff.get("/v1/appointments", params={"uprn": uprn})).json()["items"]
    return dict(only)


async def history(staff: httpx.AsyncClient, order: dict[str, Any]) -> list[tuple[str, str]]:
    got = await staff.get(f"/v1/work-orders/{order['id']}/status-updates")
    return [(u["status"], u["at"]) for u in got.json()["items"]]


async def no_access_outcome(staff: httpx.AsyncClient, appointment_id: uuid.UUID) -> httpx.Response:
    return await staff.post(
        f"/v1/appointments/{appointment_id}/outcome", json={"outcome": "no_access"}
    )


async def test_staffs_no_access_outcome_counts_a_visit_on_each_open_work_order(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    orders = [
        await raised_an_hour_ago(staff, repairs_database, uprn),
        await raised_an_hour_ago(staff, repairs_database, uprn),
    ]
    appointment = await under_way(repairs_database, uprn, orders)

    recorded = await no_access_outcome(staff, appointment.id)

    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "no_access"
    for order in orders:
        got = await work_order(staff, order)
        assert (got["no_access_visits"], got["status"]) == (1, "no_access")
    assert await missed_events(repairs_database, uprn) == 1


async def test_a_contractors_no_access_in_the_window_ends_the_appointment_as_no_access(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Told on one work order, the visit is the appointment's: each of its work orders
    has the visit, the appointment is no access (appointment-missed), and the work can
    be booked again at once."""
    uprn = a_uprn()
    first = await raised_an_hour_ago(staff, repairs_database, uprn)
    second = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [first, second])

    told_at = minutes_ago(20)
    sent = await tell_status(staff, first["id"], told("no_access", told_at))

    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["no_access_visits"]) == ("no_access", 1)
    ended = await appointment_now(staff, uprn)
    assert (ended["id"], ended["status"]) == (str(appointment.id), "no_access")
    assert (ended["missed_by"], ended["missed_reason"]) == ("resident", "no_access")
    other = await work_order(staff, second)
    assert (other["no_access_visits"], other["status"]) == (1, "no_access")
    assert await missed_events(repairs_database, uprn) == 1
    slot = (
        await staff.get(
            "/v1/appointments/availability", params={"uprn": uprn, "trades": ["plumbing"]}
        )
    ).json()["slots"][-1]
    again = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [first["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert again.status_code == 201, again.text
    assert (await work_order(staff, first))["status"] == "appointment_made"


async def test_whichever_records_the_visit_second_counts_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    # the contractor first, then staff: the staff outcome is answered as the
    # appointment is, nothing counted or published again
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    await tell_status(staff, order["id"], told("no_access", minutes_ago(20)))
    assert (await appointment_now(staff, uprn))["status"] == "no_access"
    second = await no_access_outcome(staff, appointment.id)
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "no_access"
    assert (await work_order(staff, order))["no_access_visits"] == 1
    assert await missed_events(repairs_database, uprn) == 1

    # staff first, then the contractor: its update is kept, the visit not counted again
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    await no_access_outcome(staff, appointment.id)
    assert (await work_order(staff, order))["no_access_visits"] == 1
    late = await tell_status(staff, order["id"], told("no_access", minutes_ago(20)))
    assert late.status_code == 200, late.text
    assert late.json()["no_access_visits"] == 1
    assert [status for status, _ in await history(staff, order)] == ["no_access"]
    assert await missed_events(repairs_database, uprn) == 1

    # a kept or missed appointment is not made no access by staff afterwards
    refused = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome", json={"outcome": "kept"}
    )
    assert refused.status_code == 409, refused.text


async def test_a_contractors_no_access_outside_any_window_is_a_visit_of_its_own(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Before the appointment's window opened: no appointment of Hearth's was missed,
    the appointment stays booked, and the contractor's visit counts on the work order."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    await under_way(repairs_database, uprn, [order])
    sent = await tell_status(staff, order["id"], told("no_access", minutes_ago(55)))
    assert sent.status_code == 200, sent.text
    assert sent.json()["no_access_visits"] == 1
    assert (await appointment_now(staff, uprn))["status"] == "booked"
    assert await missed_events(repairs_database, uprn) == 0


async def test_the_same_update_sent_twice_under_two_keys_is_kept_once(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database)
    body = told("no_access", minutes_ago(30))
    answers = [
        await staff.post(
            f"/v1/contractor/work-orders/{order['id']}/status",
            json=body,
            auth=contractor("plumbfast"),
            headers={"Idempotency-Key": key},
        )
        for key in ("plumbfast-889-no-access", "plumbfast-889-no-access-retry")
    ]
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    assert answers[1].json() == answers[0].json()
    assert answers[1].json()["no_access_visits"] == 1
    assert len(await history(staff, order)) == 1

    # the same status at another moment is another update
    other = await tell_status(staff, order["id"], told("no_access", minutes_ago(25)))
    assert other.json()["no_access_visits"] == 2
    assert len(await history(staff, order)) == 2


async def test_staff_and_contractor_recording_the_visit_at_once_count_it_once(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    """Both ways round on PostgreSQL: the test's transaction records one side and holds
    its locks until the other, sent through the API, is seen waiting for a lock; then it
    commits. The second finds the appointment ended as no access: one visit, one
    appointment-missed, both answered 200."""
    on_postgresql(repairs_database)
    appointments = AppointmentService(
        contracted_settings, WorkingDayCalendar(contracted_settings.closure_days)
    )
    orders = WorkOrderService(contracted_settings)

    # staff's outcome holds the appointment; the contractor's update waits for it
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    async with repairs_database.sessionmaker() as session, session.begin():
        await appointments.record_outcome(
            session, appointment.id, AppointmentOutcome(outcome=Outcome.NO_ACCESS)
        )
        waiting = asyncio.create_task(
            tell_status(staff, order["id"], told("no_access", minutes_ago(20)))
        )
        await until_a_backend_waits_for_a_lock(repairs_database)
    sent = await waiting
    assert sent.status_code == 200, sent.text
    assert (await work_order(staff, order))["no_access_visits"] == 1
    assert await missed_events(repairs_database, uprn) == 1

    # the contractor's update holds the appointment; staff's outcome waits for it
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    async with repairs_database.sessionmaker() as session, session.begin():
        await orders.update_status(
            session,
            uuid.UUID(order["id"]),
            "plumbfast",
            StatusUpdate(status=ContractorStatus.NO_ACCESS, at=minutes_ago(20)),
        )
        outcome = asyncio.create_task(no_access_outcome(staff, appointment.id))
        await until_a_backend_waits_for_a_lock(repairs_database)
    recorded = await outcome
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "no_access"
    assert (await work_order(staff, order))["no_access_visits"] == 1
    assert await missed_events(repairs_database, uprn) == 1


async def test_a_visits_appointment_request_waits_again_after_no_access(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The visit's repairs booked in one appointment (the request booked), which then
    finds no one in: the request is pending again, as after a cancellation, until the
    work is booked again."""
    uprn, ids = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, repairs_database, contractor_id="plumbfast"
    )
    slot = (
        await staff.get(
            "/v1/appointments/availability",
            params={"uprn": uprn, "trades": ["plumbing", "carpentry"]},
        )
    ).json()["slots"][-7]
    booked = await staff.post(
        "/v1/appointments", json={"work_order_ids": ids, "day": slot["day"], "slot": slot["slot"]}
    )
    assert booked.status_code == 201, booked.text
    opened = datetime.now(UTC) - timedelta(minutes=30)
    async with repairs_database.sessionmaker() as session, session.begin():
        # the day has come: the window opened half an hour ago
        await session.execute(
            update(Appointment)
            .where(col(Appointment.id) == uuid.UUID(booked.json()["id"]))
            .values(window_start=opened, window_end=opened + timedelta(hours=2))
        )

    recorded = await no_access_outcome(staff, uuid.UUID(booked.json()["id"]))

    assert recorded.status_code == 200, recorded.text
    [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()["items"]
    assert request["status"] == "pending"
    slot = (
        await staff.get(
            "/v1/appointments/availability",
            params={"uprn": uprn, "trades": ["plumbing", "carpentry"]},
        )
    ).json()["slots"][-8]
    again = await staff.post(
        "/v1/appointments", json={"work_order_ids": ids, "day": slot["day"], "slot": slot["slot"]}
    )
    assert again.status_code == 201, again.text
    [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()["items"]
    assert request["status"] == "booked"
    for order_id in ids:
        got = await work_order(staff, {"id": order_id})
        assert (got["status"], got["no_access_visits"]) == ("appointment_made", 1)


async def test_missed_with_reason_no_access_is_refused_for_the_no_access_outcome(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """`missed` with `reason` `no_access` would end the appointment as missed and count
    no visit: the same visit recorded two ways with two results. It is refused, naming
    `reason` and pointing at the `no_access` outcome; nothing is changed or published."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])

    for body in (
        {"outcome": "missed", "reason": "no_access"},
        {"outcome": "missed", "missed_by": "resident", "reason": "no_access"},
    ):
        refused = await staff.post(f"/v1/appointments/{appointment.id}/outcome", json=body)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["reason"]
        assert "no_access" in refused.json()["detail"]

    assert (await appointment_now(staff, uprn))["status"] == "booked"
    got = await work_order(staff, order)
    assert (got["no_access_visits"], got["status"]) == (0, "appointment_made")
    assert await missed_events(repairs_database, uprn) == 0


async def places_held(db: Database, appointment: Appointment) -> int:
    async with db.sessionmaker() as session:
        counts = await appointment_repository.booked_counts(
            session, [Trade.PLUMBING], appointment.day, appointment.day
        )
    return counts.get((Trade.PLUMBING, appointment.day, appointment.slot_name), 0)


async def test_a_no_access_appointment_keeps_its_place_in_the_slot_as_kept_and_missed_do(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The visit happened and used the operative's time in that slot, whoever recorded
    it: the place is not freed as a cancellation's or rebooking's is (their slot is
    still to come, so the place can be offered again; a no-access slot has started, so
    availability offers it to no one either way)."""
    uprn = a_uprn()
    first = await raised_an_hour_ago(staff, repairs_database, uprn)
    by_staff = await under_way(repairs_database, uprn, [first], slot_name="held_by_staff")
    assert await places_held(repairs_database, by_staff) == 1
    recorded = await no_access_outcome(staff, by_staff.id)
    assert recorded.status_code == 200, recorded.text
    assert await places_held(repairs_database, by_staff) == 1

    other = a_uprn()
    second = await raised_an_hour_ago(staff, repairs_database, other)
    by_contractor = await under_way(repairs_database, other, [second], slot_name="held_by_firm")
    sent = await tell_status(staff, second["id"], told("no_access", minutes_ago(20)))
    assert sent.status_code == 200, sent.text
    assert (await appointment_now(staff, other))["status"] == "no_access"
    assert await places_held(repairs_database, by_contractor) == 1
