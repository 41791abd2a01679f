"""A new tenancy's first weeks: a missed payment makes a personal-contact task, not a
letter (DOMAIN.md). An arrangement agreed then is the contact, and the task closes; an
instalment of it missed is a missed payment after that contact, so the task is asked
for again (ADR 0220; was: nothing, the contact made to agree the arrangement standing
for the missed instalment until the first weeks ended and a letter went)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts.events.income import ArrearsStage as S
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.rules import CaseState, PersonalContact, PreActionProtocol, Stay, next_step

from .test_personal_contact_cleared import contact_needed, make_due, missing_a_payment, run_ladder
from .test_rules import LADDER, NOW, situation

NEW_TENANCY = (NOW - timedelta(weeks=3)).date()
CONTACTED = CaseState(S.NONE, protocol=PreActionProtocol(tenant_contacted=True))
"""The case after the arrangement was agreed: the contact recorded, no task open."""


def test_an_arrangement_broken_in_the_first_weeks_asks_for_personal_contact_again() -> None:
    broken = situation(5_000, tenancy_started_on=NEW_TENANCY, arrangement_broken_now=True)
    decision = next_step(dataclasses.replace(CONTACTED, resume_at_next_step=True), broken, LADDER)
    assert decision == PersonalContact("arrangement_broken_in_first_6_weeks_personal_contact")


def test_the_task_asked_for_on_the_break_is_not_asked_for_twice_nor_after_the_contact() -> None:
    later = situation(5_000, tenancy_started_on=NEW_TENANCY)
    asked = CaseState(S.NONE, resume_at_next_step=True, personal_contact_needed=True)
    assert next_step(asked, later, LADDER) == Stay("personal_contact_already_asked_for")
    done = dataclasses.replace(CONTACTED, resume_at_next_step=True)
    assert next_step(done, later, LADDER) == Stay("tenant_contacted_in_first_weeks")


def test_a_break_after_the_first_weeks_goes_up_the_ladder_as_before() -> None:
    old = situation(5_000, arrangement_broken_now=True)
    decision = next_step(dataclasses.replace(CONTACTED, resume_at_next_step=True), old, LADDER)
    assert not isinstance(decision, PersonalContact)


async def test_an_instalment_missed_in_the_first_weeks_makes_the_task_again(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Through the job: the first weeks' task, closed by agreeing an arrangement, is
    open again when its first instalment is missed (failed before: closed, no task)."""
    tenancy = await missing_a_payment(income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    today = london_day(datetime.now(UTC))
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 30_000,
                "weekly_expenditure_pence": 0,
            },
            "instalment_pence": 3_000,
            "frequency": "weekly",
            "first_instalment_on": today.isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    assert not await contact_needed(income, account)
    await make_due(income_database, account)
    # The first instalment unpaid after its 3 days' grace: broken at this look.
    await run_ladder(income_database, datetime.now(UTC) + timedelta(days=4))
    assert await contact_needed(income, account)
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "none"
