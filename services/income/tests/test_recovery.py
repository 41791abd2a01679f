"""Recovery end to end in the service: the ladder job over real cases, arrangements
made and broken, tenancies ending into former tenant arrears, write-offs within the
approver's limit, recharges and vulnerability flags from other services' events, the
summary and the figures."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import VulnerabilityRecorded
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day
from income.arrears.service import ArrearsService
from income.handlers import on_recharge_raised, on_vulnerability_recorded
from income.models import Account, AccountKind, ArrearsCase, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from tests.harness.tokens import InternalTokenAuth

SETTINGS = IncomeSettings()


async def charge(db: Database, week: date) -> None:
    run = RentRun(SETTINGS)
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, datetime.now(UTC)) == 0:
                return


async def run_ladder(db: Database, now: datetime) -> None:
    service = ArrearsService(SETTINGS)
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await service.run_ladder(session, now) == 0:
                return


async def make_due(db: Database, account_id: str) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account_id))
            .values(next_check_at=datetime(2000, 1, 1, tzinfo=UTC))
        )


async def events(db: Database, uprn: str, event_type: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        payloads = await session.scalars(
            select(outbox_message.c.payload)
            .where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == f"uk.hearth.income.{event_type}.v1",
            )
            .order_by(outbox_message.c.id)
        )
        return [json.loads(p) for p in payloads]


async def an_arrangement(
    income: httpx.AsyncClient, account: str, first_instalment_on: date
) -> dict[str, Any]:
    """An arrangement of £20 a week, affordable on £300 in and £280 out: made (201)."""
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 30_000,
                "weekly_expenditure_pence": 28_000,
            },
            "instalment_pence": 2_000,
            "frequency": "weekly",
            "first_instalment_on": first_instalment_on.isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def test_the_ladder_job_sends_letter_1_with_the_tenants_ids_and_a_reason(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    joint = [str(uuid.uuid4()), str(uuid.uuid4())]
    tenancy = await start_tenancy(
        tenants=[
            {"full_name": "A", "person_id": joint[0]},
            {"full_name": "B", "person_id": joint[1]},
        ],
        start_date="2026-01-05",
    )
    account = tenancy["rent_account_id"]
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 4, 12, tzinfo=UTC))
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["reason"]) for e in changed] == [
        ("letter_1", "arrears_at_least_1000_pence")
    ]
    assert changed[0]["person_ids"] == joint
    assert changed[0]["arrears_pence"] == 20_000
    assert "Sam" not in json.dumps(changed[0])
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["arrears_stage"] == "letter_1"
    assert summary["weekly_charge_pence"] == 10_000
    # Looked at once per check: running again at once changes nothing.
    await run_ladder(income_database, datetime(2026, 3, 4, 13, tzinfo=UTC))
    assert len(await events(income_database, tenancy["uprn"], "arrears-stage-changed")) == 1


async def test_each_case_is_looked_at_on_every_london_day_so_a_step_is_taken_on_its_day(
    income_database: Database, start_tenancy: Any
) -> None:
    """A step falls due on a London day (letter 2 on the 14th day after letter 1), so
    the ladder must look at each case on every London day. Its next look was 24 hours
    after the last, taken by a job every 15 minutes: the looks drifted later each day,
    and a case looked at at 23:50 was not due at the job's 23:45 the next day, nor
    looked at until 00:00 the day after, so that whole London day was skipped and the
    step taken a day late (its date, and every interval counted from it, with it). The
    next look is now at the start of the next London day at the latest."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 4, 23, 50, tzinfo=UTC))
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 17, 23, 50, tzinfo=UTC))  # day 13
    await run_ladder(income_database, datetime(2026, 3, 18, 23, 45, tzinfo=UTC))  # day 14
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["changed_at"][:10]) for e in changed] == [
        ("letter_1", "2026-03-04"),
        ("letter_2", "2026-03-18"),
    ]


async def test_a_new_tenancy_missing_a_payment_gets_a_personal_contact_task(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    today = london_day(datetime.now(UTC))
    monday = today - timedelta(days=today.weekday())
    tenancy = await start_tenancy(start_date=(monday - timedelta(weeks=2)).isoformat())
    account = tenancy["rent_account_id"]
    for weeks in (2, 1):
        await charge(income_database, monday - timedelta(weeks=weeks))
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC))
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["personal_contact_needed"] is True
    assert summary["arrears_stage"] == "none"
    assert await events(income_database, tenancy["uprn"], "arrears-stage-changed") == []
    # Paid up: the task is no longer needed, and the summary stops showing it.
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 20_000, "method": "card", "received_on": today.isoformat()},
    )
    assert paid.status_code == 201, paid.text
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC))
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["personal_contact_needed"] is False
    assert await events(income_database, tenancy["uprn"], "arrears-stage-changed") == []


