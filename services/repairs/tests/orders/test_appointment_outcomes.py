"""Rebooking frees the old slot's place; kept / missed / no access are recorded once
the slot has started (appointment-missed for the last two); the overdue gauge counts
open repairs past their target."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import AppointmentSlot, RepairPriority, RepairSourceV2
from hearth_contracts.events.visits import Trade, VisitFoundRepair
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import LONDON
from repairs.handlers import build_handlers
from repairs.jobs import measure_overdue
from repairs.models import Appointment, RepairRequest
from repairs.webhooks.rules import back_off, signature, verify
from repairs.work_orders.repository import count_overdue
from repairs.work_orders.rules import overdue_if_target_before, target_completion
from repairs.work_orders.service import RepairService
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, schedule_of_rates

visit_handlers = build_handlers(RepairService())


async def missed_events(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.repairs.appointment-missed.v1",
            )
        )
    return int(count or 0)


async def test_rebooking_moves_the_appointment_and_frees_the_old_place(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    slots = (
        await staff.get(
            "/v1/appointments/availability", params={"uprn": uprn, "trades": ["electrical"]}
        )
    ).json()["slots"]
    first, second = slots[-2], slots[-3]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": first["day"], "slot": first["slot"]},
    )
    assert booked.status_code == 201, booked.text
    moved = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/rebook",
        json={"day": second["day"], "slot": second["slot"]},
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["rebooked_from_appointment_id"] == booked.json()["id"]
    again = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": ["electrical"]}
    )
    offered = {(s["day"], s["slot"]) for s in again.json()["slots"]}
    assert (first["day"], first["slot"]) in offered
    assert (second["day"], second["slot"]) not in offered
    stale = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/outcome", json={"outcome": "kept"}
    )
    assert stale.status_code == 409


async def test_an_outcome_before_the_slot_starts_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slot = (
        await staff.get(
            "/v1/appointments/availability", params={"uprn": uprn, "trades": ["plumbing"]}
        )
    ).json()["slots"][-4]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    response = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/outcome", json={"outcome": "no_access"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["outcome"]
    assert await missed_events(repairs_database, uprn) == 0


async def an_appointment_that_started_yesterday(
    db: Database, uprn: str, work_order_id: str
) -> Appointment:
    """A plumbing appointment for the work order whose morning slot started a day ago
    (booked three days before it), stored directly: the API books no slot in the past,
    and an outcome is recorded only once the slot has started."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    appointment = Appointment(
        uprn=uprn,
        contractor_id="plumbfast",
        day=yesterday.date(),
        slot=AppointmentSlot.AM,
        slot_name="am",
        window_start=yesterday,
        window_end=yesterday + timedelta(hours=4),
        trades=["plumbing"],
        work_order_ids=[work_order_id],
        booked_at=yesterday - timedelta(days=3),
    )
    async with db.sessionmaker() as session, session.begin():
        session.add(appointment)
    return appointment


async def test_no_access_at_a_past_appointment_is_recorded_as_missed_by_the_resident(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])
    response = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome", json={"outcome": "no_access"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "no_access"
    assert response.json()["missed_by"] == "resident"
    assert await missed_events(repairs_database, uprn) == 1


async def test_the_overdue_gauge_counts_open_repairs_past_their_target(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": a_uprn(),
            "description": "Broken window",
            "location": "lounge",
            "trade": "glazing",
            "priority": "emergency",
            "reported_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        },
    )
    assert response.json()["overdue"] is True
    async with repairs_database.sessionmaker() as session:
        assert await measure_overdue(session, datetime.now(UTC)) == 0
    gauge = REGISTRY.get_sample_value("hearth_repairs_overdue", {"priority": "emergency"})
    assert gauge is not None
    assert gauge >= 1


async def test_the_overdue_gauge_has_no_one_second_gap_at_the_end_of_the_target_day(
    repairs_database: Database,
) -> None:
    """A planned repair reported Wed 13 Mar 2019 is due by the end of Tue 11 Jun 2019
    (BST): open at 23:59:59.5 that day it is not overdue, at midnight it is. (No other
    test's repair has that target day.)"""
    repair = RepairRequest(
        uprn=a_uprn(),
        description="Renew fence panel",
        location="garden",
        trade=Trade.CARPENTRY,
        priority=RepairPriority.PLANNED,
        source=RepairSourceV2.CONTACT_CENTRE,
        reported_at=datetime(2019, 3, 13, 10, tzinfo=LONDON),
        target_at=target_completion(
            datetime(2019, 3, 13, 10, tzinfo=LONDON), RepairPriority.PLANNED
        ),
        created_at=datetime.now(UTC),
    )
    assert repair.target_at == datetime(2019, 6, 11, 22, 59, 59, tzinfo=UTC)
    async with repairs_database.sessionmaker() as session, session.begin():
        session.add(repair)
    async with repairs_database.sessionmaker() as session:
        last_moment = datetime(2019, 6, 11, 23, 59, 59, 500_000, tzinfo=LONDON)
        midnight = datetime(2019, 6, 12, 0, 0, tzinfo=LONDON)
        counts = [
            (await count_overdue(session, at, overdue_if_target_before(at))).get("planned", 0)
            for at in (last_moment, midnight)
        ]
    assert counts[1] - counts[0] == 1


