"""appointment-missed, and the schedule-repair message the contractor is sent, say when
the appointment was missed (`missed_at`), not only when the office recorded it
(`recorded_at`, the message's arrival). An outcome is dated when it happened (staff's
occurred_at; a contractor's no_access or late move at its `at`), so a consumer counting
missed appointments by recorded_at, or a contractor taking the message's arrival as the
visit, put one typed in the next morning on the wrong day. `missed_at` is an optional
field in the same version (hearth_contracts.compatibility: the one compatible change),
null only on events published before it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_schedule_repair_message import (
    about,
    schedule_messages,
)
from services.repairs.tests.orders.test_contractor_appointments import tell_status
from services.repairs.tests.orders.test_contractor_moves_a_started_appointment import moved
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
    told,
)
from services.repairs.tests.orders.test_one_no_access_visit import under_way
from services.repairs.tests.orders.test_work_orders import a_uprn, published_data


async def missed_events(db: Database, uprn: str) -> list[dict[str, Any]]:
    """The data of every appointment-missed in the outbox for the home."""
    return await published_data(db, uprn, "uk.hearth.repairs.appointment-missed.v1")


@pytest.mark.parametrize(
    "body",
    [{"outcome": "no_access"}, {"outcome": "missed", "reason": "cancelled_late_by_landlord"}],
    ids=["no access", "missed"],
)
async def test_staffs_outcome_says_when_it_happened_to_consumers_and_the_contractor(
    staff: httpx.AsyncClient, repairs_database: Database, body: dict[str, Any]
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    happened = minutes_ago(30)

    # sent with another offset (an operative's device in Paris): written in UTC as the
    # message's and the event's other times are
    paris = timezone(timedelta(hours=1))

    recorded = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={**body, "occurred_at": happened.astimezone(paris).isoformat()},
    )

    assert recorded.status_code == 200, recorded.text
    [event] = await missed_events(repairs_database, uprn)
    assert datetime.fromisoformat(event["missed_at"]) == happened
    assert datetime.fromisoformat(event["recorded_at"]) > happened
    [sent] = about(await schedule_messages(repairs_database, "plumbfast"), order["id"])
    assert datetime.fromisoformat(sent["missed_at"]) == happened
    assert datetime.fromisoformat(sent["missed_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(recorded.json()["missed_at"]) == happened


async def test_a_contractors_no_access_is_missed_at_its_own_at(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    await under_way(repairs_database, uprn, [order])
    visited = minutes_ago(30)

    sent = await tell_status(staff, order["id"], told("no_access", visited))

    assert sent.status_code == 200, sent.text
    [event] = await missed_events(repairs_database, uprn)
    assert datetime.fromisoformat(event["missed_at"]) == visited


async def test_a_contractors_late_move_is_missed_at_its_at(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    old = await under_way(repairs_database, uprn, [order])
    arranged = minutes_ago(20)

    response = await moved(staff, order, arranged)

    assert response.status_code == 200, response.text
    [event] = await missed_events(repairs_database, uprn)
    assert event["appointment_id"] == str(old.id)
    assert datetime.fromisoformat(event["missed_at"]) == arranged


async def test_a_booked_or_kept_appointment_has_no_missed_at(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await raised_an_hour_ago(staff, repairs_database, uprn)
    appointment = await under_way(repairs_database, uprn, [order])
    [booked] = (await staff.get("/v1/appointments", params={"uprn": uprn})).json()["items"]
    assert booked["missed_at"] is None

    kept = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome",
        json={"outcome": "kept", "occurred_at": minutes_ago(30).isoformat()},
    )

    assert kept.status_code == 200, kept.text
    assert kept.json()["missed_at"] is None
