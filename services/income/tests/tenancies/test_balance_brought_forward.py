"""ADR 0132: a tenancy loaded from the landlord's old system (a go-live or bulk load)
carries its balance brought forward and the day it was struck, and the rent weeks up to
that day are the old system's: neither the charge back of a tenancy recorded late (ADR
0112) nor the rent run charges them again, whatever `backdated_charge_weeks` is. Before,
a loaded tenancy that started within the window was charged its weeks back on top of the
balance it brought, unless ops set the window to 0 for the load; and there was no way
to bring a balance forward at all. A tenancy recorded late without one is charged back
as before."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day
from income.accounts.repository import balance
from income.accounts.rules import weeks_charged_back
from income.settings import ArrearsLadder, IncomeSettings
from income.tenancies.rules import why_not_brought_forward_as_at
from income.tenancies.schemas import TenancyPublic
from income.tenancies.service import tenancy_service
from services.income.tests.conftest import events_of, new_tenancy
from services.income.tests.tenancies.test_backdated_charge import (
    CHARGED,
    NOW,
    STARTED,
    WEEK,
    charges_of,
    look_at,
    run_the_rent_run,
)

STRUCK = date(2026, 11, 22)
"""Sunday 22 November 2026: the last day of the rent week before last (NOW is Tuesday 1
December, in the rent week from Monday 30 November)."""


def brought_forward(amount_pence: int, as_at: date) -> dict[str, Any]:
    return {"balance_brought_forward": {"amount_pence": amount_pence, "as_at": as_at.isoformat()}}


async def load(
    db: Database, start_date: date, amount_pence: int, as_at: date, **charge_back: Any
) -> TenancyPublic:
    """A tenancy loaded at NOW with its balance brought forward."""
    data = new_tenancy(start_date, **brought_forward(amount_pence, as_at))
    async with db.sessionmaker() as session, session.begin():
        return await tenancy_service.start(session, data, NOW, **charge_back)


def test_the_weeks_up_to_the_balance_are_not_charged_back() -> None:
    today = london_day(NOW)
    # Started 16 November, within the window: from its start without a balance brought
    # forward, from the week after the one struck 22 November with one.
    assert weeks_charged_back(date(2026, 11, 16), today, 4, []) == [
        date(2026, 11, 16),
        date(2026, 11, 23),
        WEEK,
    ]
    assert weeks_charged_back(date(2026, 11, 16), today, 4, [], STRUCK) == [
        date(2026, 11, 23),
        WEEK,
    ]
    # Years old: the weeks after the balance, which no one else charges.
    assert weeks_charged_back(date(2015, 4, 6), today, 4, [], STRUCK) == [date(2026, 11, 23), WEEK]
    assert weeks_charged_back(date(2015, 4, 6), today, 4, [], date(2026, 11, 29)) == [WEEK]
    # Starting after the balance was struck (rent in advance on the old system): its
    # own weeks from its start.
    assert weeks_charged_back(date(2026, 11, 25), today, 4, [], STRUCK) == [
        date(2026, 11, 23),
        WEEK,
    ]
    assert weeks_charged_back(date(2015, 4, 6), today, 0, [], STRUCK) == []  # turned off


def test_a_balance_is_struck_at_the_end_of_a_rent_week_already_over() -> None:
    today = london_day(NOW)
    assert why_not_brought_forward_as_at(STRUCK, today) is None
    assert why_not_brought_forward_as_at(date(2026, 11, 29), today) is None
    saturday = why_not_brought_forward_as_at(date(2026, 11, 28), today)
    assert saturday is not None
    assert "Saturday" in saturday
    # Today's rent week is not over: its charge is Hearth's, due this week, not arrears.
    assert why_not_brought_forward_as_at(date(2026, 12, 6), today) is not None
    assert why_not_brought_forward_as_at(date(2026, 12, 6), date(2026, 12, 6)) is not None
    assert why_not_brought_forward_as_at(date(2026, 11, 29), date(2026, 12, 6)) is None


async def test_a_load_within_the_window_is_charged_only_the_weeks_after_its_balance(
    income_database: Database,
) -> None:
    """Started Monday 16 November on the old system, its balance of 250.00 struck on
    Sunday 22 November, loaded on Tuesday 1 December on the default window (4 weeks):
    the balance is posted as it was, the week from 16 November (in it) is charged
    neither back nor by `hearth rent-run --week`, and the two weeks since are."""
    tenancy = await load(income_database, date(2026, 11, 16), 25_000, STRUCK)
    assert (tenancy.balance_brought_forward_pence, tenancy.balance_brought_forward_as_at) == (
        25_000,
        STRUCK,
    )
    assert tenancy.backdated_weeks_charged == 2
    assert tenancy.rent_account_id is not None
    charged = [
        (None, "opening_balance", 25_000),
        (date(2026, 11, 23), "rent", 7_000),
        (date(2026, 11, 23), "service_charge", 1_400),
        (WEEK, "rent", 7_000),
        (WEEK, "service_charge", 1_400),
    ]
    assert sorted(await charges_of(income_database, tenancy.rent_account_id), key=str) == sorted(
        charged, key=str
    )
    for week in (date(2026, 11, 16), date(2026, 11, 23), WEEK):
        await run_the_rent_run(income_database, week, IncomeSettings())
    assert len(await charges_of(income_database, tenancy.rent_account_id)) == len(charged)
    events = await events_of(income_database, tenancy.uprn)
    assert [(t, p.get("week_starting"), p.get("balance_pence")) for t, p in events] == [
        (STARTED, None, None),
        (CHARGED, "2026-11-23", 33_400),
        (CHARGED, "2026-11-30", 41_800),
    ]


async def test_the_rent_run_never_charges_a_week_in_the_balance_brought_forward(
    income_database: Database,
) -> None:
    """Loaded with the window at 0 (the old runbook's way), a years-old tenancy whose
    balance was struck on 22 November: `hearth rent-run --week` for the weeks before it
    (a missed run caught up after go-live) charges it nothing; the week after, and the
    current one, it charges as any."""
    tenancy = await load(income_database, date(2015, 4, 6), 0, STRUCK, backdated_charge_weeks=0)
    assert tenancy.backdated_weeks_charged == 0
    assert tenancy.rent_account_id is not None
    for week in (date(2026, 11, 9), date(2026, 11, 16)):
        await run_the_rent_run(income_database, week, IncomeSettings())
    assert await charges_of(income_database, tenancy.rent_account_id) == []  # 0: no entry
    for week in (date(2026, 11, 23), WEEK):
        await run_the_rent_run(income_database, week, IncomeSettings())
    assert await charges_of(income_database, tenancy.rent_account_id) == [
        (date(2026, 11, 23), "rent", 7_000),
        (date(2026, 11, 23), "service_charge", 1_400),
        (WEEK, "rent", 7_000),
        (WEEK, "service_charge", 1_400),
    ]


async def test_a_tenancy_recorded_late_without_one_is_still_charged_back(
    income_database: Database,
) -> None:
    """A new letting signed on 16 November and typed in on 1 December brings no balance:
    every week from its start is charged, as ADR 0112 has it."""
    async with income_database.sessionmaker() as session, session.begin():
        tenancy = await tenancy_service.start(session, new_tenancy(date(2026, 11, 16)), NOW)
    assert tenancy.backdated_weeks_charged == 3
    assert tenancy.balance_brought_forward_pence is None
    assert tenancy.rent_account_id is not None
    weeks = [w for w, _, _ in await charges_of(income_database, tenancy.rent_account_id)]
    assert sorted(set(weeks), key=str) == [date(2026, 11, 16), date(2026, 11, 23), WEEK]


async def test_a_loaded_tenancys_arrears_go_on_the_ladder_from_its_first_look(
    income_database: Database,
) -> None:
    """A tenancy of years with 200.00 of arrears brought forward, loaded on Tuesday with
    its current week charged back: not a new tenancy to watch from the day it was
    loaded (no personal-contact task in place of the letter, held six weeks), but a
    case the ladder takes as it stands: letter 1."""
    tenancy = await load(income_database, date(2015, 4, 6), 20_000, date(2026, 11, 29))
    assert tenancy.backdated_weeks_charged == 1
    async with income_database.sessionmaker() as session:
        assert tenancy.rent_account_id is not None
        assert await balance(session, tenancy.rent_account_id) == 20_000 + 8_400
    case = await look_at(income_database, tenancy, ArrearsLadder(), NOW)
    assert (case.stage, case.personal_contact_needed_at) == (ArrearsStage.LETTER_1, None)


async def test_a_balance_struck_mid_week_or_in_the_current_week_is_refused(
    income_database: Database,
) -> None:
    for as_at in (date(2026, 11, 28), date(2026, 12, 6)):
        with pytest.raises(Unprocessable) as refused:
            await load(income_database, date(2015, 4, 6), 10_000, as_at)
        assert refused.value.extensions["field"] == "balance_brought_forward.as_at"


async def test_the_api_takes_and_shows_the_balance_brought_forward(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """Through the API on the default window: a tenancy started a week before the
    balance was struck (last Sunday but one) is charged the week since and the current
    one, not its first; the balance is on the answer, a retry, the tenancy and the list,
    and on the statement as the opening balance. A Saturday is a 422 naming the field,
    nothing kept."""
    today = london_day(datetime.now(UTC))
    as_at = today - timedelta(days=today.weekday() + 8)  # the Sunday a week before last
    body = new_tenancy(as_at - timedelta(days=6)).model_dump(mode="json")
    body |= brought_forward(-1_500, as_at)
    headers = {"Idempotency-Key": f"brought-forward-{uuid.uuid4()}"}
    made = await income.post("/v1/tenancies", json=body, headers=headers)
    assert made.status_code == 201, made.text
    named = ("balance_brought_forward_pence", "balance_brought_forward_as_at")
    shown = {k: made.json()[k] for k in (*named, "backdated_weeks_charged")}
    assert shown == {
        "balance_brought_forward_pence": -1_500,
        "balance_brought_forward_as_at": as_at.isoformat(),
        "backdated_weeks_charged": 2,
    }
    again = await income.post("/v1/tenancies", json=body, headers=headers)
    assert again.json() == made.json()
    got = await income.get(f"/v1/tenancies/{made.json()['id']}")
    assert got.json()["balance_brought_forward_as_at"] == as_at.isoformat()
    listed = await income.get("/v1/tenancies", params={"uprn": body["uprn"]})
    assert listed.json()["items"][0]["balance_brought_forward_pence"] == -1_500
    account = made.json()["rent_account_id"]
    summary = await income.get(f"/v1/rent-accounts/{account}/summary")
    assert summary.json()["balance_pence"] == -1_500 + 2 * 8_400

    refused = new_tenancy(as_at - timedelta(days=6)).model_dump(mode="json")
    refused |= brought_forward(1_000, as_at - timedelta(days=1))
    answer = await income.post(
        "/v1/tenancies", json=refused, headers={"Idempotency-Key": f"bf-{uuid.uuid4()}"}
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["balance_brought_forward.as_at"]
    listed = await income.get("/v1/tenancies", params={"uprn": refused["uprn"]})
    assert listed.json()["items"] == []