async def test_a_vulnerability_flag_pauses_letters_until_a_review(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    person = uuid.uuid4()
    tenancy = await start_tenancy(
        tenants=[{"full_name": "C", "person_id": str(person)}], start_date="2026-01-05"
    )
    account = tenancy["rent_account_id"]
    await charge(income_database, date(2026, 1, 5))
    await charge(income_database, date(2026, 1, 12))
    flag = VulnerabilityRecorded(
        resident_id=person,
        uprn=tenancy["uprn"],
        categories=["mental_health"],
        recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    async with income_database.sessionmaker() as session, session.begin():
        await on_vulnerability_recorded(session, Envelope(data=flag))
        await on_vulnerability_recorded(session, Envelope(data=flag))  # twice: once
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 4, 12, tzinfo=UTC))
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["paused_for_review"] is True
    assert await events(income_database, tenancy["uprn"], "arrears-stage-changed") == []
    reviewed = await income.post(f"/v1/rent-accounts/{account}/arrears-case/review")
    assert reviewed.status_code == 200
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 4, 13, tzinfo=UTC))
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [e["stage"] for e in changed] == ["letter_1"]


async def test_a_court_step_blocked_by_the_protocol_names_the_missing_condition(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(6):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(
                stage="notice_of_seeking_possession",
                nosp_served_at=now - timedelta(days=30),
                next_check_at=now - timedelta(days=1),
            )
        )
    await run_ladder(income_database, now)
    got = await income.get(f"/v1/rent-accounts/{account}/arrears-case")
    case, seen = got.json(), {"If-Match": got.headers["etag"]}
    assert case["blocked_by"] == "tenant_contacted"
    assert case["stage"] == "notice_of_seeking_possession"
    future = (now + timedelta(days=2)).isoformat()
    refused = await income.patch(
        f"/v1/rent-accounts/{account}/arrears-case/protocol",
        json={"tenant_contacted_at": future},
        headers=seen,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tenant_contacted_at"
    done = now - timedelta(days=1)
    recorded = await income.patch(
        f"/v1/rent-accounts/{account}/arrears-case/protocol",
        json={
            "tenant_contacted_at": done.isoformat(),
            "arrangement_offered_at": done.isoformat(),
            "statements_given_at": done.isoformat(),
            "benefit_issues_pursued_at": done.isoformat(),
            "vulnerability_considered_at": done.isoformat(),
        },
        headers=seen,
    )
    assert recorded.status_code == 200
    # Recording makes the case due at the request's own moment, which a loaded machine
    # puts more than a second after `now`: the job runs after it.
    await run_ladder(income_database, datetime.now(UTC))
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "court_warning"
    assert case["blocked_by"] is None


async def test_an_arrangement_too_long_or_unaffordable_is_refused_and_a_missed_instalment_breaks_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(3):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    today = london_day(datetime.now(UTC))
    body = {
        "income_and_expenditure": {
            "weekly_income_pence": 30_000,
            "weekly_expenditure_pence": 28_000,
        },
        "instalment_pence": 100,
        "frequency": "weekly",
        "first_instalment_on": today.isoformat(),
    }
    too_long = await income.post(f"/v1/rent-accounts/{account}/arrangements", json=body)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "instalment_pence"
    unaffordable = await income.post(
        f"/v1/rent-accounts/{account}/arrangements", json={**body, "instalment_pence": 2_001}
    )
    assert unaffordable.status_code == 422
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements", json={**body, "instalment_pence": 2_000}
    )
    assert made.status_code == 201, made.text
    assert made.json()["arrears_pence"] == 30_000
    assert len(await events(income_database, tenancy["uprn"], "arrangement-made")) == 1
    # Nothing paid: after the first instalment's grace the arrangement is broken and
    # recovery resumes: 300 pounds owed and no notice, so the ladder's letter 1, not the
    # text reminder a step up from none would be (a break never holds recovery back).
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC) + timedelta(days=5))
    broken = await events(income_database, tenancy["uprn"], "arrangement-broken")
    assert [e["missed_instalment_on"] for e in broken] == [today.isoformat()]
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["reason"]) for e in changed] == [
        ("letter_1", "arrears_at_least_1000_pence")
    ]


