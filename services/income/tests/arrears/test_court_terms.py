"""The court's terms on an order or adjournment, recorded with its outcome and watched
by the ladder job as it watches an arrangement's instalments (ADR 0084): kept while the
tenant pays the rent and the instalments, broken on the day of the first instalment not
paid once the grace has passed. The court holds the ladder all along: the case shows
court_terms_broken_on for the officer, and no step is taken."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from income.arrears import repository
from services.income.tests.arrears.test_court_hearings import case_of, hearings_path, list_hearing
from services.income.tests.arrears.test_personal_contact_cleared import (
    charge,
    make_due,
    run_ladder,
)
from services.income.tests.test_recovery import events
from tests.harness.days import london_today

WEEKLY_RENT = 10_000
INSTALMENT = 2_000


def this_monday() -> date:
    today = london_today()
    return today - timedelta(days=today.weekday())


def midday(day: date) -> datetime:
    return start_of_london_day(day) + timedelta(hours=12)


async def pay(income: httpx.AsyncClient, account: str, on: date, amount: int) -> None:
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": amount, "method": "card", "received_on": on.isoformat()},
    )
    assert paid.status_code == 201, paid.text


async def look_on(db: Database, account: str, day: date) -> None:
    """The ladder job's look at the case at midday (London) on `day`."""
    await make_due(db, account)
    await run_ladder(db, midday(day))


async def suspended_order_with_terms(
    income: httpx.AsyncClient, db: Database, start_tenancy: Any
) -> tuple[dict[str, Any], date]:
    """A tenancy 4 weeks behind (40,000 pence) when the court, four Mondays ago, made a
    suspended possession order on terms: the rent plus 2,000 pence a week from that day.
    Every week from the start to this one is charged. Returns the tenancy and the day."""
    monday = this_monday()
    decided = monday - timedelta(weeks=4)
    tenancy = await start_tenancy(
        start_date=(monday - timedelta(weeks=8)).isoformat(), weekly_rent_pence=WEEKLY_RENT
    )
    account = tenancy["rent_account_id"]
    for weeks in range(8, -1, -1):
        await charge(db, monday - timedelta(weeks=weeks))
    hearing = await list_hearing(income, account, decided.isoformat())
    ordered = await income.post(
        f"{hearings_path(account)}/{hearing['id']}/outcome",
        json={
            "outcome": "suspended_possession_order",
            "decided_on": decided.isoformat(),
            "terms": {
                "arrears_instalment_pence": INSTALMENT,
                "frequency": "weekly",
                "first_instalment_on": decided.isoformat(),
            },
        },
    )
    assert ordered.status_code == 200, ordered.text
    assert ordered.json()["terms"] == {
        "arrears_instalment_pence": INSTALMENT,
        "frequency": "weekly",
        "first_instalment_on": decided.isoformat(),
        "arrears_pence": 4 * WEEKLY_RENT,  # the decision's own week left out
        "broken_on": None,
    }
    return tenancy, decided


