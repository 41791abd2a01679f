"""GET /v1/arrears-cases, the income officer's worklist: open cases (a step of the
ladder) and those of current tenancies the court holds at stage none (ADR 0084, amended),
longest at their step first, by step, by the court's hold and by broken court terms
(ADR 0084), a page at a time with cursors. Through the API on the real database; the
module's own database, so the lists are exactly these cases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.pagination import encode_cursor
from income.arrears.repository import court_terms_broken
from income.models import ArrearsCase, CourtHearing, Tenancy
from services.income.tests.arrears.test_court_hearings import hearings_path, list_hearing
from services.income.tests.conftest import a_tenancy
from tests.harness.days import london_today

PATH = "/v1/arrears-cases"
BROKEN_ON = date(2026, 3, 2)
STARTED = datetime(2025, 4, 6, 23, tzinfo=UTC)
"""a_tenancy's start, 7 April 2025, at London's midnight (BST): a case is at none since."""


def since(day: int) -> datetime:
    return datetime(2026, 1, day, 9, tzinfo=UTC)


async def at_step(db: Database, account: str, stage: str, changed_at: datetime) -> None:
    """The case at `stage` since `changed_at` (the ladder's moves are tested elsewhere)."""
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(stage=stage, stage_changed_at=changed_at)
        )


async def decide(income: httpx.AsyncClient, account: str, outcome: str) -> str:
    day = (london_today() - timedelta(days=7)).isoformat()
    hearing = await list_hearing(income, account, day)
    decided = await income.post(
        f"{hearings_path(account)}/{hearing['id']}/outcome",
        json={"outcome": outcome, "decided_on": day},
    )
    assert decided.status_code == 200, decided.text
    return str(hearing["id"])


@pytest.fixture(scope="module")
async def cases(income: httpx.AsyncClient, income_database: Database) -> dict[str, str]:
    """Eight cases, by name: letter_1 (no hearing), listed (court_application, a hearing
    listed), broken (court_application, adjourned on terms since broken), dismissed
    (letter_2, the claim dismissed), held_cleared (a suspended order, its terms since
    broken, then arrears cleared: stage none), listed_unmoved (a hearing listed on a
    case the ladder never moved: at none since its tenancy began), closed (stage none:
    arrears cleared after the claim was dismissed) and ended (a hearing listed, then the
    tenancy ended)."""

    async def start() -> str:
        return str((await a_tenancy(income))["rent_account_id"])

    named = {name: await start() for name in ("letter_1", "listed", "broken", "dismissed")}
    for name in ("held_cleared", "listed_unmoved", "closed", "ended"):
        named[name] = await start()
    await at_step(income_database, named["closed"], "letter_1", since(1))
    await decide(income, named["closed"], "dismissed")
    await at_step(income_database, named["closed"], "none", since(1))
    await list_hearing(income, named["listed_unmoved"], london_today().isoformat())
    await at_step(income_database, named["held_cleared"], "court_application", since(3))
    order = await decide(income, named["held_cleared"], "suspended_possession_order")
    await at_step(income_database, named["held_cleared"], "none", since(6))
    await list_hearing(income, named["ended"], london_today().isoformat())
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Tenancy)
            .where(Tenancy.id == ArrearsCase.tenancy_id)
            .where(ArrearsCase.account_id == uuid.UUID(named["ended"]))
            .values(status="ended")
        )
    await at_step(income_database, named["letter_1"], "letter_1", since(2))
    await at_step(income_database, named["listed"], "court_application", since(3))
    await list_hearing(income, named["listed"], london_today().isoformat())
    await at_step(income_database, named["broken"], "court_application", since(4))
    hearing = await decide(income, named["broken"], "adjourned")
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(CourtHearing)
            .where(col(CourtHearing.id).in_([uuid.UUID(hearing), uuid.UUID(order)]))
            .values(terms_broken_on=BROKEN_ON)
        )
    await at_step(income_database, named["dismissed"], "letter_2", since(5))
    await decide(income, named["dismissed"], "dismissed")
    return named