async def test_a_broken_arrangement_serves_the_notice_no_sooner_than_a_week_after_letter_2(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The review's case, through the job: letter 2 sent, an arrangement made the next
    day and broken (its first instalment not paid in the 3 days' grace), the notice
    waits until letter 2 went a week earlier, then goes for the break (ADR 0201; was:
    the notice at the break's look, 6 days after letter 2)."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(6):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    # Noon UTC is on the same London day all year, so the days between are exact.
    now = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(
                stage="letter_2",
                letter_1_at=now - timedelta(days=30),
                letter_2_at=now - timedelta(days=1),
            )
        )
    await an_arrangement(income, account, london_day(now))
    await make_due(income_database, account)
    await run_ladder(income_database, now + timedelta(days=5))  # 6 days after letter 2
    assert len(await events(income_database, tenancy["uprn"], "arrangement-broken")) == 1
    assert await events(income_database, tenancy["uprn"], "arrears-stage-changed") == []
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "letter_2"
    await make_due(income_database, account)
    await run_ladder(income_database, now + timedelta(days=6))  # 7 days after letter 2
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["reason"]) for e in changed] == [
        ("notice_of_seeking_possession", "arrangement_broken_resumed_at_next_step")
    ]


async def test_ending_a_tenancy_makes_former_tenant_arrears_payments_go_there_or_are_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    await charge(income_database, date(2026, 1, 5))
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-11", "reason": "notice_given"},
    )
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    (event,) = await events(income_database, tenancy["uprn"], "tenancy-ended")
    assert event["closing_balance_pence"] == 10_000
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == 10_000
    assert summary["arrears_pence"] == 0
    pay = {"amount_pence": 4_000, "method": "card", "received_on": "2026-02-01"}
    paid = await income.post(f"/v1/rent-accounts/{account}/payments", json=pay)
    assert paid.json()["applied_to"] == "former_tenant_arrears"
    too_much = await income.post(
        f"/v1/rent-accounts/{account}/payments", json={**pay, "amount_pence": 6_001}
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "amount_pence"
    assert (await income.get(f"/v1/rent-accounts/{account}")).json()["balance_pence"] == 6_000
    # Write-off: needs income:approve, within the approver's limit (default 100,000).
    write_off = {"amount_pence": 6_000, "reason": "untraceable"}
    no_scope = await income.post(
        f"/v1/rent-accounts/{account}/write-offs",
        json=write_off,
        auth=InternalTokenAuth("income", scopes=("income:read", "income:write")),
    )
    assert no_scope.status_code == 403
    above = await income.post(
        f"/v1/rent-accounts/{account}/write-offs",
        json={**write_off, "amount_pence": 100_001},
        auth=InternalTokenAuth("income", scopes=("income:approve",)),
    )
    assert above.status_code == 422
    assert above.json()["errors"][0]["field"] == "amount_pence"
    done = await income.post(
        f"/v1/rent-accounts/{account}/write-offs",
        json=write_off,
        auth=InternalTokenAuth("income", scopes=("income:approve",)),
    )
    assert done.status_code == 201, done.text
    assert done.json()["balance_pence"] == 0
    (written,) = await events(income_database, tenancy["uprn"], "former-tenant-arrears-written-off")
    assert written["amount_pence"] == 6_000
    nothing_owed = await income.post(f"/v1/rent-accounts/{account}/payments", json=pay)
    assert nothing_owed.status_code == 422


@pytest.mark.parametrize("trial_type", ["introductory", "starter"])
async def test_a_tenancy_on_trial_is_extended_once_then_confirmed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, trial_type: str
) -> None:
    # Introductory for councils, starter for housing associations: the same trial.
    tenancy = await start_tenancy(tenancy_type=trial_type, start_date="2025-06-02")
    assert tenancy["introductory_ends_on"] == "2026-06-02"
    decide = f"/v1/tenancies/{tenancy['id']}/type-decision"
    extended = await income.post(decide, json={"change": "extended", "effective_on": "2026-05-01"})
    assert extended.json()["introductory_ends_on"] == "2026-12-02"
    again = await income.post(decide, json={"change": "extended", "effective_on": "2026-05-02"})
    assert again.status_code == 409
    # an introductory tenancy becomes secure, a starter tenancy assured
    settled = {"introductory": "secure", "starter": "assured"}[trial_type]
    confirmed = await income.post(
        decide, json={"change": "confirmed", "tenancy_type": settled, "effective_on": "2026-11-01"}
    )
    assert confirmed.json()["tenancy_type"] == settled
    changes = await events(income_database, tenancy["uprn"], "tenancy-type-changed")
    assert [(c["change"], c["tenancy_type"]) for c in changes] == [
        ("extended", trial_type),
        ("confirmed", settled),
    ]


