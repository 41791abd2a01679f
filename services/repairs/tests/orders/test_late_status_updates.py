"""A contractor's status update is a fact at its `at`, and updates arrive out of order.

Contractors' systems send from queues and retry, and two REST calls can overtake each
other: "operative on the way" at 10:05 can arrive after "in progress" at 10:20. Each
update set the work order's status and its time, so the late one moved both back
(on the way again, at 10:05). Every update is now kept in `at` order and the status is
the latest by `at` (of two at the same second, the later to arrive); a late one is
answered 200 with the work order as it is. What it says still counts (a no-access visit,
a variation's amount, an appointment's window) unless a later update of its kind was
kept, and a completed work order is never moved (docs/adr/0054)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WorkOrder
from repairs.orders.schemas import ContractorStatus, StatusUpdate
from repairs.orders.service import WorkOrderService
from repairs.settings import RepairsSettings
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_contractor_appointments import (
    appointments_at,
    booked_events,
    made,
    moment,
    tell_status,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order
from tests.harness.locks import until_a_backend_waits_for_a_lock


def minutes_ago(minutes: int) -> datetime:
    """A moment to the whole second, as contractors' systems send them."""
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(microsecond=0)


def told(status: str, at: datetime, **more: Any) -> dict[str, Any]:
    return {"status": status, "at": at.isoformat(), **more}


async def raised_an_hour_ago(
    staff: httpx.AsyncClient, db: Database, uprn: str | None = None
) -> dict[str, Any]:
    """A work order as raised an hour ago, so its updates can be told at earlier
    moments than now (an update before the raising is refused)."""
    order = await a_work_order(staff, db, uprn or a_uprn())
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(order["id"]))
            .values(raised_at=an_hour_ago, status_changed_at=an_hour_ago)
        )
    return order


async def current(staff: httpx.AsyncClient, order: dict[str, Any]) -> tuple[str, datetime]:
    got = (await staff.get(f"/v1/work-orders/{order['id']}")).json()
    return got["status"], moment(got["status_changed_at"])


async def test_an_update_older_than_the_status_is_kept_and_moves_nothing_back(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database)
    on_the_way, in_progress = minutes_ago(50), minutes_ago(35)
    first = await tell_status(staff, order["id"], told("in_progress", in_progress))
    assert first.status_code == 200, first.text

    late = await tell_status(staff, order["id"], told("operative_on_the_way", on_the_way))

    assert late.status_code == 200, late.text
    assert (late.json()["status"], moment(late.json()["status_changed_at"])) == (
        "in_progress",
        in_progress,
    )
    assert await current(staff, order) == ("in_progress", in_progress)
    history = await staff.get(f"/v1/work-orders/{order['id']}/status-updates")
    assert history.status_code == 200, history.text
    assert [(u["status"], moment(u["at"])) for u in history.json()["items"]] == [
        ("operative_on_the_way", on_the_way),
        ("in_progress", in_progress),
    ]
    own = await staff.get(
        f"/v1/contractor/work-orders/{order['id']}/status-updates", auth=contractor("plumbfast")
    )
    assert own.json() == history.json()
    theirs = await staff.get(
        f"/v1/contractor/work-orders/{order['id']}/status-updates", auth=contractor("sparks")
    )
    assert theirs.status_code == 404, theirs.text


async def test_two_updates_at_the_same_second_the_later_to_arrive_is_the_status(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database)
    same = minutes_ago(30)
    await tell_status(staff, order["id"], told("operative_on_the_way", same))
    second = await tell_status(staff, order["id"], told("in_progress", same))
    assert second.json()["status"] == "in_progress"
    assert await current(staff, order) == ("in_progress", same)


