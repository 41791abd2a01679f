"""The regulator's Tenant Satisfaction Measures count one response per household
(docs/adr/0122): two members of one household both answering the perception survey, or
a block's communal repair survey, were both counted, so TP01 to TP12 and the communal
repair's satisfaction counted the household twice. Now the first of the household to
answer is its voice; a second member's answer is kept, not counted. A household moving
out and the next moving in are two households of one home. Fixed past dates (June 2025),
on a database of the module's own (results count every response in it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from engagement.handlers import on_tenancy_ended, on_tenancy_started
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyEnded, TenancyStartedV2
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import a_uprn, own_engagement
from tests.harness.infra import DatabaseFactory

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def member_of(client: httpx.AsyncClient, uprn: str, tenancy_id: uuid.UUID) -> str:
    """A tenant of the household at the home (a joint tenancy's second tenant too)."""
    created = await client.post(
        "/v1/residents",
        json={
            "full_name": "Sam",
            "preferred_channel": "letter",
            "person_id": str(uuid.uuid4()),
            "tenancy_id": str(tenancy_id),
            "uprn": uprn,
        },
    )
    assert created.status_code == 201, created.text
    resident_id: str = created.json()["id"]
    return resident_id


async def answered(
    client: httpx.AsyncClient,
    uprn: str,
    rating: str,
    day: str,
    *,
    resident_id: str | None = None,
    survey: str = "perception",
    question: str = "tp01_overall",
    about_id: uuid.UUID | None = None,
) -> None:
    response = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": survey,
            "uprn": uprn,
            "resident_id": resident_id,
            "about_id": str(about_id) if about_id else None,
            "answers": [{"question": question, "rating": rating}],
            "responded_at": f"{day}T12:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.text


async def test_two_members_of_a_household_are_one_voice_in_tp01(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, _ = fresh
    home, tenancy = a_uprn(), uuid.uuid4()
    first, second = await member_of(client, home, tenancy), await member_of(client, home, tenancy)
    await answered(client, home, "very_satisfied", "2025-06-03", resident_id=first)
    await answered(client, home, "very_dissatisfied", "2025-06-05", resident_id=second)
    await answered(client, a_uprn(), "very_dissatisfied", "2025-06-05")  # another household

    results = await client.get("/v1/surveys/results", params={**JUNE, "survey": "perception"})
    assert results.status_code == 200, results.text
    assert results.json()["respondents"] == 2
    assert results.json()["questions"][0]["satisfied"] == 1
    assert results.json()["questions"][0]["answered"] == 2
    figures = await client.get("/v1/engagement/figures", params=JUNE)
    assert figures.status_code == 200, figures.text
    tp01 = next(m for m in figures.json()["measures"] if m["code"] == "TP01")
    assert (tp01["numerator"], tp01["denominator"]) == (1, 2)  # the first to answer counts

    # The first to answer may correct their own answer: still one voice, their latest.
    await answered(client, home, "very_dissatisfied", "2025-06-07", resident_id=first)
    figures = await client.get("/v1/engagement/figures", params=JUNE)
    tp01 = next(m for m in figures.json()["measures"] if m["code"] == "TP01")
    assert (tp01["numerator"], tp01["denominator"]) == (0, 2)


async def test_a_household_answers_a_communal_repair_survey_once(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, _ = fresh
    repair = uuid.uuid4()
    home, tenancy = a_uprn(), uuid.uuid4()
    first, second = await member_of(client, home, tenancy), await member_of(client, home, tenancy)

    async def communal(uprn: str, rating: str, day: str, resident_id: str | None = None) -> None:
        await answered(
            client,
            uprn,
            rating,
            day,
            resident_id=resident_id,
            survey="communal_repair",
            question="tp10_communal_areas",
            about_id=repair,
        )

    await communal(home, "fairly_satisfied", "2025-06-03", first)
    await communal(home, "very_dissatisfied", "2025-06-04", second)
    # Anonymous paper answers from the home count for the household too.
    await communal(home, "very_dissatisfied", "2025-06-05")
    await communal(a_uprn(), "very_satisfied", "2025-06-05")

    results = await client.get("/v1/surveys/results", params={**JUNE, "survey": "communal_repair"})
    assert results.status_code == 200, results.text
    assert results.json()["respondents"] == 2
    assert results.json()["questions"] == [
        {
            "question": "tp10_communal_areas",
            "satisfied": 2,
            "answered": 2,
            "share": 1.0,
            "reasons": {"satisfied": 0, "dissatisfied": 0},
        }
    ]


async def test_the_household_moving_out_and_the_next_are_two(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = fresh
    home, leaving, arriving = a_uprn(), uuid.uuid4(), uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        for tenancy_id, start in ((leaving, date(2024, 4, 1)), (arriving, date(2025, 6, 16))):
            await on_tenancy_started(
                session,
                Envelope(
                    data=TenancyStartedV2(
                        tenancy_id=tenancy_id,
                        tenancy_reference="T-HOUSEHOLD",
                        uprn=home,
                        tenants=[{"person_id": uuid.uuid4(), "lead": True, "joint": False}],
                        start_date=start,
                        tenancy_type="assured",
                        weekly_rent_pence=12_345,
                    )
                ),
            )
        await on_tenancy_ended(
            session,
            Envelope(
                data=TenancyEnded(
                    tenancy_id=leaving,
                    uprn=home,
                    end_date=date(2025, 6, 15),
                    reason="notice_given",
                    closing_balance_pence=0,
                )
            ),
        )
    before = await client.get("/v1/surveys/results", params={**JUNE, "survey": "perception"})
    await answered(client, home, "very_satisfied", "2025-06-02")
    await answered(client, home, "very_satisfied", "2025-06-09")  # the same household
    await answered(client, home, "very_satisfied", "2025-06-20")  # the next household
    after = await client.get("/v1/surveys/results", params={**JUNE, "survey": "perception"})
    assert after.json()["respondents"] - before.json()["respondents"] == 2
