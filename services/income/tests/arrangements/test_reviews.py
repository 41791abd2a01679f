"""An arrangement is reviewed every 3 to 6 months (DOMAIN.md). The income officer lists
the live arrangements whose review has come (GET /v1/arrangements/reviews-due) and
records each review held (POST /v1/arrangements/{arrangement_id}/review): it goes on,
its instalment changes (checked as making one is), or it ends; the next review falls 3
to 6 months from the review's London day. Reviews are rows of their own, for audit.

The database is the module's: other tests' arrangements are in the list too, so each
test looks only at its own."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from hearth_contracts.events.income import TenancyEndReason
from hearth_kit.db import Database
from hearth_kit.pagination import encode_cursor
from hearth_kit.working_days import london_day
from income.models import Arrangement, ArrangementReview, ArrangementStatus, ArrearsCase
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.rules import add_months
from income.tenancies.schemas import TenancyEnd
from income.tenancies.service import tenancy_service
from tests.harness.locks import until_a_backend_waits_for_a_lock

ARREARS = 30_000
"""Three weeks' rent of 10,000 pence charged, nothing paid (the week under way is
long past: the tenancy started in January 2026)."""


async def an_arrangement(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    *,
    review_on: date | None = None,
) -> dict[str, Any]:
    """A live weekly arrangement of 3,000 pence on 30,000 pence of arrears, income less
    expenditure 5,000 pence a week; its review date moved to `review_on` if given (a
    review falls months after the arrangement is made: the test cannot wait)."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    run = RentRun(IncomeSettings())
    for n in range(3):
        async with income_database.sessionmaker() as session, session.begin():
            await run.charge_batch(
                session, date(2026, 1, 5) + timedelta(weeks=n), datetime.now(UTC)
            )
    made = await income.post(
        f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 25_000,
                "weekly_expenditure_pence": 20_000,
            },
            "instalment_pence": 3_000,
            "frequency": "weekly",
            "first_instalment_on": london_day(datetime.now(UTC)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    arrangement: dict[str, Any] = made.json()
    if review_on is not None:
        async with income_database.sessionmaker() as session, session.begin():
            await session.execute(
                update(Arrangement)
                .where(col(Arrangement.id) == uuid.UUID(arrangement["id"]))
                .values(review_on=review_on)
            )
        arrangement["review_on"] = review_on.isoformat()
    return arrangement


async def all_due(income: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of the reviews due, in order."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await income.get("/v1/arrangements/reviews-due", params=query)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json().get("next_cursor")
        if cursor is None:
            return items


def today() -> date:
    return london_day(datetime.now(UTC))


async def reviews_of(income_database: Database, arrangement_id: str) -> list[ArrangementReview]:
    async with income_database.sessionmaker() as session:
        query = select(ArrangementReview).where(
            col(ArrangementReview.arrangement_id) == uuid.UUID(arrangement_id)
        )
        return list((await session.execute(query)).scalars().all())


# the list


async def test_the_reviews_due_are_live_arrangements_due_by_today_oldest_first(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    later = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() - timedelta(days=3)
    )
    older = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() - timedelta(days=40)
    )
    on_today = await an_arrangement(income, income_database, start_tenancy, review_on=today())
    not_yet = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() + timedelta(days=1)
    )
    mine = {a["id"] for a in (later, older, on_today, not_yet)}

    listed = [item for item in await all_due(income) if item["arrangement_id"] in mine]

    assert [item["arrangement_id"] for item in listed] == [
        older["id"],
        later["id"],
        on_today["id"],
    ]
    first = listed[0]
    assert set(first) == {
        "arrangement_id",
        "account_id",
        "tenancy_id",
        "uprn",
        "review_on",
        "instalment_pence",
        "frequency",
        "arrears_pence",
    }
    assert first["review_on"] == (today() - timedelta(days=40)).isoformat()
    assert first["tenancy_id"] == older["tenancy_id"]
    assert first["account_id"] == older["account_id"]
    assert first["instalment_pence"] == 3_000
    assert first["arrears_pence"] == ARREARS


async def test_due_by_lists_the_reviews_coming_and_leaves_out_arrangements_not_live(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    soon = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() + timedelta(days=10)
    )
    broken = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() - timedelta(days=10)
    )
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Arrangement)
            .where(col(Arrangement.id) == uuid.UUID(broken["id"]))
            .values(status=ArrangementStatus.BROKEN)
        )
    mine = {soon["id"], broken["id"]}

    by_today = [i["arrangement_id"] for i in await all_due(income) if i["arrangement_id"] in mine]
    by_then = [
        i["arrangement_id"]
        for i in await all_due(income, due_by=(today() + timedelta(days=10)).isoformat())
        if i["arrangement_id"] in mine
    ]

    assert by_today == []
    assert by_then == [soon["id"]]