async def listed(income: httpx.AsyncClient, params: Any = None) -> list[dict[str, Any]]:
    response = await income.get(PATH, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("next_cursor") is None
    items: list[dict[str, Any]] = body["items"]
    return items


def accounts(items: list[dict[str, Any]]) -> list[str]:
    return [item["account_id"] for item in items]


ALL = ["listed_unmoved", "letter_1", "listed", "broken", "dismissed", "held_cleared"]
"""The worklist, longest at their step first: closed and ended are not on it."""


def named(cases: dict[str, str], *names: str) -> list[str]:
    return [cases[name] for name in names]


async def test_open_and_court_held_cases_longest_at_their_step_first_closed_ones_left_out(
    income: httpx.AsyncClient, cases: dict[str, str]
) -> None:
    items = await listed(income)
    assert accounts(items) == named(cases, *ALL)
    assert cases["closed"] not in accounts(items)
    assert cases["ended"] not in accounts(items)
    broken = items[3]
    assert set(broken) == {
        "account_id",
        "tenancy_id",
        "stage",
        "stage_changed_at",
        "before_the_court",
        "court_terms_broken_on",
    }  # ids and dates: no names, no addresses
    assert (broken["stage"], broken["before_the_court"], broken["court_terms_broken_on"]) == (
        "court_application",
        "court_adjourned",
        BROKEN_ON.isoformat(),
    )
    assert datetime.fromisoformat(broken["stage_changed_at"]) == since(4)
    assert [(i["before_the_court"], i["court_terms_broken_on"]) for i in items] == [
        ("court_hearing_listed", None),
        (None, None),
        ("court_hearing_listed", None),
        ("court_adjourned", BROKEN_ON.isoformat()),
        (None, None),
        ("court_suspended_possession_order", BROKEN_ON.isoformat()),
    ]


async def test_a_case_the_court_holds_at_none_is_listed_from_when_it_got_there(
    income: httpx.AsyncClient, cases: dict[str, str]
) -> None:
    """ADR 0084, amended: a suspended order stays live with the arrears cleared (at none since
    they were), and a hearing listed on a case the ladder never moved holds it at none
    since the tenancy began; the court's hold says why either is listed."""
    held = {item["account_id"]: item for item in await listed(income, {"stage": "none"})}
    assert list(held) == named(cases, "listed_unmoved", "held_cleared")
    unmoved, cleared = held[cases["listed_unmoved"]], held[cases["held_cleared"]]
    assert datetime.fromisoformat(unmoved["stage_changed_at"]) == STARTED
    assert datetime.fromisoformat(cleared["stage_changed_at"]) == since(6)
    assert (cleared["stage"], cleared["before_the_court"]) == (
        "none",
        "court_suspended_possession_order",
    )


async def test_by_stage_one_or_several(income: httpx.AsyncClient, cases: dict[str, str]) -> None:
    assert accounts(await listed(income, {"stage": "court_application"})) == [
        cases["listed"],
        cases["broken"],
    ]
    assert accounts(await listed(income, [("stage", "letter_2"), ("stage", "letter_1")])) == [
        cases["letter_1"],
        cases["dismissed"],
    ]
    assert await listed(income, {"stage": "court_warning"}) == []
    # at none: only the cases the court holds (not the closed one, nor the ended one)
    assert accounts(await listed(income, [("stage", "none"), ("stage", "letter_1")])) == named(
        cases, "listed_unmoved", "letter_1", "held_cleared"
    )


async def test_by_the_courts_hold(income: httpx.AsyncClient, cases: dict[str, str]) -> None:
    assert accounts(await listed(income, {"before_the_court": "true"})) == named(
        cases, "listed_unmoved", "listed", "broken", "held_cleared"
    )
    assert accounts(await listed(income, {"before_the_court": "false"})) == [
        cases["letter_1"],
        cases["dismissed"],
    ]


async def test_by_broken_court_terms(
    income: httpx.AsyncClient, income_database: Database, cases: dict[str, str]
) -> None:
    """Every case the gauge hearth_income_court_terms_broken counts is listed, the
    suspended order whose arrears were cleared (stage none) among them (ADR 0084,
    amended)."""
    broken = accounts(await listed(income, {"court_terms_broken": "true"}))
    assert broken == named(cases, "broken", "held_cleared")
    async with income_database.sessionmaker() as session:
        assert await court_terms_broken(session) == len(broken)
    assert accounts(await listed(income, {"court_terms_broken": "false"})) == named(
        cases, "listed_unmoved", "letter_1", "listed", "dismissed"
    )
    assert (
        accounts(
            await listed(
                income,
                {"court_terms_broken": "true", "before_the_court": "true", "stage": "letter_1"},
            )
        )
        == []
    )


async def test_pages_follow_on_without_repeats(
    income: httpx.AsyncClient, cases: dict[str, str]
) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await income.get(PATH, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 1
        seen += accounts(body["items"])
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert seen == named(cases, *ALL)
    two = await income.get(PATH, params={"limit": 2, "stage": "court_application"})
    assert accounts(two.json()["items"]) == [cases["listed"], cases["broken"]]
    assert two.json().get("next_cursor") is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "eviction"}, "stage.0"),  # the first value refused
        ({"before_the_court": "perhaps"}, "before_the_court"),
        ({"court_terms_broken": "2"}, "court_terms_broken"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"cursor": encode_cursor("not a moment", uuid.UUID(int=0))}, "cursor"),
        ({"cursor": encode_cursor("2026-01-01T09:00:00", uuid.UUID(int=0))}, "cursor"),
        ({"limit": "0"}, "limit"),
    ],
    ids=["stage", "before", "broken", "cursor", "cursor_moment", "naive", "limit"],
)
async def test_a_bad_filter_or_cursor_is_refused_naming_it(
    income: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    refused = await income.get(PATH, params=params)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