async def test_a_recharge_is_invoiced_once_on_the_sundry_account(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    recharge = RechargeRaised(
        recharge_id=uuid.uuid4(),
        repair_id=uuid.uuid4(),
        uprn=tenancy["uprn"],
        amount_pence=12_500,
        reason="damage_by_household",
        vulnerability_considered=True,
        raised_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    for _ in range(2):
        async with income_database.sessionmaker() as session, session.begin():
            await on_recharge_raised(session, Envelope(data=recharge))
    async with income_database.sessionmaker() as session:
        sundry = (
            await session.scalars(
                select(Account).where(
                    Account.tenancy_id == uuid.UUID(tenancy["id"]),
                    Account.kind == AccountKind.SUNDRY,
                )
            )
        ).one()
        amounts = (
            await session.scalars(
                select(LedgerEntry.amount_pence).where(LedgerEntry.account_id == sundry.id)
            )
        ).all()
    assert amounts == [12_500]
    rent = (await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}")).json()
    assert rent["balance_pence"] == 0  # apart from rent


async def test_tenancies_list_with_their_rent_accounts_and_the_figures_add_up(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    listed = (await income.get("/v1/tenancies", params={"uprn": tenancy["uprn"]})).json()
    assert listed["items"][0]["rent_account_id"] == tenancy["rent_account_id"]
    figures = await income.get(
        "/v1/income/figures", params={"from": "2026-01-01", "to": "2026-03-31"}
    )
    assert figures.status_code == 200, figures.text
    body = figures.json()
    codes = {m["code"] for m in body["measures"]}
    assert {"income.collection_rate", "income.current_arrears_share_of_rent_roll"} <= codes
    assert {m["code"] for m in body["breakdowns"]["arrears_stage"]} >= {"income.cases.letter_1"}


async def test_an_approvers_write_offs_on_an_account_count_together_against_the_limit(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05", weekly_rent_pence=80_000)
    account = tenancy["rent_account_id"]
    await charge(income_database, date(2026, 1, 5))
    await charge(income_database, date(2026, 1, 12))
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-18", "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text
    approver = InternalTokenAuth("income", scopes=("income:approve",), subject="approver-1")
    other = InternalTokenAuth("income", scopes=("income:approve",), subject="approver-2")
    path = f"/v1/rent-accounts/{account}/write-offs"
    first = await income.post(
        path, json={"amount_pence": 60_000, "reason": "untraceable"}, auth=approver
    )
    assert first.status_code == 201, first.text
    second = await income.post(
        path, json={"amount_pence": 40_000, "reason": "untraceable"}, auth=approver
    )
    assert second.status_code == 201, second.text
    # 100,000 written off by this approver: one penny more on this account is over the
    # default limit, however it is split; the ledger and the outbox unchanged.
    split = await income.post(
        path, json={"amount_pence": 1, "reason": "untraceable"}, auth=approver
    )
    assert split.status_code == 422
    assert split.json()["errors"][0]["field"] == "amount_pence"
    assert (await income.get(f"/v1/rent-accounts/{account}")).json()["balance_pence"] == 60_000
    written = await events(income_database, tenancy["uprn"], "former-tenant-arrears-written-off")
    assert len(written) == 2
    # Another approver has a limit of their own.
    assert (
        await income.post(path, json={"amount_pence": 10_000, "reason": "untraceable"}, auth=other)
    ).status_code == 201
    # A reversed write-off no longer counts.
    reversed_ = await income.post(
        f"/v1/rent-accounts/{account}/entries/{first.json()['entry']['id']}/reversal",
        json={"reason": "written_off_in_error"},
    )
    assert reversed_.status_code == 201, reversed_.text
    again = await income.post(
        path, json={"amount_pence": 60_000, "reason": "untraceable"}, auth=approver
    )
    assert again.status_code == 201, again.text