async def test_a_cursor_not_issued_or_a_due_by_not_a_day_is_refused_naming_it(
    income: httpx.AsyncClient,
) -> None:
    for params, field in (
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"cursor": encode_cursor("not a day", uuid.UUID(int=0))}, "cursor"),
        ({"due_by": "next week"}, "due_by"),
        ({"due_by": "0"}, "due_by"),  # a number is not read as a Unix timestamp (1970-01-01)
        ({"due_by": "2025-02-30"}, "due_by"),
    ):
        refused = await income.get("/v1/arrangements/reviews-due", params=params)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field


# recording a review


async def test_a_review_to_continue_sets_the_next_review_from_the_reviews_london_day(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() - timedelta(days=2)
    )
    # 23:30 UTC on a summer day is the next day in London (BST): the months count
    # from London's day. The arrangement was made today: the review is held now.
    held = datetime.now(UTC)

    recorded = await income.post(
        f"/v1/arrangements/{arrangement['id']}/review",
        json={"reviewed_at": held.isoformat(), "outcome": "continue", "review_in_months": 4},
    )

    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert body["outcome"] == "continue"
    assert body["review_on_before"] == arrangement["review_on"]
    assert body["next_review_on"] == add_months(london_day(held), 4).isoformat()
    assert body["arrangement"]["review_on"] == body["next_review_on"]
    assert body["arrangement"]["status"] == "active"
    assert body["arrangement"]["instalment_pence"] == 3_000
    assert body["arrears_pence"] == ARREARS
    assert [i for i in await all_due(income) if i["arrangement_id"] == arrangement["id"]] == []
    (kept,) = await reviews_of(income_database, arrangement["id"])
    assert kept.instalment_pence_before == 3_000
    assert kept.instalment_pence is None
    assert kept.recorded_by  # the officer's subject, from the token