async def test_what_a_late_update_says_still_counts_unless_a_later_one_said_otherwise(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A no-access visit told late was still a visit; a variation's amount told late
    stands, unless a later variation request was kept (its amount is the newer)."""
    order = await raised_an_hour_ago(staff, repairs_database)
    await tell_status(staff, order["id"], told("in_progress", minutes_ago(10)))
    no_access = await tell_status(staff, order["id"], told("no_access", minutes_ago(40)))
    assert no_access.json()["no_access_visits"] == 1
    asked = await tell_status(
        staff, order["id"], told("variation_requested", minutes_ago(20), variation_pence=9_000)
    )
    assert asked.json()["variation_requested_pence"] == 9_000
    older = await tell_status(
        staff, order["id"], told("variation_requested", minutes_ago(30), variation_pence=4_000)
    )
    assert older.status_code == 200, older.text
    assert older.json()["variation_requested_pence"] == 9_000
    assert older.json()["status"] == "in_progress"


async def test_a_late_appointment_window_does_not_move_a_newer_one(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The household agreed a new time at 10:20 after one at 10:05: the 10:05
    arrangement arriving last neither moves the appointment back nor tells the
    household of it again (no appointment-booked)."""
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    newer = made(tomorrow + timedelta(hours=4), tomorrow + timedelta(hours=6))
    older = made(tomorrow, tomorrow + timedelta(hours=2))
    moved = await tell_status(staff, order["id"], {**newer, "at": minutes_ago(20).isoformat()})
    assert moved.status_code == 200, moved.text
    told_before = len(await booked_events(repairs_database, uprn))

    late = await tell_status(staff, order["id"], {**older, "at": minutes_ago(40).isoformat()})

    assert late.status_code == 200, late.text
    booked = (await appointments_at(staff, uprn))["booked"]
    assert moment(booked["window_start"]) == tomorrow + timedelta(hours=4)
    assert len(await booked_events(repairs_database, uprn)) == told_before


async def test_a_completed_work_order_is_never_moved_by_an_update_from_before_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """An update from before the completion is kept and answered with the completed
    work order; one after it is still a 409 `status` (no status follows completion)."""
    order = await raised_an_hour_ago(staff, repairs_database)
    completed_at = minutes_ago(15)
    done = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": completed_at.isoformat()},
        auth=contractor("plumbfast"),
    )
    assert done.status_code == 200, done.text

    late = await tell_status(staff, order["id"], told("in_progress", minutes_ago(25)))

    assert late.status_code == 200, late.text
    assert late.json()["status"] == "completed"
    assert await current(staff, order) == ("completed", completed_at)
    after = await tell_status(staff, order["id"], told("in_progress", minutes_ago(5)))
    assert after.status_code == 409, after.text
    assert [e["field"] for e in after.json()["errors"]] == ["status"]


async def _interleaved(
    staff: httpx.AsyncClient,
    db: Database,
    settings: RepairsSettings,
    held: StatusUpdate,
    waiting: StatusUpdate,
) -> tuple[dict[str, Any], httpx.Response]:
    """`held` told in the test's transaction, which holds the work order's row while
    `waiting` is sent through the API and seen waiting for it; then both commit."""
    order = await raised_an_hour_ago(staff, db)
    orders = WorkOrderService(settings)
    async with db.sessionmaker() as session, session.begin():
        await orders.update_status(session, uuid.UUID(order["id"]), "plumbfast", held)
        other = asyncio.create_task(
            tell_status(staff, order["id"], waiting.model_dump(mode="json", exclude_none=True))
        )
        await until_a_backend_waits_for_a_lock(db)
    return order, await other


async def test_an_older_update_waiting_on_a_newer_ones_lock_does_not_move_it_back(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    """The two calls at once: "in progress" holds the work order while the older
    "on the way" waits for it, then reads the status it left and keeps it."""
    on_postgresql(repairs_database)
    on_the_way, in_progress = minutes_ago(50), minutes_ago(35)
    order, late = await _interleaved(
        staff,
        repairs_database,
        contracted_settings,
        held=StatusUpdate(status=ContractorStatus.IN_PROGRESS, at=in_progress),
        waiting=StatusUpdate(status=ContractorStatus.OPERATIVE_ON_THE_WAY, at=on_the_way),
    )
    assert late.status_code == 200, late.text
    assert late.json()["status"] == "in_progress"
    assert await current(staff, order) == ("in_progress", in_progress)

    order, newer = await _interleaved(
        staff,
        repairs_database,
        contracted_settings,
        held=StatusUpdate(status=ContractorStatus.OPERATIVE_ON_THE_WAY, at=on_the_way),
        waiting=StatusUpdate(status=ContractorStatus.IN_PROGRESS, at=in_progress),
    )
    assert newer.status_code == 200, newer.text
    assert await current(staff, order) == ("in_progress", in_progress)
