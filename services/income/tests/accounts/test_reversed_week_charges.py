"""A charge of the rent week under way that was reversed (a rent-free week charged in
error, a wrong rent) is not owed that week: arrears are the balance beyond the week's
charges as they stand, net of their reversals. Counted gross, the reversed charge was
taken off the balance twice (once by its reversal, once as "the week under way"), so a
tenant's arrears read a week's rent too low on the summary, to the arrears ladder (a
case owing a week's rent went to "arrears cleared"), to an arrangement being made (409
"no arrears") and in the arrears gauge."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts import repository as accounts
from income.accounts.rules import rent_week_of
from income.models import ArrearsCase, EntryKind, LedgerEntry
from services.income.tests.test_recovery import an_arrangement, charge, make_due, run_ladder


async def _reverse_the_rent_of(
    income: httpx.AsyncClient, income_database: Database, account: str, week: date
) -> httpx.Response:
    """Reverses the account's rent charge of that week (a rent-free week charged in
    error), through the API as a rent officer would."""
    async with income_database.sessionmaker() as session:
        that_week = await session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.account_id == uuid.UUID(account),
                LedgerEntry.kind == EntryKind.RENT,
                LedgerEntry.charge_week == week,
            )
        )
    reversed_ = await income.post(
        f"/v1/rent-accounts/{account}/entries/{that_week}/reversal",
        json={"reason": "rent_free_week_charged_in_error"},
    )
    assert reversed_.status_code == 201, reversed_.text
    return reversed_


async def _owing_last_week_with_this_weeks_rent_reversed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> tuple[dict[str, Any], str]:
    """A tenancy (past its first weeks) charged last week and this week, nothing paid,
    this week's rent then reversed: it owes last week's rent, 10 000 pence, in arrears."""
    week = rent_week_of(london_day(datetime.now(UTC)))
    tenancy = await start_tenancy(start_date=(week - timedelta(weeks=8)).isoformat())
    account = tenancy["rent_account_id"]
    await charge(income_database, week - timedelta(weeks=1))
    await charge(income_database, week)
    reversed_ = await _reverse_the_rent_of(income, income_database, account, week)
    assert reversed_.json()["balance_pence"] == 10_000
    return tenancy, account


async def test_the_summary_counts_a_reversed_charge_of_the_week_under_way_as_not_owed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, account = await _owing_last_week_with_this_weeks_rent_reversed(
        income, income_database, start_tenancy
    )
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["balance_pence"] == 10_000
    assert summary["arrears_pence"] == 10_000  # was 0: the reversal counted twice
    assert summary["weeks_in_arrears"] == 1.0


async def test_the_ladder_sees_the_arrears_when_the_weeks_charge_was_reversed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, account = await _owing_last_week_with_this_weeks_rent_reversed(
        income, income_database, start_tenancy
    )
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC))
    async with income_database.sessionmaker() as session:
        stage = await session.scalar(
            select(ArrearsCase.stage).where(ArrearsCase.account_id == uuid.UUID(account))
        )
    assert stage == "letter_1"  # was none: "no arrears"


async def test_an_arrangement_is_made_on_the_arrears_when_the_weeks_charge_was_reversed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, account = await _owing_last_week_with_this_weeks_rent_reversed(
        income, income_database, start_tenancy
    )
    # an_arrangement asserts it is made (201): it was 409, no arrears to arrange
    made = await an_arrangement(income, account, london_day(datetime.now(UTC)))
    assert made["arrears_pence"] == 10_000


async def test_the_arrears_totals_leave_a_reversed_charge_of_the_week_out(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    week = rent_week_of(london_day(datetime.now(UTC)))

    async def totals() -> tuple[int, int]:
        async with income_database.sessionmaker() as session:
            return await accounts.arrears_totals(session, week)

    tenancy = await start_tenancy(start_date=(week - timedelta(weeks=8)).isoformat())
    await charge(income_database, week - timedelta(weeks=1))
    await charge(income_database, week)
    count, total = await totals()
    account = tenancy["rent_account_id"]
    await _reverse_the_rent_of(income, income_database, account, week)
    assert await totals() == (count, total)  # was one account and 10 000 pence fewer


async def test_the_courts_terms_count_a_reversal_only_from_its_day(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The arrears the court's terms are on are those of the day it decided: a reversal
    of that week's charge posted since (effective today) is not in that day's balance,
    so it is not taken off that week's charges either."""
    week = rent_week_of(london_day(datetime.now(UTC)))
    decided = week - timedelta(weeks=1)
    tenancy = await start_tenancy(start_date=(week - timedelta(weeks=8)).isoformat())
    account = tenancy["rent_account_id"]
    await charge(income_database, decided - timedelta(weeks=1))
    await charge(income_database, decided)
    await _reverse_the_rent_of(income, income_database, account, decided)
    hearings = f"/v1/rent-accounts/{account}/arrears-case/court-hearings"
    listed = await income.post(hearings, json={"listed_for": decided.isoformat()})
    assert listed.status_code == 201, listed.text
    decided_with_terms = await income.post(
        f"{hearings}/{listed.json()['id']}/outcome",
        json={
            "outcome": "suspended_possession_order",
            "decided_on": decided.isoformat(),
            "terms": {
                "arrears_instalment_pence": 2_000,
                "frequency": "weekly",
                "first_instalment_on": decided.isoformat(),
            },
        },
    )
    assert decided_with_terms.status_code == 200, decided_with_terms.text
    # that day: 20 000 charged, the week's own 10 000 due, not in arrears
    assert decided_with_terms.json()["terms"]["arrears_pence"] == 10_000
