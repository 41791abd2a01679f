"""ADR 0081, amended, through the API on the real database: a notice of seeking
possession withdrawn founds no court step. The ladder job, run past the day the notice
would have taken the case to the court warning, sends letter 2 again instead, and a
week later serves a fresh notice, 11 months before the withdrawn one's 12 months end.
The case and the account summary show the withdrawn notice live no more.

The notice is served 10 days before the real today (a withdrawal is recorded for a day
not in the future), and the job is then run at moments of the test's choosing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.rules import NOTICE_WITHDRAWN
from services.income.tests.arrears.test_notices import at_letter_2
from services.income.tests.arrears.test_personal_contact_cleared import charge, run_ladder
from services.income.tests.test_recovery import events

PROTOCOL_STEPS = (
    "tenant_contacted_at",
    "arrangement_offered_at",
    "statements_given_at",
    "benefit_issues_pursued_at",
    "vulnerability_considered_at",
)


async def meet_the_protocol(income: httpx.AsyncClient, account: str) -> None:
    """Every pre-action protocol step recorded: only the notice stands between the case
    and the court warning."""
    path = f"/v1/rent-accounts/{account}/arrears-case"
    etag = (await income.get(path)).headers["etag"]
    done = datetime.now(UTC).isoformat()
    recorded = await income.patch(
        f"{path}/protocol",
        json=dict.fromkeys(PROTOCOL_STEPS, done),
        headers={"If-Match": etag},
    )
    assert recorded.status_code == 200, recorded.text


async def test_no_court_step_on_a_withdrawn_notice_and_a_fresh_notice_is_served(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(6):  # 6 weeks of 10,000 pence owed: over 4 weeks of rent
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    await meet_the_protocol(income, account)
    served_at = datetime.now(UTC) - timedelta(days=10)
    await at_letter_2(income_database, account, served_at)
    await run_ladder(income_database, served_at)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    [notice] = (await income.get(case_path)).json()["notices"]
    assert notice["live"] is True
    summary_path = f"/v1/rent-accounts/{account}/summary"
    assert (await income.get(summary_path)).json()["nosp_live_until"] == notice["live_until"]

    withdrawn_on = london_day(served_at) + timedelta(days=3)
    withdrawn = await income.post(
        f"{case_path}/notices/{notice['id']}/withdrawal",
        json={"withdrawn_on": withdrawn_on.isoformat()},
        headers={"Idempotency-Key": f"withdrawal-{uuid.uuid4()}"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    day_before = (withdrawn_on - timedelta(days=1)).isoformat()
    assert (withdrawn.json()["live_until"], withdrawn.json()["live"]) == (day_before, False)
    assert (await income.get(summary_path)).json()["nosp_live_until"] is None

    # Past the court warning's 28 days, the protocol met and 6 weeks owed: with the
    # notice live this is the court warning. Withdrawn, letter 2 goes again ...
    await run_ladder(income_database, served_at + timedelta(days=29))
    # ... and a week later a fresh notice, where a live one would have gone to court.
    # (8 days on and 16: a clock change between the runs moves a London day by one.)
    await run_ladder(income_database, served_at + timedelta(days=37))
    await run_ladder(income_database, served_at + timedelta(days=45))
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["reason"]) for e in changed] == [
        (
            "notice_of_seeking_possession",
            "arrears_at_least_4_weeks_gross_rent_7_days_after_letter_2",
        ),
        ("letter_2", NOTICE_WITHDRAWN),
        (
            "notice_of_seeking_possession",
            "arrears_at_least_4_weeks_gross_rent_7_days_after_letter_2",
        ),
    ]
    case = (await income.get(case_path)).json()
    assert case["stage"] == "notice_of_seeking_possession"
    assert (case["court_warning_at"], case["court_application_at"]) == (None, None)
    old, fresh = case["notices"]
    assert (old["id"], old["withdrawn_on"], old["live"]) == (
        notice["id"],
        withdrawn_on.isoformat(),
        False,
    )
    assert datetime.fromisoformat(fresh["served_at"]) == served_at + timedelta(days=37)
    assert (fresh["withdrawn_on"], fresh["live"]) == (None, True)
    assert datetime.fromisoformat(case["nosp_served_at"]) == served_at + timedelta(days=37)
    assert (await income.get(summary_path)).json()["nosp_live_until"] == fresh["live_until"]
