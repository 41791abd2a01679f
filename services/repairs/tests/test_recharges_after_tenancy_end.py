"""A tenancy ended at a home (income's tenancy-ended) and the next began (tenancy-started):
the former household's vulnerability flags no longer hold the next household's recharges
for a manager's approval, whatever order tenancy-ended and vulnerability-recorded
(different topics) arrive in, and a late record for the ended tenancy does not bring the
flag back. A flag without a tenancy counts only when recorded after a tenancy at the
home was over. (While the home stands empty the former household is the one charged, and
its flags do hold it: test_recharges_of_a_former_tenant.py, docs/adr/0116.)"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import VulnerabilityRecorded, VulnerabilityRecordedV2
from hearth_contracts.events.income import (
    TenancyEnded,
    TenancyEndReason,
    TenancyStartedV2,
    TenancyType,
    TenantOfTenancy,
)
from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from repairs.handlers import build_handlers
from repairs.work_orders.service import RepairService
from services.repairs.tests.test_recharges import RECHARGE, a_repair

handlers = build_handlers(RepairService())


def a_home() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def run(
    db: Database,
    *envelopes: Envelope[TenancyEnded]
    | Envelope[VulnerabilityRecordedV2]
    | Envelope[TenancyStartedV2],
) -> None:
    """A run of one event type as the consumer gives it to the batch handler."""
    handler = handlers.get_batch(envelopes[0].type)
    assert handler is not None
    async with db.sessionmaker() as session, session.begin():
        await handler(session, list(envelopes))


def flagged(
    resident_id: uuid.UUID,
    uprn: str,
    tenancy_id: uuid.UUID | None,
    at: datetime,
    *,
    vulnerable: bool = True,
) -> Envelope[VulnerabilityRecordedV2]:
    return Envelope(
        data=VulnerabilityRecordedV2(
            resident_id=resident_id,
            uprn=uprn,
            tenancy_id=tenancy_id,
            vulnerable=vulnerable,
            recorded_at=at,
        )
    )


def ended(tenancy_id: uuid.UUID, uprn: str, end_date: date, at: datetime) -> Envelope[TenancyEnded]:
    return Envelope(
        data=TenancyEnded(
            tenancy_id=tenancy_id,
            uprn=uprn,
            end_date=end_date,
            reason=TenancyEndReason.NOTICE_GIVEN,
            closing_balance_pence=0,
        ),
        time=at,
    )


def started(
    tenancy_id: uuid.UUID,
    uprn: str,
    start_date: date,
    at: datetime,
    tenants: tuple[uuid.UUID, ...] = (),
) -> Envelope[TenancyStartedV2]:
    return Envelope(
        data=TenancyStartedV2(
            tenancy_id=tenancy_id,
            tenancy_reference=f"T{tenancy_id.hex[:8]}",
            uprn=uprn,
            tenants=[
                TenantOfTenancy(person_id=person_id, lead=n == 0)
                for n, person_id in enumerate(tenants or (uuid.uuid4(),))
            ],
            start_date=start_date,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10_000,
        ),
        time=at,
    )


async def recharge_status(staff: httpx.AsyncClient, uprn: str) -> tuple[str, bool]:
    response = await staff.post(
        f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["status"], body["vulnerability_flagged"]


NOW = datetime.now(UTC)
LAST_WEEK = NOW - timedelta(days=7)


async def test_a_former_tenants_flag_no_longer_holds_the_new_households_recharge(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, former, resident = a_home(), uuid.uuid4(), uuid.uuid4()
    await run(repairs_database, flagged(resident, uprn, former, LAST_WEEK - timedelta(days=30)))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)

    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, started(uuid.uuid4(), uprn, london_day(NOW), LAST_WEEK))
    assert await recharge_status(staff, uprn) == ("raised", False)

    # A record for the ended tenancy arriving late (engagement reviewed it, or a replay),
    # however new, does not bring the flag back for the home.
    await run(repairs_database, flagged(resident, uprn, former, NOW))
    assert await recharge_status(staff, uprn) == ("raised", False)
    # tenancy-ended again, or an older copy of it, changes nothing.
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(
        repairs_database,
        ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK - timedelta(days=1)),
    )
    assert await recharge_status(staff, uprn) == ("raised", False)


async def test_tenancy_ended_arriving_before_the_flag_of_that_tenancy_still_wins(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The two events are on different topics: tenancy-ended may be handled first."""
    uprn, former = a_home(), uuid.uuid4()
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, started(uuid.uuid4(), uprn, london_day(NOW), LAST_WEEK))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, former, LAST_WEEK - timedelta(days=3)))
    assert await recharge_status(staff, uprn) == ("raised", False)


async def test_the_new_households_own_flag_still_holds_its_recharge(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, former, current = a_home(), uuid.uuid4(), uuid.uuid4()
    await run(repairs_database, flagged(uuid.uuid4(), uprn, former, LAST_WEEK - timedelta(days=30)))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, current, NOW))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)


async def test_a_resident_recorded_again_under_a_new_tenancy_counts_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A successor: a resident of the ended tenancy who holds the home's next tenancy,
    recorded again under it (the newest record per resident wins)."""
    uprn, former, successor, resident = a_home(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await run(repairs_database, flagged(resident, uprn, former, LAST_WEEK - timedelta(days=30)))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    # the successor begins with another tenant; the resident joins it later
    await run(repairs_database, started(successor, uprn, london_day(NOW), LAST_WEEK))
    assert await recharge_status(staff, uprn) == ("raised", False)
    await run(repairs_database, flagged(resident, uprn, successor, NOW))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)


async def test_a_flag_without_a_tenancy_counts_only_when_recorded_after_a_tenancy_ended(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Old v1 records carry no tenancy: one recorded on or before the ended tenancy's
    last day belonged to (or cannot be told from) the household that left."""
    uprn, former = a_home(), uuid.uuid4()
    end_date = london_day(LAST_WEEK)
    over_at = start_of_london_day(end_date + timedelta(days=1))
    old = VulnerabilityRecorded(
        resident_id=uuid.uuid4(), uprn=uprn, categories=["mobility"], recorded_at=LAST_WEEK
    )
    handler = handlers.get_batch(old.type)
    assert handler is not None
    async with repairs_database.sessionmaker() as session, session.begin():
        await handler(session, [Envelope(data=old)])
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)

    await run(repairs_database, ended(former, uprn, end_date, LAST_WEEK))
    assert await recharge_status(staff, uprn) == ("raised", False)

    # Someone recorded (without a tenancy) after the tenancy was over lives there since.
    await run(repairs_database, flagged(uuid.uuid4(), uprn, None, over_at + timedelta(hours=1)))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)


async def test_another_homes_ended_tenancy_changes_nothing_here(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, elsewhere, tenancy = a_home(), a_home(), uuid.uuid4()
    await run(
        repairs_database, flagged(uuid.uuid4(), uprn, tenancy, LAST_WEEK - timedelta(days=30))
    )
    await run(repairs_database, flagged(uuid.uuid4(), uprn, None, LAST_WEEK - timedelta(days=30)))
    await run(repairs_database, ended(uuid.uuid4(), elsewhere, london_day(LAST_WEEK), LAST_WEEK))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)