async def test_a_review_without_months_takes_the_configured_months(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    held = datetime.now(UTC)
    recorded = await income.post(
        f"/v1/arrangements/{arrangement['id']}/review",
        json={"reviewed_at": held.isoformat(), "outcome": "continue"},
    )
    assert recorded.status_code == 201, recorded.text
    months = IncomeSettings().arrangement_review_months
    assert recorded.json()["next_review_on"] == add_months(london_day(held), months).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reviewed_at": "2999-01-01T00:00:00Z"}, "reviewed_at"),  # in the future
        ({"reviewed_at": "2026-01-01T00:00:00Z"}, "reviewed_at"),  # before it was made
        ({"reviewed_at": "2026-01-01T00:00:00"}, "reviewed_at"),  # no offset
        ({"review_in_months": 2}, "review_in_months"),
        ({"review_in_months": 7}, "review_in_months"),
        ({"outcome": "pause"}, "outcome"),
        ({"instalment_pence": 2_000}, "instalment_pence"),  # not a change of instalment
        ({"outcome": "end", "review_in_months": 3}, "review_in_months"),
        ({"outcome": "change_instalment"}, "instalment_pence"),
        ({"outcome": "change_instalment", "instalment_pence": 2_000}, "first_instalment_on"),
    ],
)
async def test_a_review_refused_names_the_field_and_records_nothing(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    change: dict[str, Any],
    field: str,
) -> None:
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    body = {"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "continue", **change}

    refused = await income.post(f"/v1/arrangements/{arrangement['id']}/review", json=body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert await reviews_of(income_database, arrangement["id"]) == []


async def test_a_review_before_the_last_one_recorded_is_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    first = datetime.now(UTC)
    recorded = await income.post(
        f"/v1/arrangements/{arrangement['id']}/review",
        json={"reviewed_at": first.isoformat(), "outcome": "continue"},
    )
    assert recorded.status_code == 201, recorded.text
    earlier = first - timedelta(microseconds=1)
    refused = await income.post(
        f"/v1/arrangements/{arrangement['id']}/review",
        json={"reviewed_at": earlier.isoformat(), "outcome": "continue"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "reviewed_at"


async def test_a_changed_instalment_is_checked_as_making_an_arrangement_checks_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    url = f"/v1/arrangements/{arrangement['id']}/review"

    def change(**fields: Any) -> dict[str, Any]:
        return {
            "reviewed_at": datetime.now(UTC).isoformat(),
            "outcome": "change_instalment",
            "first_instalment_on": today().isoformat(),
            **fields,
        }

    # 5,000 pence a week left on the arrangement's statement
    too_much = await income.post(url, json=change(instalment_pence=5_001))
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["errors"][0]["field"] == "instalment_pence"
    # 30,000 pence at 200 a week: 150 weeks, past the longest (104)
    too_long = await income.post(url, json=change(instalment_pence=200))
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["errors"][0]["field"] == "instalment_pence"
    assert "from today" in too_long.json()["detail"]
    # a new statement taken at the review: less left over
    poorer = await income.post(
        url,
        json=change(
            instalment_pence=2_000,
            income_and_expenditure={
                "weekly_income_pence": 21_000,
                "weekly_expenditure_pence": 20_000,
            },
        ),
    )
    assert poorer.status_code == 422, poorer.text
    assert poorer.json()["errors"][0]["field"] == "instalment_pence"
    past = await income.post(
        url,
        json=change(
            instalment_pence=2_000, first_instalment_on=(today() - timedelta(days=1)).isoformat()
        ),
    )
    assert past.status_code == 422, past.text
    assert past.json()["errors"][0]["field"] == "first_instalment_on"
    assert await reviews_of(income_database, arrangement["id"]) == []

    first = today() + timedelta(days=7)
    changed = await income.post(
        url,
        json=change(
            instalment_pence=1_000,
            first_instalment_on=first.isoformat(),
            income_and_expenditure={
                "weekly_income_pence": 21_500,
                "weekly_expenditure_pence": 20_000,
            },
        ),
    )

    assert changed.status_code == 201, changed.text
    body = changed.json()
    assert body["instalment_pence_before"] == 3_000
    assert body["instalment_pence"] == 1_000
    assert body["first_instalment_on"] == first.isoformat()
    assert body["arrangement"]["instalment_pence"] == 1_000
    assert body["arrangement"]["first_instalment_on"] == first.isoformat()
    assert body["arrangement"]["arrears_pence"] == ARREARS  # re-based on the arrears now
    assert body["arrangement"]["weekly_income_pence"] == 21_500
    (kept,) = await reviews_of(income_database, arrangement["id"])
    assert kept.weekly_income_pence == 21_500


async def test_a_changed_instalment_is_counted_afresh_by_the_ladders_check(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Raised at a review from a first instalment next week, the new amount is not
    asked of the weeks before it: the arrangement is still kept."""
    from income.arrangements.service import ArrangementService

    arrangement = await an_arrangement(income, income_database, start_tenancy)
    changed = await income.post(
        f"/v1/arrangements/{arrangement['id']}/review",
        json={
            "reviewed_at": datetime.now(UTC).isoformat(),
            "outcome": "change_instalment",
            "instalment_pence": 4_000,
            "first_instalment_on": (today() + timedelta(days=7)).isoformat(),
        },
    )
    assert changed.status_code == 201, changed.text
    async with income_database.sessionmaker() as session, session.begin():
        live = await session.get(Arrangement, uuid.UUID(arrangement["id"]))
        assert live is not None
        tenancy = await tenancies.get(session, live.tenancy_id)
        assert tenancy is not None
        # the day after the new first instalment's grace: nothing paid, so missed then
        grace = IncomeSettings().arrangement_grace_days
        due = today() + timedelta(days=7)
        check = ArrangementService(IncomeSettings()).check
        before = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        assert await check(session, live, tenancy, before)
        after = before + timedelta(days=grace + 1)
        assert not await check(session, live, tenancy, after)
        assert live.missed_instalment_on == due


async def test_a_review_that_ends_the_arrangement_and_then_another_is_409(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(
        income, income_database, start_tenancy, review_on=today() - timedelta(days=1)
    )
    url = f"/v1/arrangements/{arrangement['id']}/review"
    async with income_database.sessionmaker() as session, session.begin():
        # the ladder looked at the case today: its next look is a day away
        await session.execute(
            update(ArrearsCase)
            .where(col(ArrearsCase.account_id) == uuid.UUID(arrangement["account_id"]))
            .values(next_check_at=datetime.now(UTC) + timedelta(days=1))
        )
    ended = await income.post(
        url, json={"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "end"}
    )
    assert ended.status_code == 201, ended.text
    assert ended.json()["arrangement"]["status"] == "ended"
    assert ended.json()["arrangement"]["ended_at"] is not None
    assert ended.json()["next_review_on"] is None
    async with income_database.sessionmaker() as session:
        case = await session.get(ArrearsCase, uuid.UUID(arrangement["account_id"]))
        assert case is not None
        # the ladder looks at the case on its next run: recovery goes on from its step
        assert case.next_check_at <= datetime.fromisoformat(ended.json()["recorded_at"])
    assert [i for i in await all_due(income) if i["arrangement_id"] == arrangement["id"]] == []

    again = await income.post(
        url, json={"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "continue"}
    )
    assert again.status_code == 409, again.text
    summary = await income.get(f"/v1/rent-accounts/{arrangement['account_id']}/summary")
    assert summary.status_code == 200, summary.text
    made_again = await income.post(
        f"/v1/rent-accounts/{arrangement['account_id']}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 25_000,
                "weekly_expenditure_pence": 20_000,
            },
            "instalment_pence": 3_000,
            "frequency": "weekly",
            "first_instalment_on": today().isoformat(),
        },
    )
    assert made_again.status_code == 201, made_again.text  # no longer live: a new one


async def test_a_review_of_no_arrangement_is_404(income: httpx.AsyncClient) -> None:
    missing = await income.post(
        f"/v1/arrangements/{uuid.uuid4()}/review",
        json={"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "continue"},
    )
    assert missing.status_code == 404, missing.text


async def test_a_retried_review_with_its_idempotency_key_records_it_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    headers = {"Idempotency-Key": f"review-{arrangement['id']}"}
    body = {"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "end"}
    url = f"/v1/arrangements/{arrangement['id']}/review"

    first = await income.post(url, json=body, headers=headers)
    retried = await income.post(url, json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert retried.status_code == 201, retried.text
    assert retried.json() == first.json()
    assert len(await reviews_of(income_database, arrangement["id"])) == 1


# PostgreSQL: two at once, and the lock order


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL row lock, seen in pg_stat_activity")


async def test_two_reviews_at_once_queue_and_the_second_sees_the_first(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two officers record the same review ending the arrangement at once (no
    Idempotency-Key). Both wait at the tenancy the test holds; once it is let go, one
    ends the arrangement and the other, seeing it ended, is a 409: one review kept,
    never an arrangement ended twice."""
    on_postgresql(income_database)
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    url = f"/v1/arrangements/{arrangement['id']}/review"
    body = {"reviewed_at": datetime.now(UTC).isoformat(), "outcome": "end"}
    async with income_database.sessionmaker() as session, session.begin():
        assert await tenancies.get_for_update(session, uuid.UUID(arrangement["tenancy_id"]))
        both = [asyncio.create_task(income.post(url, json=body)) for _ in range(2)]
        await until_a_backend_waits_for_a_lock(income_database, at_least=2)
    answers = [await task for task in both]

    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    (kept,) = await reviews_of(income_database, arrangement["id"])
    assert kept.outcome.value == "end"
    async with income_database.sessionmaker() as session:
        ended = await session.get(Arrangement, uuid.UUID(arrangement["id"]))
        assert ended is not None
        assert ended.status is ArrangementStatus.ENDED


async def test_a_review_as_the_tenancy_ends_waits_for_the_end_not_deadlocks(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The end holds the tenancy, then its account, case and arrangement; the review
    takes them in the same order, so it waits at the tenancy and then finds the
    arrangement no longer live: a 409, not a deadlock's 503."""
    on_postgresql(income_database)
    arrangement = await an_arrangement(income, income_database, start_tenancy)
    tenancy_id = uuid.UUID(arrangement["tenancy_id"])
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        assert await tenancies.get_for_update(session, tenancy_id)  # the end's first lock
        review = asyncio.create_task(
            income.post(
                f"/v1/arrangements/{arrangement['id']}/review",
                json={"reviewed_at": now.isoformat(), "outcome": "continue"},
            )
        )
        await until_a_backend_waits_for_a_lock(income_database)
        await tenancy_service.end(
            session,
            tenancy_id,
            TenancyEnd(end_date=london_day(now), reason=TenancyEndReason.NOTICE_GIVEN),
            now,
        )
    response = await review
    assert response.status_code == 409, response.text
    assert await reviews_of(income_database, arrangement["id"]) == []
