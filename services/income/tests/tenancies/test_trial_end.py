"""A trial (introductory or starter) that ends with nothing decided settles by itself:
the trial-end job makes the tenancy secure or assured from the day the trial ends (its
`introductory_ends_on`; the trial's last day is the day before, Housing Act 1996 s.125)
and publishes the tenancy-type-changed a confirmation publishes (ADR 0059).
Fixed dates: each test runs the job at a London moment of its own choosing, and looks
only at the tenancies it started (the job settles every trial due in the database)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import start_of_london_day
from income.app import scheduled_jobs
from income.arrears.schemas import CourtHearingCreate
from income.arrears.service import ArrearsService
from income.models import ArrearsCase, CourtHearing, PossessionNotice, Tenancy
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.schemas import TenancyTypeDecision
from income.tenancies.service import tenancy_service
from tests.harness.locks import until_a_backend_waits_for_a_lock

StartTenancy = Any


def trial_end_job() -> ScheduledJob:
    return next(job for job in scheduled_jobs(IncomeSettings()) if job.name == "trial-end")


def noon_in_london(day: date) -> datetime:
    """Midday in London on `day` (as UTC), away from either midnight."""
    return start_of_london_day(day) + timedelta(hours=12)


async def run_on(db: Database, day: date) -> int:
    return await run_until_done(db, trial_end_job(), noon_in_london(day))


async def type_changes(db: Database, uprn: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.payload)
                .where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.income.tenancy-type-changed.v1",
                )
                .order_by(outbox_message.c.id)
            )
        ).scalars()
        return [json.loads(payload) for payload in rows]


async def tenancy_of(income: httpx.AsyncClient, tenancy: dict[str, Any]) -> dict[str, Any]:
    response = await income.get(f"/v1/tenancies/{tenancy['id']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_on_the_trials_last_day_it_is_still_on_trial_and_the_day_after_secure(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The trial is the year beginning with 1 March 2025: its last day is 28 February
    2026, and the tenancy is secure from 1 March 2026 (s.125(2))."""
    tenancy = await start_tenancy(start_date="2025-03-01", tenancy_type="introductory")
    assert tenancy["introductory_ends_on"] == "2026-03-01"  # the first day off trial

    await run_on(income_database, date(2026, 2, 28))
    on_last_day = await tenancy_of(income, tenancy)
    assert on_last_day["tenancy_type"] == "introductory"
    assert await type_changes(income_database, tenancy["uprn"]) == []

    await run_on(income_database, date(2026, 3, 1))
    settled = await tenancy_of(income, tenancy)
    assert settled["tenancy_type"] == "secure"
    assert settled["introductory_ends_on"] is None
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["change"] == "confirmed"
    assert event["previous_type"] == "introductory"
    assert event["tenancy_type"] == "secure"
    assert event["effective_on"] == "2026-03-01"
    assert event["introductory_period_ends_on"] is None


