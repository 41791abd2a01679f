"""Recharges: raised for a household with no recorded vulnerability; held for a
household with one (repairs knows only the flag) until a manager approves."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import VulnerabilityRecorded
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from repairs.handlers import build_handlers
from repairs.work_orders.service import RepairService
from tests.harness.tokens import InternalTokenAuth

handlers = build_handlers(RepairService())


async def recharges_raised(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.repairs.recharge-raised.v1",
            )
        )
    return int(count or 0)


async def flag(db: Database, uprn: str, categories: list[str], at: datetime) -> uuid.UUID:
    resident_id = uuid.uuid4()
    await record(db, resident_id, uprn, categories, at)
    return resident_id


async def record(
    db: Database, resident_id: uuid.UUID, uprn: str, categories: list[str], at: datetime
) -> None:
    event = VulnerabilityRecorded(
        resident_id=resident_id, uprn=uprn, categories=categories, recorded_at=at
    )
    run = handlers.get_batch(event.type)
    assert run is not None
    async with db.sessionmaker() as session, session.begin():
        await run(session, [Envelope(data=event)])


async def a_repair(staff: httpx.AsyncClient, uprn: str) -> str:
    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Door kicked in",
            "location": "front door",
            "trade": "carpentry",
            "priority": "urgent",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


RECHARGE = {"amount_pence": 12_000, "reason": "damage_by_household"}


async def test_a_recharge_is_raised_for_a_household_with_no_recorded_vulnerability(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair_id = await a_repair(staff, uprn)
    response = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "raised"
    assert await recharges_raised(repairs_database, uprn) == 1


async def test_a_vulnerable_household_is_not_recharged_until_a_manager_approves(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    await flag(repairs_database, uprn, ["mental_health"], datetime.now(UTC))
    repair_id = await a_repair(staff, uprn)
    held = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert held.json()["status"] == "awaiting_approval"
    assert held.json()["vulnerability_flagged"] is True
    assert await recharges_raised(repairs_database, uprn) == 0
    no_scope = await staff.post(
        f"/v1/recharges/{held.json()['id']}/approval",
        auth=InternalTokenAuth("repairs", scopes={"repairs:write"}),
    )
    assert no_scope.status_code == 403
    assert await recharges_raised(repairs_database, uprn) == 0
    approved = await staff.post(
        f"/v1/recharges/{held.json()['id']}/approval",
        auth=InternalTokenAuth("repairs", scopes={"repairs:read", "repairs:manage"}),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "raised"
    assert await recharges_raised(repairs_database, uprn) == 1


async def test_a_removed_vulnerability_clears_the_flag_and_an_older_record_does_not_restore_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    now = datetime.now(UTC)
    resident = await flag(repairs_database, uprn, ["mobility"], now - timedelta(days=2))
    await record(repairs_database, resident, uprn, [], now)
    await record(repairs_database, resident, uprn, ["mobility"], now - timedelta(days=1))
    repair_id = await a_repair(staff, uprn)
    response = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert response.json()["status"] == "raised"