def test_a_signature_verifies_only_for_the_same_body_secret_and_a_recent_time() -> None:
    body = b'{"id":"x"}'
    header = signature("s3cret", 1_800_000_000, body)
    assert verify("s3cret", header, body, 1_800_000_100)
    assert not verify("s3cret", header, body + b" ", 1_800_000_100)
    assert not verify("other", header, body, 1_800_000_100)
    assert not verify("s3cret", header, body, 1_800_000_000 + 301)
    assert not verify("s3cret", "garbage", body, 1_800_000_000)


def test_back_off_doubles_up_to_its_cap() -> None:
    waits = [back_off(n, first_seconds=30, max_seconds=3600) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(seconds=3600)
    # a message refused for weeks (over a thousand tries) waits the cap, not an error:
    # 30.0 (as read from HEARTH_REPAIRS_WEBHOOK_RETRY__FIRST_SECONDS) * 2**1100 is too
    # large for a float
    assert back_off(1101, first_seconds=30.0, max_seconds=3600.0) == timedelta(seconds=3600)


async def found_on_one_visit(
    db: Database, uprn: str, visit_id: uuid.UUID, trades: tuple[str, ...]
) -> None:
    """A repair of each trade found on one visit two hours ago, through the handler of
    visit-found-repair, as visits' events arrive."""
    for trade in trades:
        found = VisitFoundRepair(
            visit_id=visit_id,
            finding_id=uuid.uuid4(),
            uprn=uprn,
            description="Found on the visit",
            location="kitchen",
            trade=trade,
            reported_at=datetime.now(UTC) - timedelta(hours=2),
            repairs_found_on_visit=len(trades),
        )
        handler = visit_handlers.get(found.type)
        assert handler is not None
        async with db.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=found))


async def plumbing_and_carpentry_ordered_after_one_visit(
    staff: httpx.AsyncClient, db: Database, **work_order: object
) -> tuple[str, list[str]]:
    """A home where one visit found a plumbing and a carpentry repair (one pending
    appointment request), the schedule of rates loaded and a work order raised for each
    repair (`work_order`: more of its fields): the home and the work orders' ids."""
    uprn, visit_id = a_uprn(), uuid.uuid4()
    await found_on_one_visit(db, uprn, visit_id, ("plumbing", "carpentry"))
    await schedule_of_rates(db)
    repairs = (await staff.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    orders = []
    for repair in repairs:
        response = await staff.post(
            "/v1/work-orders",
            json={
                "repair_id": repair["id"],
                **work_order,
                "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
            },
        )
        assert response.status_code == 201, response.text
        orders.append(response.json()["id"])
    return uprn, orders


async def plumbing_and_electrical_ordered_after_one_visit(
    staff: httpx.AsyncClient, db: Database
) -> tuple[str, dict[str, str]]:
    """A home where one visit found a plumbing and an electrical repair (one pending
    appointment request; plumbfast and sparks, two contractors), the schedule of rates
    loaded and a work order raised for each: the home and the work orders' ids by
    trade."""
    uprn, visit_id = a_uprn(), uuid.uuid4()
    await found_on_one_visit(db, uprn, visit_id, ("plumbing", "electrical"))
    await schedule_of_rates(db)
    repairs = (await staff.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    orders: dict[str, str] = {}
    for repair in repairs:
        code = "PLB:20110" if repair["trade"] == "plumbing" else "ELE:30010"
        response = await staff.post(
            "/v1/work-orders",
            json={"repair_id": repair["id"], "lines": [{"sor_code": code, "quantity": 1}]},
        )
        assert response.status_code == 201, response.text
        orders[repair["trade"]] = response.json()["id"]
    return uprn, orders


async def test_the_repairs_found_on_a_visit_are_booked_in_one_appointment(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The visit's pending appointment request is the first user: its repairs' work
    orders go in one appointment covering both trades, and the request is booked."""
    uprn, orders = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, repairs_database, contractor_id="plumbfast"
    )
    slot = (
        await staff.get(
            "/v1/appointments/availability",
            params={"uprn": uprn, "trades": ["plumbing", "carpentry"]},
        )
    ).json()["slots"][-5]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": orders, "day": slot["day"], "slot": slot["slot"]},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["trades"] == ["carpentry", "plumbing"]
    [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()["items"]
    assert request["status"] == "booked"


async def test_a_visits_request_is_booked_only_when_every_trade_has_its_appointment(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Plumbing and electrical found on one visit go to two contractors, so two
    appointments: booking the plumbing leaves the request pending (it is still listed
    under ?status=pending) until the electrical work is booked too."""
    uprn, orders = await plumbing_and_electrical_ordered_after_one_visit(staff, repairs_database)

    async def book(trade: str, nth: int) -> None:
        slot = (
            await staff.get(
                "/v1/appointments/availability", params={"uprn": uprn, "trades": [trade]}
            )
        ).json()["slots"][nth]
        booked = await staff.post(
            "/v1/appointments",
            json={"work_order_ids": [orders[trade]], "day": slot["day"], "slot": slot["slot"]},
        )
        assert booked.status_code == 201, booked.text

    async def requests(status: str) -> list[dict[str, Any]]:
        params = {"uprn": uprn, "status": status}
        return (await staff.get("/v1/appointment-requests", params=params)).json()["items"]

    await book("plumbing", -6)
    [pending] = await requests("pending")
    assert sorted(pending["trades"]) == ["electrical", "plumbing"]
    assert await requests("booked") == []
    await book("electrical", -6)
    assert await requests("pending") == []
    assert [r["id"] for r in await requests("booked")] == [pending["id"]]
