"""Possession hearings on an arrears case: listed (the day may be in the future), then
decided (never in the future), each a row of its own. A court date in place holds the
ladder; a dismissed or withdrawn claim lets it go on (ADR 0067)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.income.tests.arrears.test_personal_contact_cleared import (
    charge,
    make_due,
    run_ladder,
)

TODAY = london_day(datetime.now(UTC))


def hearings_path(account: str) -> str:
    return f"/v1/rent-accounts/{account}/arrears-case/court-hearings"


async def case_of(income: httpx.AsyncClient, account: str) -> dict[str, Any]:
    response = await income.get(f"/v1/rent-accounts/{account}/arrears-case")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def list_hearing(income: httpx.AsyncClient, account: str, day: str) -> dict[str, Any]:
    response = await income.post(hearings_path(account), json={"listed_for": day})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_hearing_is_listed_then_decided_once(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    listed_for = (TODAY + timedelta(days=21)).isoformat()  # listed: in the future
    hearing = await list_hearing(income, account, listed_for)
    assert (hearing["listed_for"], hearing["outcome"], hearing["decided_on"]) == (
        listed_for,
        None,
        None,
    )
    case = await case_of(income, account)
    assert case["before_the_court"] == "court_hearing_listed"
    assert [h["id"] for h in case["court_hearings"]] == [hearing["id"]]
    # one undecided hearing at a time
    again = await income.post(hearings_path(account), json={"listed_for": listed_for})
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "listed_for"
    outcome_path = f"{hearings_path(account)}/{hearing['id']}/outcome"
    # withdrawn before the hearing: allowed on a past day, not a future one
    future = await income.post(
        outcome_path,
        json={"outcome": "withdrawn", "decided_on": (TODAY + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422, future.text
    assert future.json()["field"] == "decided_on"
    decided = await income.post(
        outcome_path, json={"outcome": "withdrawn", "decided_on": TODAY.isoformat()}
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["outcome"], decided.json()["decided_on"]) == (
        "withdrawn",
        TODAY.isoformat(),
    )
    twice = await income.post(
        outcome_path, json={"outcome": "dismissed", "decided_on": TODAY.isoformat()}
    )
    assert twice.status_code == 409, twice.text
    assert twice.json()["field"] == "outcome"
    case = await case_of(income, account)
    assert case["before_the_court"] is None
    assert [h["outcome"] for h in case["court_hearings"]] == ["withdrawn"]


async def test_an_order_is_not_made_before_the_day_the_hearing_was_listed_for(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    hearing = await list_hearing(income, account, TODAY.isoformat())
    outcome_path = f"{hearings_path(account)}/{hearing['id']}/outcome"
    early = (TODAY - timedelta(days=1)).isoformat()
    refused = await income.post(
        outcome_path, json={"outcome": "postponed_possession_order", "decided_on": early}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "decided_on"
    assert (await case_of(income, account))["court_hearings"][0]["outcome"] is None
    ordered = await income.post(
        outcome_path,
        json={"outcome": "postponed_possession_order", "decided_on": TODAY.isoformat()},
    )
    assert ordered.status_code == 200, ordered.text
    case = await case_of(income, account)
    assert case["before_the_court"] == "court_postponed_possession_order"
    # the next hearing is listed no earlier than the latest one
    before = await income.post(hearings_path(account), json={"listed_for": early})
    assert before.status_code == 422, before.text
    assert before.json()["field"] == "listed_for"
    assert len((await case_of(income, account))["court_hearings"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"listed_for": 0}, "listed_for"),
        ({"listed_for": "2026-13-01"}, "listed_for"),
        ({"listed_for": "2026-12-01", "notes": "x"}, "notes"),
        ({}, "listed_for"),
    ],
)
async def test_a_bad_listing_is_a_problem_naming_the_field_and_changes_nothing(
    income: httpx.AsyncClient, start_tenancy: Any, body: dict[str, Any], field: str
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    response = await income.post(hearings_path(account), json=body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert (await case_of(income, account))["court_hearings"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "evicted", "decided_on": "2026-01-05"}, "outcome"),
        ({"outcome": "dismissed", "decided_on": 1767571200}, "decided_on"),
        ({"outcome": "dismissed"}, "decided_on"),
    ],
)
async def test_a_bad_outcome_is_a_problem_naming_the_field_and_changes_nothing(
    income: httpx.AsyncClient, start_tenancy: Any, body: dict[str, Any], field: str
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    hearing = await list_hearing(income, account, "2026-01-05")
    response = await income.post(f"{hearings_path(account)}/{hearing['id']}/outcome", json=body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert (await case_of(income, account))["court_hearings"][0]["outcome"] is None


async def test_no_such_case_or_hearing_is_a_404(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    missing = await income.post(hearings_path(str(uuid.uuid4())), json={"listed_for": "2026-01-05"})
    assert missing.status_code == 404, missing.text
    account = (await start_tenancy())["rent_account_id"]
    response = await income.post(
        f"{hearings_path(account)}/{uuid.uuid4()}/outcome",
        json={"outcome": "dismissed", "decided_on": "2026-01-05"},
    )
    assert response.status_code == 404, response.text


async def test_a_court_date_in_place_holds_letter_1_until_the_claim_is_dismissed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two tenancies owing two weeks' rent: the one with a hearing listed gets no letter
    1; the other does. Withdrawn, the ladder goes on for the first."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    start = (monday - timedelta(weeks=52)).isoformat()
    held = (await start_tenancy(start_date=start))["rent_account_id"]
    free = (await start_tenancy(start_date=start))["rent_account_id"]
    hearing = await list_hearing(income, held, (TODAY + timedelta(days=30)).isoformat())
    for weeks in (2, 1):
        await charge(income_database, monday - timedelta(weeks=weeks))
    for account in (held, free):
        await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC))
    assert (await case_of(income, free))["stage"] == "letter_1"
    case = await case_of(income, held)
    assert (case["stage"], case["before_the_court"]) == ("none", "court_hearing_listed")
    withdrawn = await income.post(
        f"{hearings_path(held)}/{hearing['id']}/outcome",
        json={"outcome": "withdrawn", "decided_on": TODAY.isoformat()},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await make_due(income_database, held)
    await run_ladder(income_database, datetime.now(UTC) + timedelta(seconds=1))
    assert (await case_of(income, held))["stage"] == "letter_1"
