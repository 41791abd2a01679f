"""ADR 0081, through the API on the real database. A notice of proceedings withdrawn
no longer keeps an introductory (or starter) tenancy on trial (Housing Act 1996
s.130(2)(a)): an officer records the withdrawal on the notice, and the trial-end job
settles the tenancy from the later of the trial's end and the withdrawal. A trial the
job settled while a claim issued in the notice's six months was not yet recorded is put
back on trial by an officer's explicit reinstatement, audited, with the correcting
tenancy-type-changed; refused (409 naming why) when the settlement stands. Fixed dates:
the job runs at London moments of each test's choosing (see test_trial_end)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.schemas import CourtHearingCreate, CourtOutcomeCreate
from income.arrears.service import ArrearsService
from income.models import CourtOutcome, TrialReinstatement, TrialSettlement
from income.settings import IncomeSettings
from services.income.tests.tenancies.test_trial_end import (
    noon_in_london,
    run_on,
    serve_notice,
    tenancy_of,
    type_changes,
)

StartTenancy = Any


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": f"withdrawal-{uuid.uuid4()}"}


async def notices_of(income: httpx.AsyncClient, tenancy: dict[str, Any]) -> list[dict[str, Any]]:
    response = await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrears-case")
    assert response.status_code == 200, response.text
    notices: list[dict[str, Any]] = response.json()["notices"]
    return notices


def withdrawal_path(tenancy: dict[str, Any], notice_id: str) -> str:
    return (
        f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrears-case/notices/"
        f"{notice_id}/withdrawal"
    )


async def withdraw(income: httpx.AsyncClient, tenancy: dict[str, Any], on: str) -> None:
    [notice] = await notices_of(income, tenancy)
    withdrawn = await income.post(
        withdrawal_path(tenancy, notice["id"]), json={"withdrawn_on": on}, headers=keyed()
    )
    assert withdrawn.status_code == 200, withdrawn.text


async def test_a_withdrawal_is_recorded_once_on_a_day_from_the_notice_to_today(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """Not before the day the notice was served, not in the future (London): a 422
    naming withdrawn_on, nothing kept. A retry with the same key gets the first answer;
    a second withdrawal is a 409; a notice not on the case is a 404."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    [notice] = await notices_of(income, tenancy)
    assert notice["withdrawn_on"] is None
    path = withdrawal_path(tenancy, notice["id"])
    tomorrow = (london_day(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    for refused_day in ("2026-05-10", tomorrow, "20260820"):
        refused = await income.post(path, json={"withdrawn_on": refused_day}, headers=keyed())
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["withdrawn_on"]
    assert (await notices_of(income, tenancy))[0]["withdrawn_on"] is None
    missing = await income.post(
        withdrawal_path(tenancy, str(uuid.uuid4())),
        json={"withdrawn_on": "2026-08-20"},
        headers=keyed(),
    )
    assert missing.status_code == 404, missing.text

    key = keyed()
    first = await income.post(path, json={"withdrawn_on": "2026-05-11"}, headers=key)
    assert first.status_code == 200, first.text
    assert (first.json()["id"], first.json()["withdrawn_on"]) == (notice["id"], "2026-05-11")
    again = await income.post(path, json={"withdrawn_on": "2026-05-11"}, headers=key)
    assert (again.status_code, again.json()) == (200, first.json())
    second = await income.post(path, json={"withdrawn_on": "2026-06-01"}, headers=keyed())
    assert second.status_code == 409, second.text
    assert second.json()["field"] == "withdrawn_on"
    assert (await notices_of(income, tenancy))[0]["withdrawn_on"] == "2026-05-11"


async def test_a_withdrawn_notice_keeps_the_trial_no_longer(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """A notice served on 11 May 2026 would keep the trial (last day 6 July) open to 10
    November. Withdrawn on 20 August, after the trial's end: secure from 20 August, not
    before (the job run on the 19th leaves it on trial). Withdrawn on 1 June, before
    the trial's end: secure from the trial's end, 7 July (s.130(2)(a), ADR 0081)."""
    after_end = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    before_end = await start_tenancy(start_date="2025-07-07", tenancy_type="starter")
    for tenancy in (after_end, before_end):
        await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await withdraw(income, after_end, "2026-08-20")
    await withdraw(income, before_end, "2026-06-01")

    await run_on(income_database, date(2026, 7, 6))  # the trial's last day: on trial
    assert (await tenancy_of(income, before_end))["tenancy_type"] == "starter"
    await run_on(income_database, date(2026, 7, 7))
    assert (await tenancy_of(income, before_end))["tenancy_type"] == "assured"
    [event] = await type_changes(income_database, before_end["uprn"])
    assert (event["change"], event["effective_on"]) == ("confirmed", "2026-07-07")

    await run_on(income_database, date(2026, 8, 19))
    assert (await tenancy_of(income, after_end))["tenancy_type"] == "introductory"
    await run_on(income_database, date(2026, 8, 21))
    settled = await tenancy_of(income, after_end)
    assert (settled["tenancy_type"], settled["introductory_ends_on"]) == ("secure", None)
    [event] = await type_changes(income_database, after_end["uprn"])
    assert (event["change"], event["previous_type"], event["effective_on"]) == (
        "confirmed",
        "introductory",
        "2026-08-20",
    )
    assert await run_on(income_database, date(2026, 12, 24)) == 0


async def settled_with_a_claim_recorded_late(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> tuple[dict[str, Any], str]:
    """A trial kept open by a notice served 11 May 2026, settled by the job on 9
    December (secure from 11 November, the six months' end, the grace over); a claim
    issued on 9 November, in the six months, recorded on 15 December. Returns the
    tenancy and its hearing's id."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await run_on(income_database, date(2026, 12, 9))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    async with income_database.sessionmaker() as session, session.begin():
        hearing = await ArrearsService(IncomeSettings()).list_hearing(
            session,
            uuid.UUID(tenancy["rent_account_id"]),
            CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 11, 9)),
            "officer-1",
            noon_in_london(date(2026, 12, 15)),
        )
    assert hearing.trial_settled_on == date(2026, 11, 11)
    return tenancy, str(hearing.id)


async def test_a_trial_settled_before_its_claim_was_recorded_is_put_back(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """The officer reinstates it: introductory again with its trial's end, the
    settlement undone and kept as a reinstatement with who made it, and a
    tenancy-type-changed (`other`, secure back to introductory, from 11 November)
    correcting the settlement's. A retry publishes nothing more. The job then leaves it
    on trial while the claim runs, and settles it again, from the day, when it is
    dismissed; that settlement stands (a second reinstatement is a 409)."""
    tenancy, hearing_id = await settled_with_a_claim_recorded_late(
        income, income_database, start_tenancy
    )
    path = f"/v1/tenancies/{tenancy['id']}/trial-reinstatement"
    key = keyed()
    reinstated = await income.post(path, headers=key)
    assert reinstated.status_code == 200, reinstated.text
    assert (reinstated.json()["tenancy_type"], reinstated.json()["introductory_ends_on"]) == (
        "introductory",
        "2026-07-07",
    )
    again = await income.post(path, headers=key)
    assert (again.status_code, again.json()) == (200, reinstated.json())
    settlement, correction = await type_changes(income_database, tenancy["uprn"])
    assert settlement["change"] == "confirmed"
    assert (
        correction["change"],
        correction["previous_type"],
        correction["tenancy_type"],
        correction["effective_on"],
        correction["introductory_period_ends_on"],
    ) == ("other", "secure", "introductory", "2026-11-11", "2026-07-07")
    async with income_database.sessionmaker() as session:
        assert await session.get(TrialSettlement, uuid.UUID(tenancy["id"])) is None
        [kept] = (
            await session.execute(
                select(TrialReinstatement).where(
                    col(TrialReinstatement.tenancy_id) == uuid.UUID(tenancy["id"])
                )
            )
        ).scalars()
    assert (kept.settled_on, kept.trial_ended_on) == (date(2026, 11, 11), date(2026, 7, 7))
    assert kept.reinstated_by
    case = await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrears-case")
    [hearing] = case.json()["court_hearings"]
    assert hearing["trial_settled_on"] is None  # nothing left to review

    assert await run_on(income_database, date(2027, 1, 4)) == 0
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    async with income_database.sessionmaker() as session, session.begin():
        await ArrearsService(IncomeSettings()).record_outcome(
            session,
            uuid.UUID(tenancy["rent_account_id"]),
            uuid.UUID(hearing_id),
            CourtOutcomeCreate(outcome=CourtOutcome.DISMISSED, decided_on=date(2027, 1, 11)),
            "officer-1",
            noon_in_london(date(2027, 1, 11)),
        )
    await run_on(income_database, date(2027, 1, 12))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    *_, resettled = await type_changes(income_database, tenancy["uprn"])
    assert (resettled["change"], resettled["effective_on"]) == ("confirmed", "2027-01-11")
    stands = await income.post(path, headers=keyed())
    assert stands.status_code == 409, stands.text
    assert (stands.json()["field"], stands.json()["reason"]) == (
        "trial_settled_on",
        "the_notice_stopped_keeping_the_trial_by_the_day_settled",
    )
    assert len(await type_changes(income_database, tenancy["uprn"])) == 3


async def test_a_settlement_with_no_claim_in_time_on_record_stands(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: StartTenancy
) -> None:
    """No claim recorded (or one issued after the six months): 409 naming
    claim_issued_on, nothing changed, nothing published. A tenancy the job did not
    settle (secure from the start) is a 409 naming trial_settled_on; none, a 404."""
    tenancy = await start_tenancy(start_date="2025-07-07", tenancy_type="introductory")
    await serve_notice(income_database, tenancy, date(2026, 5, 11))
    await run_on(income_database, date(2026, 12, 9))
    path = f"/v1/tenancies/{tenancy['id']}/trial-reinstatement"
    refused = await income.post(path, headers=keyed())
    assert refused.status_code == 409, refused.text
    assert (refused.json()["field"], refused.json()["reason"]) == (
        "claim_issued_on",
        "no_claim_issued_in_the_notices_six_months",
    )
    async with income_database.sessionmaker() as session, session.begin():
        await ArrearsService(IncomeSettings()).list_hearing(
            session,
            uuid.UUID(tenancy["rent_account_id"]),
            CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 11, 11)),
            "officer-1",
            noon_in_london(date(2026, 12, 15)),
        )
    late = await income.post(path, headers=keyed())
    assert late.status_code == 409, late.text
    assert late.json()["field"] == "claim_issued_on"
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1

    secure = await start_tenancy(start_date="2025-07-07", tenancy_type="secure")
    never = await income.post(f"/v1/tenancies/{secure['id']}/trial-reinstatement", headers=keyed())
    assert never.status_code == 409, never.text
    assert never.json()["field"] == "trial_settled_on"
    missing = await income.post(
        f"/v1/tenancies/{uuid.uuid4()}/trial-reinstatement", headers=keyed()
    )
    assert missing.status_code == 404, missing.text
