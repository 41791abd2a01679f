"""ADR 0133: the pre-action protocol is met for the arrears a court step is about. A
step (the tenant contacted, an arrangement offered, statements given, benefit issues
pursued, vulnerability considered) done before the ladder last found the account clear
of arrears was for earlier arrears: it no longer meets the protocol. Before, a step once
recorded counted for ever, so a case cleared after its notice and owing again within the
notice's 12 months went straight on to the court warning (and then the court
application) on a contact and an offer made for arrears long paid off, with no step
taken for these. Steps done for the new arrears, or an arrangement offered for them,
meet it again."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.rules import step_counts
from services.income.tests.arrears.test_notices import at_letter_2
from services.income.tests.arrears.test_personal_contact_cleared import charge, run_ladder
from services.income.tests.arrears.test_withdrawn_notice_ladder import PROTOCOL_STEPS

MOMENT = datetime(2026, 6, 1, 9, tzinfo=UTC)


def test_a_step_counts_from_the_last_look_that_found_the_account_clear() -> None:
    assert step_counts(MOMENT, None)  # never seen clear since: as before
    assert step_counts(MOMENT, MOMENT)
    assert step_counts(MOMENT + timedelta(seconds=1), MOMENT)
    assert not step_counts(MOMENT - timedelta(seconds=1), MOMENT)
    assert not step_counts(None, None)


async def protocol_recorded(income: httpx.AsyncClient, account: str, done: datetime) -> None:
    path = f"/v1/rent-accounts/{account}/arrears-case"
    etag = (await income.get(path)).headers["etag"]
    recorded = await income.patch(
        f"{path}/protocol",
        json=dict.fromkeys(PROTOCOL_STEPS, done.isoformat()),
        headers={"If-Match": etag},
    )
    assert recorded.status_code == 200, recorded.text


async def owing_again_after_paying_off(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> tuple[str, datetime]:
    """Six weeks owed, every protocol step done and a notice served 40 days ago; the
    arrears paid off 37 days ago (the ladder's look then finds the account clear: stage
    none, the notice kept live), and five weeks owed again since. Returns the account
    and when the notice was served."""
    served_at = datetime.now(UTC) - timedelta(days=40)
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(6):  # 6 weeks of 10,000 pence
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    await protocol_recorded(income, account, served_at - timedelta(days=10))
    await at_letter_2(income_database, account, served_at)
    await run_ladder(income_database, served_at)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    assert (await income.get(case_path)).json()["stage"] == "notice_of_seeking_possession"

    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={
            "amount_pence": 60_000,
            "method": "bank_transfer",
            "received_on": london_day(served_at + timedelta(days=2)).isoformat(),
        },
        headers={"Idempotency-Key": f"paid-off-{uuid.uuid4()}"},
    )
    assert paid.status_code == 201, paid.text
    await run_ladder(income_database, served_at + timedelta(days=3))
    case = (await income.get(case_path)).json()
    assert case["stage"] == "none"
    assert datetime.fromisoformat(case["clear_of_arrears_at"]) == served_at + timedelta(days=3)
    for n in range(6, 11):  # 5 weeks owed again: over 4 weeks of rent
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    return account, served_at


async def test_steps_done_for_arrears_since_paid_off_found_no_court_warning(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """29 days after the notice, 5 weeks owed again under it: the court warning is due
    by the notice, but the protocol's steps were all done for the arrears paid off, so it
    waits (blocked_by the first one, the tenant contacted); before, the warning went.
    Recorded again for these arrears, the warning goes at the next look."""
    account, served_at = await owing_again_after_paying_off(income, income_database, start_tenancy)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    await run_ladder(income_database, served_at + timedelta(days=29))
    case = (await income.get(case_path)).json()
    assert (case["stage"], case["blocked_by"], case["court_warning_at"]) == (
        "none",
        "tenant_contacted",
        None,
    )
    assert case["tenant_contacted_at"] is not None  # kept, for the record

    await protocol_recorded(income, account, served_at + timedelta(days=30))
    await run_ladder(income_database, served_at + timedelta(days=31))
    case = (await income.get(case_path)).json()
    assert (case["stage"], case["blocked_by"]) == ("court_warning", None)


async def test_an_arrangement_for_the_new_arrears_is_the_contact_and_offer_for_them(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Agreeing an arrangement records the contact and the offer (as when none was
    recorded): one recorded for the arrears paid off is replaced by it, not kept in its
    place."""
    account, served_at = await owing_again_after_paying_off(income, income_database, start_tenancy)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    before = (await income.get(case_path)).json()
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 60_000,
                "weekly_expenditure_pence": 0,
            },
            "instalment_pence": 5_000,
            "frequency": "weekly",
            "first_instalment_on": london_day(datetime.now(UTC)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    after = (await income.get(case_path)).json()
    for step in ("tenant_contacted_at", "arrangement_offered_at"):
        assert datetime.fromisoformat(after[step]) > datetime.fromisoformat(before[step])
        assert datetime.fromisoformat(after[step]) > served_at + timedelta(days=3)
    assert after["version"] > before["version"]
