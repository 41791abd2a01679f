"""A recharge held for a manager's approval is the household's whose recorded
vulnerability held it: recharge-raised names that household's tenancy when the manager
approves, however long after. Income charges the household in the home on the day a
recharge is raised unless the event names a tenancy, and by the approval the household
that caused the damage may have left and the next moved in: that household would be
charged for damage it did not do, its vulnerability never considered (docs/adr/0105)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day
from services.repairs.tests.test_recharges import RECHARGE, a_repair, flag
from services.repairs.tests.test_recharges_after_tenancy_end import a_home, ended, flagged, run
from tests.harness.tokens import InternalTokenAuth

NOW = datetime.now(UTC)
MANAGER = InternalTokenAuth("repairs", scopes={"repairs:read", "repairs:manage"})


async def raised_event(db: Database, uprn: str) -> dict[str, Any]:
    """The data of the one recharge-raised published for the home."""
    async with db.sessionmaker() as session:
        (payload,) = (
            await session.scalars(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.repairs.recharge-raised.v1",
                )
            )
        ).all()
    event: dict[str, Any] = json.loads(payload)
    return dict(event["data"]) if "data" in event else event


async def request(staff: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    response = await staff.post(
        f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_approved_after_the_household_left_names_the_household_that_was_held(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, tenancy = a_home(), uuid.uuid4()
    await run(repairs_database, flagged(uuid.uuid4(), uprn, tenancy, NOW - timedelta(days=60)))
    held = await request(staff, uprn)
    assert held["status"] == "awaiting_approval"
    # The household leaves (and the next moves in) while the recharge waits.
    left = NOW - timedelta(minutes=1)
    await run(repairs_database, ended(tenancy, uprn, london_day(left), left))

    approved = await staff.post(f"/v1/recharges/{held['id']}/approval", auth=MANAGER)
    assert approved.status_code == 200, approved.text
    assert (await raised_event(repairs_database, uprn))["tenancy_id"] == str(tenancy)


async def test_a_recharge_raised_at_once_names_no_tenancy(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Raised at once, the day income dates it is the day it was asked for: the
    household in the home then is the one (and repairs knows no tenancy of a household
    with no flag)."""
    uprn = a_home()
    assert (await request(staff, uprn))["status"] == "raised"
    assert (await raised_event(repairs_database, uprn))["tenancy_id"] is None


async def test_flags_naming_no_tenancy_leave_it_to_income(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """An old v1 record names no tenancy, and two flags naming two tenancies name no
    one household: the event names none, and income's rule applies as before."""
    v1_home, two_home = a_home(), a_home()
    await flag(repairs_database, v1_home, ["mental_health"], NOW - timedelta(days=1))
    for tenancy in (uuid.uuid4(), uuid.uuid4()):
        await run(
            repairs_database, flagged(uuid.uuid4(), two_home, tenancy, NOW - timedelta(days=1))
        )
    for uprn in (v1_home, two_home):
        held = await request(staff, uprn)
        assert held["status"] == "awaiting_approval"
        approved = await staff.post(f"/v1/recharges/{held['id']}/approval", auth=MANAGER)
        assert approved.status_code == 200, approved.text
        assert (await raised_event(repairs_database, uprn))["tenancy_id"] is None