async def test_effective_the_day_the_trial_ends_whenever_the_job_runs(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A starter tenancy becomes assured; the job ran weeks late (down, or deployed
    after the trial ended): the change still takes effect the day the trial ended (the
    day after its last day, 5 January 2026)."""
    tenancy = await start_tenancy(start_date="2025-01-06", tenancy_type="starter")
    await run_on(income_database, date(2026, 2, 20))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "assured"
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["tenancy_type"] == "assured"
    assert event["previous_type"] == "starter"
    assert event["effective_on"] == "2026-01-06"


async def test_a_second_run_changes_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    tenancy = await start_tenancy(start_date="2025-02-03", tenancy_type="introductory")
    await run_on(income_database, date(2026, 2, 3))
    first = await tenancy_of(income, tenancy)
    assert first["tenancy_type"] == "secure"
    assert await run_on(income_database, date(2026, 2, 3)) == 0
    assert await run_on(income_database, date(2026, 9, 1)) == 0
    assert await tenancy_of(income, tenancy) == first
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1


async def test_an_extended_trial_runs_18_months(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """Extended by 6 months beyond the year (s.125A): the trial's last day is 31 August
    2026, the day before 18 months from the start; secure from 1 September."""
    tenancy = await start_tenancy(start_date="2025-03-01", tenancy_type="introductory")
    extended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/type-decision",
        json={"change": "extended", "effective_on": "2026-02-01"},
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["introductory_ends_on"] == "2026-09-01"
    [extension] = await type_changes(income_database, tenancy["uprn"])
    assert extension["introductory_period_ends_on"] == "2026-09-01"

    await run_on(income_database, date(2026, 3, 1))  # 12 months over: extended, still on
    await run_on(income_database, date(2026, 8, 31))  # the extended trial's last day
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"

    await run_on(income_database, date(2026, 9, 1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    extension, settled = await type_changes(income_database, tenancy["uprn"])
    assert extension["change"] == "extended"
    assert settled["change"] == "confirmed"
    assert settled["effective_on"] == "2026-09-01"


async def test_a_trial_decided_is_left_as_decided(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    tenancy = await start_tenancy(start_date="2025-04-14", tenancy_type="starter")
    confirmed = await income.post(
        f"/v1/tenancies/{tenancy['id']}/type-decision",
        json={"change": "confirmed", "tenancy_type": "assured", "effective_on": "2026-04-14"},
    )
    assert confirmed.status_code == 200, confirmed.text
    await run_on(income_database, date(2026, 6, 1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "assured"
    [decision] = await type_changes(income_database, tenancy["uprn"])
    assert decision["effective_on"] == "2026-04-14"  # the officer's, not the job's


async def test_a_trial_ended_by_the_tenancy_ending_is_untouched(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    tenancy = await start_tenancy(start_date="2025-05-05", tenancy_type="introductory")
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-09", "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text
    await run_on(income_database, date(2026, 6, 1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, tenancy["uprn"]) == []


async def test_a_tenancy_started_on_29_february_settles_on_1_march(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The year beginning with 29 February 2024 ends at the end of 28 February 2025
    (the trial's last day), so it is secure from 1 March 2025, not from 28 February."""
    tenancy = await start_tenancy(start_date="2024-02-29", tenancy_type="introductory")
    assert tenancy["introductory_ends_on"] == "2025-03-01"
    await run_on(income_database, date(2025, 2, 28))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    await run_on(income_database, date(2025, 3, 1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["effective_on"] == "2025-03-01"


async def serve_notice(db: Database, tenancy: dict[str, Any], on: date) -> None:
    """The arrears ladder's notice of seeking possession, served at midday in London:
    kept as a notice of its own, and the case's latest."""
    async with db.sessionmaker() as session, session.begin():
        session.add(
            PossessionNotice(
                id=uuid.uuid4(),
                account_id=uuid.UUID(tenancy["rent_account_id"]),
                served_at=noon_in_london(on),
            )
        )
        await session.execute(
            update(ArrearsCase)
            .where(col(ArrearsCase.tenancy_id) == uuid.UUID(tenancy["id"]))
            .values(nosp_served_at=noon_in_london(on))
        )


async def test_a_notice_live_at_the_trials_end_keeps_it_on_trial(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """Possession proceedings begun during the trial: income's record of them is the
    ladder's notice, live for 12 months. The officer decides; the job does not."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 7, 6))  # the last day
    assert await run_on(income_database, date(2026, 8, 1)) == 0
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, tenancy["uprn"]) == []


async def decide_hearing(
    income: httpx.AsyncClient, tenancy: dict[str, Any], listed_for: str, outcome: str, on: str
) -> None:
    """A possession hearing listed on the tenancy's arrears case, and what the court
    decided (ADR 0067)."""
    path = f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrears-case/court-hearings"
    listed = await income.post(path, json={"listed_for": listed_for})
    assert listed.status_code == 201, listed.text
    decided = await income.post(
        f"{path}/{listed.json()['id']}/outcome", json={"outcome": outcome, "decided_on": on}
    )
    assert decided.status_code == 200, decided.text


async def test_proceedings_dismissed_settle_the_trial_from_the_day_they_ended(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A notice live on the trial's last day keeps the tenancy on trial until the
    proceedings are decided (s.130). Dismissed on 20 August 2026, they no longer keep
    it: the job settles it from that day, not from the trial's end (ADR 0067). A
    possession order leaves it on trial for the officer."""
    dismissed = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    ordered = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    for tenancy in (dismissed, ordered):
        await serve_notice(income_database, tenancy, date(2026, 7, 6))  # the last day
    await decide_hearing(income, dismissed, "2026-08-20", "dismissed", "2026-08-20")
    await decide_hearing(income, ordered, "2026-08-20", "outright_possession_order", "2026-08-20")
    await run_on(income_database, date(2026, 8, 21))
    assert (await tenancy_of(income, dismissed))["tenancy_type"] == "secure"
    [event] = await type_changes(income_database, dismissed["uprn"])
    assert (event["change"], event["effective_on"]) == ("confirmed", "2026-08-20")
    assert (await tenancy_of(income, ordered))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, ordered["uprn"]) == []


async def test_a_claim_withdrawn_before_the_notice_does_not_end_its_proceedings(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A claim withdrawn on 1 June 2026 belongs to earlier proceedings: the notice
    served on the trial's last day (6 July 2026) still keeps the tenancy on trial."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await decide_hearing(income, tenancy, "2026-06-01", "withdrawn", "2026-06-01")
    await serve_notice(income_database, tenancy, date(2026, 7, 6))
    await run_on(income_database, date(2026, 8, 21))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"


async def test_a_second_notice_served_after_the_trial_does_not_hide_the_first(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The notice served on the trial's last day began proceedings; a second one
    served after the trial is kept beside it, not over it, so the tenancy stays on
    trial (ADR 0059's consequence, gone now that every notice is kept)."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 7, 6))  # the last day
    await serve_notice(income_database, tenancy, date(2026, 8, 3))
    assert await run_on(income_database, date(2026, 8, 4)) == 0
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, tenancy["uprn"]) == []


async def test_a_notice_lapsed_or_served_after_the_trial_does_not(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A notice served in an extended trial's first months, lapsed before its end (12
    months live), began no proceedings at the end; nor does one served the day after."""
    lapsed = await start_tenancy(start_date="2025-01-13", tenancy_type="introductory")
    extended = await income.post(
        f"/v1/tenancies/{lapsed['id']}/type-decision",
        json={"change": "extended", "effective_on": "2025-12-01"},
    )
    assert extended.status_code == 200, extended.text  # last day 2026-07-12
    await serve_notice(income_database, lapsed, date(2025, 2, 3))  # live to 2026-02-02
    late = await start_tenancy(start_date="2025-08-04", tenancy_type="introductory")
    await serve_notice(income_database, late, date(2026, 8, 4))  # last day 2026-08-03
    await run_on(income_database, date(2026, 8, 6))
    assert (await tenancy_of(income, lapsed))["tenancy_type"] == "secure"
    assert (await tenancy_of(income, late))["tenancy_type"] == "secure"


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL row lock, seen in pg_stat_activity")


async def test_a_decision_being_made_is_passed_over_and_then_found_decided(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The decision holds the tenancy (its first lock): the job skips it (SKIP LOCKED,
    not waiting) and, once the decision commits, finds it decided: one event, the
    officer's."""
    on_postgresql(income_database)
    tenancy = await start_tenancy(start_date="2025-09-01", tenancy_type="introductory")
    tenancy_id = uuid.UUID(tenancy["id"])
    async with income_database.sessionmaker() as session, session.begin():
        await tenancy_service.decide_type(
            session,
            tenancy_id,
            TenancyTypeDecision.model_validate(
                {"change": "confirmed", "tenancy_type": "secure", "effective_on": "2026-09-01"}
            ),
            datetime(2026, 9, 1, 12, tzinfo=UTC),
        )
        job = asyncio.create_task(run_on(income_database, date(2026, 9, 5)))
        await asyncio.wait_for(job, timeout=30)  # never waits for the decision's lock
    await run_on(income_database, date(2026, 9, 5))
    [decision] = await type_changes(income_database, tenancy["uprn"])
    assert decision["effective_on"] == "2026-09-01"
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"


async def test_a_decision_made_as_the_job_settles_waits_and_is_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The job holds the tenancy; an extension asked for meanwhile waits for it and is
    then refused (no longer on trial): one event, the job's."""
    on_postgresql(income_database)
    tenancy = await start_tenancy(start_date="2025-09-08", tenancy_type="introductory")
    async with income_database.sessionmaker() as session, session.begin():
        await tenancy_service.settle_ended_trials(
            session, noon_in_london(date(2026, 9, 10)), IncomeSettings().ladder
        )
        row = await tenancies.get(session, uuid.UUID(tenancy["id"]))
        assert row is not None
        assert row.tenancy_type == "secure"
        decision = asyncio.create_task(
            income.post(
                f"/v1/tenancies/{tenancy['id']}/type-decision",
                json={
                    "change": "confirmed",
                    "tenancy_type": "secure",
                    "effective_on": "2026-09-08",
                },
            )
        )
        await until_a_backend_waits_for_a_lock(income_database)
    answer = await decision
    assert answer.status_code == 409, answer.text
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["effective_on"] == "2026-09-08"
    async with income_database.sessionmaker() as session:
        settled = await session.get(Tenancy, uuid.UUID(tenancy["id"]))
        assert settled is not None
        assert settled.version == 2


async def test_tenancies_kept_on_trial_do_not_hold_up_the_rest(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: StartTenancy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More tenancies kept on trial by a notice than a batch reads: the batch reads on
    past them to the one due to settle, and the round ends (they are not counted, so
    the scheduler does not call again for ever)."""
    monkeypatch.setattr("income.tenancies.service.TRIAL_END_BATCH", 2)
    for _ in range(3):
        kept = await start_tenancy(start_date="2024-10-07", tenancy_type="introductory")
        await serve_notice(income_database, kept, date(2025, 9, 1))
    due = await start_tenancy(start_date="2024-10-14", tenancy_type="starter")
    await run_on(income_database, date(2025, 10, 20))
    assert (await tenancy_of(income, due))["tenancy_type"] == "assured"
    assert (await tenancy_of(income, kept))["tenancy_type"] == "introductory"


async def record_hearing(
    db: Database,
    tenancy: dict[str, Any],
    *,
    listed_for: date,
    recorded_on: date,
    claim_issued_on: date | None = None,
) -> None:
    """A possession hearing recorded on the tenancy's case at midday in London on
    `recorded_on`, undecided (the route would stamp it with today's clock)."""
    async with db.sessionmaker() as session, session.begin():
        session.add(
            CourtHearing(
                id=uuid.uuid4(),
                account_id=uuid.UUID(tenancy["rent_account_id"]),
                listed_for=listed_for,
                listed_at=noon_in_london(recorded_on),
                listed_by="officer-1",
                claim_issued_on=claim_issued_on,
            )
        )


async def test_a_notice_with_no_proceedings_in_six_months_stops_keeping_the_trial(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A notice served on 11 May 2026, in the trial's last months (its last day 6 July
    2026), keeps the tenancy on trial past its end, but only for the six months
    beginning with that day unless proceedings are brought (Housing Act 1996
    s.130(2)(c)): none were, so it is secure from 11 November 2026, the day after the
    six months, whichever day the job runs (ADR 0075)."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await run_on(income_database, date(2026, 7, 7))  # the trial over: kept by the notice
    await run_on(income_database, date(2026, 11, 10))  # the six months' last day
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, tenancy["uprn"]) == []

    await run_on(income_database, date(2026, 12, 8))  # waiting for a claim recorded late
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    await run_on(income_database, date(2026, 12, 9))  # the 28 days' grace over (ADR 0075)
    settled = await tenancy_of(income, tenancy)
    assert (settled["tenancy_type"], settled["introductory_ends_on"]) == ("secure", None)
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert (event["change"], event["previous_type"]) == ("confirmed", "introductory")
    assert event["effective_on"] == "2026-11-11"
    assert await run_on(income_database, date(2026, 12, 24)) == 0
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1


async def test_a_notice_spent_before_the_trial_ends_keeps_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """Served on 5 January 2026, still live (12 months) on the trial's last day (6 July
    2026), but its six months ended on 4 July with no proceedings: the trial ends on
    its own day, 7 July 2026, not kept on trial for ever. The job waits the grace after
    the six months (to 2 August) for a claim issued on their last days, then dates the
    change from the trial's end."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="starter")
    await serve_notice(income_database, tenancy, date(2026, 1, 5))
    await run_on(income_database, date(2026, 8, 1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "starter"
    await run_on(income_database, date(2026, 8, 2))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "assured"
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["effective_on"] == "2026-07-07"


async def test_proceedings_brought_in_the_six_months_keep_the_trial_after_them(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A hearing recorded on 2 October 2026, within the six months of the notice served
    on 11 May, means a claim was issued: the tenancy stays on trial after 11 November
    while the claim is undecided. A hearing recorded only after the six months (on 12
    November, for a notice served the same day) with no date of issue given came too
    late as far as income knows: that tenancy is secure from 11 November, once the
    grace is over."""
    brought = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    late = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    for tenancy in (brought, late):
        await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await record_hearing(
        income_database, brought, listed_for=date(2026, 11, 30), recorded_on=date(2026, 10, 2)
    )
    await record_hearing(
        income_database, late, listed_for=date(2026, 12, 14), recorded_on=date(2026, 11, 12)
    )
    await run_on(income_database, date(2026, 12, 9))
    assert (await tenancy_of(income, brought))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, brought["uprn"]) == []
    assert (await tenancy_of(income, late))["tenancy_type"] == "secure"
    [event] = await type_changes(income_database, late["uprn"])
    assert event["effective_on"] == "2026-11-11"


async def test_a_claim_issued_in_the_six_months_counts_though_recorded_after_them(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """Proceedings are brought when the claim is issued, not when an officer records its
    hearing. Notice served 11 May 2026, six months to 10 November: a claim issued on 9
    November and recorded on 20 November (within the job's grace) keeps the tenancy on
    trial; one issued on 11 November, a day late, does not (secure from 11 November);
    a hearing recorded on 20 November with no date of issue is read by that day, as
    before (ADR 0075)."""
    in_time = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    too_late = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    undated = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    for tenancy, issued in ((in_time, date(2026, 11, 9)), (too_late, date(2026, 11, 11))):
        await serve_notice(income_database, tenancy, date(2026, 5, 11))
        await record_hearing(
            income_database,
            tenancy,
            listed_for=date(2027, 1, 11),
            recorded_on=date(2026, 11, 20),
            claim_issued_on=issued,
        )
    await serve_notice(income_database, undated, date(2026, 5, 11))
    await record_hearing(
        income_database, undated, listed_for=date(2027, 1, 11), recorded_on=date(2026, 11, 20)
    )
    await run_on(income_database, date(2027, 1, 4))
    assert (await tenancy_of(income, in_time))["tenancy_type"] == "introductory"
    assert await type_changes(income_database, in_time["uprn"]) == []
    for tenancy in (too_late, undated):
        assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
        [event] = await type_changes(income_database, tenancy["uprn"])
        assert event["effective_on"] == "2026-11-11"


async def test_the_grace_is_a_setting(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """HEARTH_INCOME_TRIAL_END_GRACE_DAYS: with none, the job settles the day after the
    six months; the legal day is the same whatever the grace."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    job = next(
        job
        for job in scheduled_jobs(IncomeSettings(trial_end_grace_days=0))
        if job.name == "trial-end"
    )
    await run_until_done(income_database, job, noon_in_london(date(2026, 11, 11)))
    [event] = await type_changes(income_database, tenancy["uprn"])
    assert event["effective_on"] == "2026-11-11"


async def test_a_claim_in_time_recorded_after_the_job_settled_is_kept_and_flagged(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The grace over, the job settled the tenancy (secure from 11 November 2026). A
    claim issued on 9 November, recorded on 15 December, is a fact and is recorded, but
    the settlement (published, acted on by visits) is not reversed: the answer and the
    case name the day it was settled from, for the officer to review (ADR 0075). A
    claim issued after that day is not flagged."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    account = uuid.UUID(tenancy["rent_account_id"])
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await run_on(income_database, date(2026, 12, 9))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    service = ArrearsService(IncomeSettings())
    async with income_database.sessionmaker() as session, session.begin():
        recorded = await service.list_hearing(
            session,
            account,
            CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 11, 9)),
            "officer-1",
            noon_in_london(date(2026, 12, 15)),
        )
    assert recorded.claim_issued_on == date(2026, 11, 9)
    assert recorded.trial_settled_on == date(2026, 11, 11)
    case = await income.get(f"/v1/rent-accounts/{account}/arrears-case")
    [shown] = case.json()["court_hearings"]
    assert (shown["claim_issued_on"], shown["trial_settled_on"]) == ("2026-11-09", "2026-11-11")
    assert await run_on(income_database, date(2027, 1, 4)) == 0
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1

    later = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, later, date(2026, 5, 11))
    await run_on(income_database, date(2026, 12, 9))
    async with income_database.sessionmaker() as session, session.begin():
        issued_late = await service.list_hearing(
            session,
            uuid.UUID(later["rent_account_id"]),
            CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 11, 11)),
            "officer-1",
            noon_in_london(date(2026, 12, 15)),
        )
    assert issued_late.trial_settled_on is None
