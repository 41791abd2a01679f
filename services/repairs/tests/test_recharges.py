"""Recharges: raised for a household with no recorded vulnerability; held for a
household with one (repairs knows only the flag) until a manager approves."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import VulnerabilityRecorded, VulnerabilityRecordedV2
from hearth_contracts.events.income import RechargePaid
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from repairs.handlers import build_handlers
from repairs.models import Recharge
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


async def record_v2(
    db: Database, resident_id: uuid.UUID, uprn: str, vulnerable: bool, at: datetime
) -> None:
    """A vulnerability-recorded v2 (only the flag, no categories) as the consumer runs it."""
    event = VulnerabilityRecordedV2(
        resident_id=resident_id, uprn=uprn, vulnerable=vulnerable, recorded_at=at
    )
    run = handlers.get_batch(event.type)
    assert run is not None
    async with db.sessionmaker() as session, session.begin():
        await run(session, [Envelope(data=event)])


async def test_a_v2_flag_holds_recharges_until_it_clears_and_older_records_do_not_restore_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    resident = uuid.uuid4()
    now = datetime.now(UTC)
    await record_v2(repairs_database, resident, uprn, True, now - timedelta(days=2))
    held = await staff.post(f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE)
    assert held.json()["status"] == "awaiting_approval"
    assert held.json()["vulnerability_flagged"] is True

    await record_v2(repairs_database, resident, uprn, False, now)
    # Older records of either version, arriving late, change nothing.
    await record_v2(repairs_database, resident, uprn, True, now - timedelta(days=1))
    await record(repairs_database, resident, uprn, ["mobility"], now - timedelta(days=1))
    raised = await staff.post(f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE)
    assert raised.json()["status"] == "raised"
    assert raised.json()["vulnerability_flagged"] is False


def a_payment(
    recharge: dict[str, object], paid: int, outstanding: int, at: datetime
) -> Envelope[RechargePaid]:
    return Envelope(
        data=RechargePaid(
            recharge_id=recharge["id"],
            repair_id=recharge["repair_id"],
            uprn=recharge["uprn"],
            amount_pence=paid,
            outstanding_pence=outstanding,
            paid_in_full=outstanding == 0,
            paid_at=at,
        )
    )


async def payments(db: Database, *run: Envelope[RechargePaid]) -> None:
    """Handle a run of recharge-paid events as the consumer does (one transaction)."""
    handler = handlers.get_batch(RechargePaid.type)
    assert handler is not None
    async with db.sessionmaker() as session, session.begin():
        await handler(session, list(run))


async def status_of(db: Database, recharge: dict[str, object]) -> str:
    async with db.sessionmaker() as session:
        return str(
            await session.scalar(
                select(Recharge.status).where(Recharge.id == uuid.UUID(str(recharge["id"])))
            )
        )


async def collected(staff: httpx.AsyncClient, first: str, last: str) -> int:
    response = await staff.get("/v1/repairs/figures", params={"from": first, "to": last})
    assert response.status_code == 200, response.text
    measures = {m["code"]: m for m in response.json()["measures"]}
    return int(measures["repairs.recharges_collected"]["value"])


async def test_a_recharge_paid_in_full_is_collected_in_the_period_of_that_payment(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair_id = await a_repair(staff, uprn)
    recharge = (await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)).json()
    # payments dated in May 2024, a period no other test pays into
    part = a_payment(recharge, 10_000, 2_000, datetime(2024, 5, 6, 9, tzinfo=UTC))
    await payments(repairs_database, part)
    assert await status_of(repairs_database, recharge) == "raised"
    assert await collected(staff, "2024-05-01", "2024-05-31") == 0

    rest = a_payment(recharge, 2_000, 0, datetime(2024, 5, 20, 9, tzinfo=UTC))
    await payments(repairs_database, rest)
    await payments(repairs_database, rest)  # handled again: nothing changes
    # the same part payment arriving late under a new event id (a replayed dead letter)
    await payments(repairs_database, Envelope(data=part.data))
    assert await status_of(repairs_database, recharge) == "collected"
    assert await collected(staff, "2024-05-01", "2024-05-31") == 1
    assert await collected(staff, "2024-05-01", "2024-05-19") == 0  # paid in full on the 20th


async def test_a_run_of_payments_keeps_the_latest_whatever_order_they_come_in(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair_id = await a_repair(staff, uprn)
    recharge = (await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)).json()
    full = a_payment(recharge, 2_000, 0, datetime(2024, 7, 20, 9, tzinfo=UTC))
    part = a_payment(recharge, 10_000, 2_000, datetime(2024, 7, 6, 9, tzinfo=UTC))
    await payments(repairs_database, full, part)  # the older one last, in one run
    assert await status_of(repairs_database, recharge) == "collected"
    assert await collected(staff, "2024-07-01", "2024-07-31") == 1


async def test_a_reversed_payment_makes_a_collected_recharge_owed_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Income's correction (a direct debit returned): the latest recharge-paid says
    something is owed again, so the recharge is raised again, not collected; a later
    payment in full collects it once more; the older payment in full arriving late
    changes nothing."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair_id = await a_repair(staff, uprn)
    recharge = (await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)).json()
    full = a_payment(recharge, 12_000, 0, datetime(2024, 9, 2, 9, tzinfo=UTC))
    await payments(repairs_database, full)
    assert await status_of(repairs_database, recharge) == "collected"
    owed = a_payment(recharge, 12_000, 12_000, datetime(2024, 9, 9, 9, tzinfo=UTC))
    await payments(
        repairs_database, Envelope(data=owed.data.model_copy(update={"correction": True}))
    )
    assert await status_of(repairs_database, recharge) == "raised"
    await payments(repairs_database, Envelope(data=full.data))  # older, late: ignored
    assert await status_of(repairs_database, recharge) == "raised"
    again = a_payment(recharge, 12_000, 0, datetime(2024, 9, 16, 9, tzinfo=UTC))
    await payments(repairs_database, again)
    assert await status_of(repairs_database, recharge) == "collected"
