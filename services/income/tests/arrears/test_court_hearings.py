"""Possession hearings on an arrears case: listed (the day may be in the future), then
decided (never in the future), each a row of its own. A court date in place holds the
ladder; a dismissed or withdrawn claim lets it go on (ADR 0067)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import start_of_london_day
from income.arrears.schemas import CourtHearingCreate
from income.arrears.service import ArrearsService
from income.models import ArrearsCase, PossessionNotice
from income.settings import IncomeSettings
from services.income.tests.arrears.test_personal_contact_cleared import (
    charge,
    make_due,
    run_ladder,
)
from tests.harness.days import london_today


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
    today = london_today()
    account = (await start_tenancy())["rent_account_id"]
    listed_for = (today + timedelta(days=21)).isoformat()  # listed: in the future
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
        json={"outcome": "withdrawn", "decided_on": (today + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422, future.text
    assert future.json()["field"] == "decided_on"
    decided = await income.post(
        outcome_path, json={"outcome": "withdrawn", "decided_on": today.isoformat()}
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["outcome"], decided.json()["decided_on"]) == (
        "withdrawn",
        today.isoformat(),
    )
    twice = await income.post(
        outcome_path, json={"outcome": "dismissed", "decided_on": today.isoformat()}
    )
    assert twice.status_code == 409, twice.text
    assert twice.json()["field"] == "outcome"
    case = await case_of(income, account)
    assert case["before_the_court"] is None
    assert [h["outcome"] for h in case["court_hearings"]] == ["withdrawn"]


async def test_an_order_is_not_made_before_the_day_the_hearing_was_listed_for(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    today = london_today()
    account = (await start_tenancy())["rent_account_id"]
    hearing = await list_hearing(income, account, today.isoformat())
    outcome_path = f"{hearings_path(account)}/{hearing['id']}/outcome"
    early = (today - timedelta(days=1)).isoformat()
    refused = await income.post(
        outcome_path, json={"outcome": "postponed_possession_order", "decided_on": early}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "decided_on"
    assert (await case_of(income, account))["court_hearings"][0]["outcome"] is None
    ordered = await income.post(
        outcome_path,
        json={"outcome": "postponed_possession_order", "decided_on": today.isoformat()},
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
    today = london_today()
    monday = today - timedelta(days=today.weekday())
    start = (monday - timedelta(weeks=52)).isoformat()
    held = (await start_tenancy(start_date=start))["rent_account_id"]
    free = (await start_tenancy(start_date=start))["rent_account_id"]
    hearing = await list_hearing(income, held, (today + timedelta(days=30)).isoformat())
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
        json={"outcome": "withdrawn", "decided_on": today.isoformat()},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await make_due(income_database, held)
    await run_ladder(income_database, datetime.now(UTC) + timedelta(seconds=1))
    assert (await case_of(income, held))["stage"] == "letter_1"


async def serve_notice(db: Database, account: str, on: date) -> None:
    """The ladder's notice of seeking possession served at midday in London on `on`."""
    served_at = start_of_london_day(on) + timedelta(hours=12)
    async with db.sessionmaker() as session, session.begin():
        session.add(
            PossessionNotice(id=uuid.uuid4(), account_id=uuid.UUID(account), served_at=served_at)
        )
        await session.execute(
            update(ArrearsCase)
            .where(col(ArrearsCase.account_id) == uuid.UUID(account))
            .values(nosp_served_at=served_at)
        )


async def test_a_hearing_is_not_listed_before_the_notice_it_follows_nor_the_tenancy(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Started 7 April 2025: no hearing of its case before that day. Its notice served
    on 2 March 2026: the claim follows it, so a hearing listed for 1 March 2026 is a
    mistake (ADR 0075); 422 naming listed_for, nothing kept."""
    account = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    before_it_started = await income.post(hearings_path(account), json={"listed_for": "2025-04-06"})
    assert before_it_started.status_code == 422, before_it_started.text
    assert before_it_started.json()["field"] == "listed_for"
    await serve_notice(income_database, account, date(2026, 3, 2))
    before_the_notice = await income.post(hearings_path(account), json={"listed_for": "2026-03-01"})
    assert before_the_notice.status_code == 422, before_the_notice.text
    assert before_the_notice.json()["field"] == "listed_for"
    assert (await case_of(income, account))["court_hearings"] == []
    await list_hearing(income, account, "2026-03-02")


async def test_a_hearing_is_listed_at_most_twelve_months_ahead(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Recorded on 1 December 2026: listed for 1 December 2027 is in time, the day after
    is a mistyped year (ADR 0075). Through the API, a listing 400 days ahead is a 422
    naming listed_for that keeps nothing."""
    today = london_today()
    account = (await start_tenancy())["rent_account_id"]
    far = await income.post(
        hearings_path(account), json={"listed_for": (today + timedelta(days=400)).isoformat()}
    )
    assert far.status_code == 422, far.text
    assert far.json()["field"] == "listed_for"
    assert (await case_of(income, account))["court_hearings"] == []

    service = ArrearsService(IncomeSettings())
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    async with income_database.sessionmaker() as session, session.begin():
        with pytest.raises(Unprocessable) as refused:
            await service.list_hearing(
                session,
                uuid.UUID(account),
                CourtHearingCreate(listed_for=date(2027, 12, 2)),
                "officer-1",
                now,
            )
        assert refused.value.extensions["field"] == "listed_for"
        listed = await service.list_hearing(
            session,
            uuid.UUID(account),
            CourtHearingCreate(listed_for=date(2027, 12, 1)),
            "officer-1",
            now,
        )
    assert listed.listed_for == date(2027, 12, 1)


async def test_a_court_did_not_decide_before_the_notice_the_hearing_follows(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A claim withdrawn (or a hearing adjourned) may come before the day listed for,
    but not before the claim could exist: the notice it follows was served on 2 March
    2026, so withdrawn on 1 March is refused, naming decided_on, and nothing kept (the
    trial rule would otherwise read it as earlier proceedings). With no notice on
    record, the tenancy's start is the bound."""
    account = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    await serve_notice(income_database, account, date(2026, 3, 2))
    hearing = await list_hearing(income, account, "2026-04-20")
    outcome_path = f"{hearings_path(account)}/{hearing['id']}/outcome"
    refused = await income.post(
        outcome_path, json={"outcome": "withdrawn", "decided_on": "2026-03-01"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "decided_on"
    assert (await case_of(income, account))["court_hearings"][0]["outcome"] is None
    withdrawn = await income.post(
        outcome_path, json={"outcome": "withdrawn", "decided_on": "2026-03-02"}
    )
    assert withdrawn.status_code == 200, withdrawn.text

    unserved = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    hearing = await list_hearing(income, unserved, "2025-06-02")
    too_early = await income.post(
        f"{hearings_path(unserved)}/{hearing['id']}/outcome",
        json={"outcome": "adjourned", "decided_on": "2025-04-06"},
    )
    assert too_early.status_code == 422, too_early.text
    assert too_early.json()["field"] == "decided_on"
