"""`hearth repairs end-no-access-left-booked`: appointments a contractor's no_access
left booked before docs/adr/0057.

Before 0057 a contractor's no_access at a moment the window covered counted its visit
on its work order but left the appointment booked; since, the same update ends the
appointment as no access. Those left booked stay booked until staff record their
outcome, and ending them publishes appointment-missed and settles appointment requests,
which no migration does. The command ends each as that no access, at the contractor's
`at`, as staff's outcome would: a visit counted only on the work orders without the
contractor's no_access in the window, appointment-missed once, the visit's request
pending again. Run twice, the second run changes nothing."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from hearth_kit import cli
from hearth_kit.db import Database
from repairs.models import Appointment, WebhookDelivery, WorkOrder, WorkOrderStatus
from repairs.models import WorkOrderStatusUpdate as StatusUpdate
from services.repairs.tests.orders.test_appointment_outcomes import (
    missed_events,
    plumbing_and_carpentry_ordered_after_one_visit,
)
from services.repairs.tests.orders.test_one_no_access_visit import appointment_now, work_order


async def hearth(url: str, *args: str) -> int:
    """Run `hearth ARGS` on this repairs database (in a thread: the command runs its
    own event loop)."""
    previous = os.environ.get("HEARTH_REPAIRS_DATABASE_URL")
    os.environ["HEARTH_REPAIRS_DATABASE_URL"] = url
    try:
        return await asyncio.to_thread(cli.main, list(args))
    finally:
        if previous is None:
            os.environ.pop("HEARTH_REPAIRS_DATABASE_URL", None)
        else:
            os.environ["HEARTH_REPAIRS_DATABASE_URL"] = previous


def listed(out: str) -> dict[str, str]:
    """The command's lines: appointment id to the contractor's no_access moment."""
    lines = [line.split("\t") for line in out.splitlines() if "\t" in line]
    assert lines[0] == ["appointment_id", "window_start", "window_end", "no_access_at"]
    return {line[0]: line[3] for line in lines[1:]}


async def booked_in_the_past(
    staff: httpx.AsyncClient, db: Database, *, hours_ago: int
) -> tuple[str, list[str], dict[str, Any], datetime]:
    """A visit's plumbing and carpentry work orders booked in one appointment (the
    visit's appointment request booked), moved to a two-hour window that opened
    `hours_ago` hours ago, booked the day before (the API books no slot in the past):
    the home, the work orders, the appointment, its window's start."""
    uprn, ids = await plumbing_and_carpentry_ordered_after_one_visit(
        staff, db, contractor_id="plumbfast"
    )
    slot = (
        await staff.get(
            "/v1/appointments/availability",
            params={"uprn": uprn, "trades": ["plumbing", "carpentry"]},
        )
    ).json()["slots"][-9]
    booked = await staff.post(
        "/v1/appointments", json={"work_order_ids": ids, "day": slot["day"], "slot": slot["slot"]}
    )
    assert booked.status_code == 201, booked.text
    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(Appointment)
            .where(col(Appointment.id) == uuid.UUID(booked.json()["id"]))
            .values(
                window_start=opened,
                window_end=opened + timedelta(hours=2),
                booked_at=opened - timedelta(days=1),
            )
        )
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id).in_([uuid.UUID(i) for i in ids]))
            .values(status_changed_at=opened - timedelta(days=1))
        )
    return uprn, ids, booked.json(), opened


async def told_no_access_before_0057(db: Database, work_order_id: str, at: datetime) -> None:
    """What a contractor's no_access did before docs/adr/0057: kept, one visit counted on
    its work order, the work order no_access from `at`; the appointment left booked."""
    async with db.sessionmaker() as session, session.begin():
        session.add(
            StatusUpdate(
                work_order_id=uuid.UUID(work_order_id),
                status=WorkOrderStatus.NO_ACCESS,
                at=at,
                received_at=at + timedelta(minutes=1),
            )
        )
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(work_order_id))
            .values(
                status=WorkOrderStatus.NO_ACCESS,
                status_changed_at=at,
                no_access_visits=WorkOrder.no_access_visits + 1,
            )
        )


async def schedule_repairs_queued(db: Database, appointment_id: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(col(WebhookDelivery.body).contains(appointment_id))
        )
    return int(count or 0)


