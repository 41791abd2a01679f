"""ADR 0111: a tenancy recorded ahead is withdrawn before its first day when the offer
falls through. It was current from the day it was recorded, so the home stayed blocked
for the next household (ADR 0103 refuses overlaps) and nothing could take it back but
an end, which refuses a last day before the first. Withdrawn, the home is free for a
tenancy from any day, tenancy-withdrawn tells the consumers to undo tenancy-started,
and no rent is owed under it: a week charged in advance for the days it was to start
in is reversed whole, and the rent run charges it no more."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyEndReason
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import Database
from hearth_kit.problems import Conflict
from hearth_kit.working_days import london_day
from income.accounts.repository import balance
from income.handlers import on_recharge_raised
from income.models import Account, AccountKind, EntryKind, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from income.tenancies import repository
from income.tenancies.schemas import TenancyEnd
from income.tenancies.service import tenancy_service
from services.income.tests.conftest import a_uprn, events_of, new_tenancy

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
"""Midday in London on Tuesday 1 December 2026: the rent week from Monday 30 November."""
WEEK = date(2026, 11, 30)
THURSDAY = date(2026, 12, 3)


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": f"tenancy-withdrawal-{uuid.uuid4()}"}


async def test_a_tenancy_withdrawn_before_its_first_day_frees_the_home_for_any_day(
    income_database: Database,
) -> None:
    uprn = a_uprn()
    async with income_database.sessionmaker() as session, session.begin():
        offered = await tenancy_service.start(
            session, new_tenancy(date(2027, 1, 11), uprn=uprn), NOW
        )
    async with income_database.sessionmaker() as session, session.begin():
        withdrawn = await tenancy_service.withdraw(session, offered.id, "officer-7", NOW)
    assert withdrawn.status == "withdrawn"
    assert withdrawn.withdrawn_at == NOW
    assert withdrawn.end_date is None
    assert withdrawn.end_reason is None

    # The next household may start before the day the withdrawn one was to start.
    async with income_database.sessionmaker() as session, session.begin():
        nxt = await tenancy_service.start(session, new_tenancy(date(2026, 12, 14), uprn=uprn), NOW)
        current = await repository.current_of_home(session, uprn)
        assert current is not None
        assert current.id == nxt.id
        # A recharge for a day after the withdrawn start goes to the household there.
        there = await repository.household_of_home_on(session, uprn, date(2027, 2, 1))
        assert there is not None
        assert there.id == nxt.id

    events = await events_of(income_database, uprn)
    assert [t for t, _ in events] == [
        "uk.hearth.income.tenancy-started.v2",
        "uk.hearth.income.tenancy-withdrawn.v1",
        "uk.hearth.income.tenancy-started.v2",
    ]
    assert events[1][1] == {
        "tenancy_id": str(offered.id),
        "uprn": uprn,
        "start_date": "2027-01-11",
        "withdrawn_at": "2026-12-01T12:00:00Z",
    }


async def test_a_tenancy_whose_first_day_has_come_is_ended_not_withdrawn(
    income_database: Database,
) -> None:
    uprn = a_uprn()
    async with income_database.sessionmaker() as session, session.begin():
        started = await tenancy_service.start(session, new_tenancy(london_day(NOW), uprn=uprn), NOW)
    async with income_database.sessionmaker() as session, session.begin():
        with pytest.raises(Conflict) as refused:
            await tenancy_service.withdraw(session, started.id, "officer-7", NOW)
    assert refused.value.extensions["reason"] == "tenancy_started"
    assert refused.value.extensions["field"] == "start_date"
    assert [t for t, _ in await events_of(income_database, uprn)] == [
        "uk.hearth.income.tenancy-started.v2"
    ]


async def test_the_week_charged_ahead_of_a_withdrawn_start_is_reversed_and_not_charged_again(
    income_database: Database,
) -> None:
    """Rent is charged in advance from the rent week's Monday: a tenancy starting on
    Thursday is charged its four days on Monday. Withdrawn on Tuesday, nothing is owed."""
    uprn = a_uprn()
    run = RentRun(IncomeSettings())
    async with income_database.sessionmaker() as session, session.begin():
        offered = await tenancy_service.start(session, new_tenancy(THURSDAY, uprn=uprn), NOW)
    account_id = offered.rent_account_id
    assert account_id is not None
    while True:
        async with income_database.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, WEEK, NOW) == 0:
                break
    async with income_database.sessionmaker() as session:
        assert await balance(session, account_id) == 4_000 + 800  # Thursday to Sunday

    async with income_database.sessionmaker() as session, session.begin():
        await tenancy_service.withdraw(session, offered.id, "officer-7", NOW)
    next_week = datetime(2026, 12, 8, 12, tzinfo=UTC)
    for week, now in ((WEEK, NOW), (WEEK + timedelta(weeks=1), next_week)):
        while True:
            async with income_database.sessionmaker() as session, session.begin():
                if await run.charge_batch(session, week, now) == 0:
                    break

    async with income_database.sessionmaker() as session:
        assert await balance(session, account_id) == 0
        entries = list(
            (
                await session.scalars(
                    select(LedgerEntry)
                    .where(LedgerEntry.account_id == account_id)
                    .order_by(col(LedgerEntry.posted_at), col(LedgerEntry.kind))
                )
            ).all()
        )
    charges = {e.id for e in entries if e.kind in (EntryKind.RENT, EntryKind.SERVICE_CHARGE)}
    reversals = [e for e in entries if e.kind is EntryKind.REVERSAL]
    assert len(charges) == 2  # the week it was to start in only
    assert {e.reverses_entry_id for e in reversals} == charges
    assert {e.reason for e in reversals} == {"tenancy_withdrawn"}


async def test_withdrawal_through_the_api_is_kept_once_and_takes_no_payment(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    today = london_day(datetime.now(UTC))
    tenancy = await start_tenancy(start_date=str(today + timedelta(days=30)))
    headers = keyed()
    withdrawn = await income.post(f"/v1/tenancies/{tenancy['id']}/withdrawal", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    again = await income.post(f"/v1/tenancies/{tenancy['id']}/withdrawal", headers=headers)
    assert again.status_code == 200
    assert again.json() == withdrawn.json()
    twice = await income.post(f"/v1/tenancies/{tenancy['id']}/withdrawal", headers=keyed())
    assert twice.status_code == 409
    assert twice.json()["reason"] == "tenancy_withdrawn"
    assert [t for t, _ in await events_of(income_database, tenancy["uprn"])] == [
        "uk.hearth.income.tenancy-started.v2",
        "uk.hearth.income.tenancy-withdrawn.v1",
    ]
    read = await income.get(f"/v1/tenancies?uprn={tenancy['uprn']}&status=withdrawn")
    assert [t["id"] for t in read.json()["items"]] == [tenancy["id"]]
    assert read.json()["items"][0]["withdrawn_at"] is not None

    paid = await income.post(
        f"/v1/rent-accounts/{tenancy['rent_account_id']}/payments",
        json={"amount_pence": 5_000, "method": "card", "received_on": str(today)},
    )
    assert paid.status_code == 409, paid.text
    assert paid.json()["reason"] == "tenancy_withdrawn"
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": str(today), "reason": "other"},
    )
    assert ended.status_code == 409
    # what is refused of a tenancy no longer current says why: withdrawn, not ended
    assert (ended.json()["reason"], ended.json()["field"]) == ("tenancy_withdrawn", "status")
    assert "withdrawn" in ended.json()["detail"]
    monday = today + timedelta(days=35 + (7 - today.weekday()) % 7)
    rent_changed = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change",
        json={
            "weekly_rent_pence": 7_500,
            "weekly_service_charge_pence": 1_400,
            "effective_from": str(monday),
        },
    )
    assert rent_changed.status_code == 409, rent_changed.text
    assert rent_changed.json()["reason"] == "tenancy_withdrawn"


async def test_a_recharge_naming_a_withdrawn_tenancy_goes_to_the_household_in_the_home(
    income_database: Database,
) -> None:
    """Repairs names the household a recharge was held for (ADR 0105), and engagement
    puts tenants on a tenancy from its announcement, so a recharge held before the offer
    fell through and approved after names the withdrawn tenancy. Its household never
    lived there (ADR 0111): the recharge goes where one naming no one would, here the
    former tenant's, never onto the withdrawn tenancy's sundry account."""
    uprn = a_uprn()
    async with income_database.sessionmaker() as session, session.begin():
        former = await tenancy_service.start(session, new_tenancy(date(2026, 1, 5), uprn=uprn), NOW)
        await tenancy_service.end(
            session,
            former.id,
            TenancyEnd(end_date=date(2026, 10, 30), reason=TenancyEndReason.NOTICE_GIVEN),
            NOW,
        )
        offered = await tenancy_service.start(
            session, new_tenancy(date(2027, 1, 11), uprn=uprn), NOW
        )
    async with income_database.sessionmaker() as session, session.begin():
        await tenancy_service.withdraw(session, offered.id, "officer-7", NOW)
        await on_recharge_raised(
            session,
            Envelope(
                data=RechargeRaised(
                    recharge_id=uuid.uuid4(),
                    repair_id=uuid.uuid4(),
                    uprn=uprn,
                    tenancy_id=offered.id,
                    amount_pence=6_000,
                    reason="damage_by_household",
                    vulnerability_considered=True,
                    raised_at=NOW,
                )
            ),
        )

    async with income_database.sessionmaker() as session:
        sundry = (
            await session.scalars(
                select(Account).where(Account.uprn == uprn, Account.kind == AccountKind.SUNDRY)
            )
        ).all()
    assert [a.tenancy_id for a in sundry] == [former.id]