async def test_terms_kept_by_paying_the_rent_and_the_instalments_are_not_broken(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy, decided = await suspended_order_with_terms(income, income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    for weeks in range(5):  # the rent and the instalment, every Monday to this one
        await pay(income, account, decided + timedelta(weeks=weeks), WEEKLY_RENT + INSTALMENT)
    for weeks in range(4):  # the day after each instalment's grace, then today
        await look_on(income_database, account, decided + timedelta(weeks=weeks, days=4))
        assert (await case_of(income, account))["court_terms_broken_on"] is None
    await look_on(income_database, account, london_today())
    case = await case_of(income, account)
    assert case["court_terms_broken_on"] is None
    assert case["court_hearings"][0]["terms"]["broken_on"] is None


async def test_an_instalment_missed_past_the_grace_breaks_the_terms_on_its_day(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    async with income_database.sessionmaker() as session:
        broken_before = await repository.court_terms_broken(session)
    tenancy, decided = await suspended_order_with_terms(income, income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    for weeks in range(2):  # two weeks kept, then nothing
        await pay(income, account, decided + timedelta(weeks=weeks), WEEKLY_RENT + INSTALMENT)
    missed = decided + timedelta(weeks=2)
    await look_on(income_database, account, missed + timedelta(days=3))  # the grace's last day
    assert (await case_of(income, account))["court_terms_broken_on"] is None
    await look_on(income_database, account, missed + timedelta(days=4))
    case = await case_of(income, account)
    assert case["court_terms_broken_on"] == missed.isoformat()
    assert case["court_hearings"][0]["terms"]["broken_on"] == missed.isoformat()
    # Later looks keep the day it was first broken; the court still holds the ladder
    # (arrears of over 4 weeks' rent, and no step taken).
    await look_on(income_database, account, london_today())
    case = await case_of(income, account)
    assert case["court_terms_broken_on"] == missed.isoformat()
    assert (case["stage"], case["before_the_court"]) == (
        "none",
        "court_suspended_possession_order",
    )
    assert await events(income_database, tenancy["uprn"], "arrears-stage-changed") == []
    async with income_database.sessionmaker() as session:
        broken_now = await repository.court_terms_broken(session)
    assert broken_now == broken_before + 1
    assert REGISTRY.get_sample_value("hearth_income_court_terms_broken") == broken_now


async def test_a_later_decision_replaces_the_terms_it_broke(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Broken terms brought back to court and adjourned generally: the adjournment is
    the decision in force, with no terms to break."""
    tenancy, decided = await suspended_order_with_terms(income, income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    await look_on(income_database, account, decided + timedelta(days=4))
    assert (await case_of(income, account))["court_terms_broken_on"] == decided.isoformat()
    hearing = await list_hearing(income, account, london_today().isoformat())
    adjourned = await income.post(
        f"{hearings_path(account)}/{hearing['id']}/outcome",
        json={"outcome": "adjourned", "decided_on": london_today().isoformat()},
    )
    assert adjourned.status_code == 200, adjourned.text
    await look_on(income_database, account, london_today())
    case = await case_of(income, account)
    assert case["court_terms_broken_on"] is None
    assert case["court_hearings"][0]["terms"]["broken_on"] == decided.isoformat()


@pytest.mark.parametrize(
    ("outcome", "terms", "field"),
    [
        ("outright_possession_order", {}, "terms"),
        ("dismissed", {}, "terms"),
        ("adjourned", {}, "terms"),
        ("suspended_possession_order", {"first_instalment_on": -1}, "terms.first_instalment_on"),
        ("suspended_possession_order", {"first_instalment_on": 93}, "terms.first_instalment_on"),
        ("adjourned_on_terms", {"arrears_instalment_pence": 0}, "terms.arrears_instalment_pence"),
        (
            "postponed_possession_order",
            {"arrears_instalment_pence": 4 * WEEKLY_RENT + 1},
            "terms.arrears_instalment_pence",
        ),
        ("postponed_possession_order", {"frequency": "daily"}, "terms.frequency"),
    ],
)
async def test_terms_that_cannot_be_are_a_problem_naming_the_field_and_record_nothing(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    outcome: str,
    terms: dict[str, Any],
    field: str,
) -> None:
    """Four weeks behind on a decision today; `first_instalment_on` as days from it."""
    today = london_today()
    monday = this_monday()
    account = (
        await start_tenancy(
            start_date=(monday - timedelta(weeks=4)).isoformat(), weekly_rent_pence=WEEKLY_RENT
        )
    )["rent_account_id"]
    for weeks in range(4, -1, -1):
        await charge(income_database, monday - timedelta(weeks=weeks))
    hearing = await list_hearing(income, account, today.isoformat())
    given = {
        "arrears_instalment_pence": INSTALMENT,
        "frequency": "weekly",
        "first_instalment_on": 7,
        **terms,
    }
    given["first_instalment_on"] = (
        today + timedelta(days=given["first_instalment_on"])
    ).isoformat()
    response = await income.post(
        f"{hearings_path(account)}/{hearing['id']}/outcome",
        json={"outcome": outcome, "decided_on": today.isoformat(), "terms": given},
    )
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json().get("errors", [])} | {
        response.json().get("field")
    }
    assert (await case_of(income, account))["court_hearings"][0]["outcome"] is None