async def request_status(staff: httpx.AsyncClient, uprn: str) -> str:
    [request] = (await staff.get("/v1/appointment-requests", params={"uprn": uprn})).json()["items"]
    return str(request["status"])


async def test_an_appointment_a_contractors_no_access_left_booked_ends_as_that_no_access_once(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    repairs_db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uprn, [plumbing, carpentry], appointment, opened = await booked_in_the_past(
        staff, repairs_database, hours_ago=3
    )
    told_at = opened + timedelta(minutes=30)
    await told_no_access_before_0057(repairs_database, plumbing, told_at)
    # another home: its window passed with no contractor's word, or its no_access came
    # before the window opened (a visit of its own): both stay booked
    quiet_uprn, _, quiet, _ = await booked_in_the_past(staff, repairs_database, hours_ago=4)
    early_uprn, [early_order, _], early, early_opened = await booked_in_the_past(
        staff, repairs_database, hours_ago=5
    )
    await told_no_access_before_0057(
        repairs_database, early_order, early_opened - timedelta(minutes=5)
    )
    assert await request_status(staff, uprn) == "booked"
    capsys.readouterr()

    # the dry run lists it and changes nothing
    assert await hearth(repairs_db_url, "repairs", "end-no-access-left-booked") == 0
    found = listed(capsys.readouterr().out)
    assert found[appointment["id"]] == told_at.isoformat()
    assert quiet["id"] not in found
    assert early["id"] not in found
    assert (await appointment_now(staff, uprn))["status"] == "booked"
    assert await missed_events(repairs_database, uprn) == 0

    assert await hearth(repairs_db_url, "repairs", "end-no-access-left-booked", "--apply") == 0
    assert listed(capsys.readouterr().out)[appointment["id"]] == told_at.isoformat()

    ended = await appointment_now(staff, uprn)
    assert (ended["status"], ended["missed_by"], ended["missed_reason"]) == (
        "no_access",
        "resident",
        "no_access",
    )
    told_order = await work_order(staff, {"id": plumbing})
    other_order = await work_order(staff, {"id": carpentry})
    # the contractor's no_access counted the plumbing visit when it was kept: not again
    assert (told_order["status"], told_order["no_access_visits"]) == ("no_access", 1)
    assert (other_order["status"], other_order["no_access_visits"]) == ("no_access", 1)
    assert datetime.fromisoformat(other_order["status_changed_at"]) == told_at
    assert await request_status(staff, uprn) == "pending"
    assert await missed_events(repairs_database, uprn) == 1
    assert await schedule_repairs_queued(repairs_database, appointment["id"]) == 1  # the booking
    for home in (quiet_uprn, early_uprn):
        assert (await appointment_now(staff, home))["status"] == "booked"
    assert await missed_events(repairs_database, quiet_uprn) == 0
    assert await missed_events(repairs_database, early_uprn) == 0

    # run again: nothing left to end, nothing counted or published twice
    assert await hearth(repairs_db_url, "repairs", "end-no-access-left-booked", "--apply") == 0
    assert appointment["id"] not in listed(capsys.readouterr().out)
    assert await missed_events(repairs_database, uprn) == 1
    assert (await work_order(staff, {"id": carpentry}))["no_access_visits"] == 1
    assert (await work_order(staff, {"id": plumbing}))["no_access_visits"] == 1


async def test_staffs_outcome_first_leaves_nothing_to_end(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    repairs_db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Staff recorded the outcome after the contractor's no_access (as 0057 said to):
    the appointment is no longer booked, and the command leaves it alone."""
    uprn, [plumbing, _], appointment, opened = await booked_in_the_past(
        staff, repairs_database, hours_ago=3
    )
    await told_no_access_before_0057(repairs_database, plumbing, opened + timedelta(minutes=30))
    recorded = await staff.post(
        f"/v1/appointments/{appointment['id']}/outcome", json={"outcome": "no_access"}
    )
    assert recorded.status_code == 200, recorded.text
    capsys.readouterr()
    assert await hearth(repairs_db_url, "repairs", "end-no-access-left-booked", "--apply") == 0
    assert appointment["id"] not in listed(capsys.readouterr().out)
    assert await missed_events(repairs_database, uprn) == 1
