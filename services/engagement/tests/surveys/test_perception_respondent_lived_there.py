"""A perception survey response naming a resident is given for the home they lived in on
the London day they answered (docs/adr/0134). The perception survey is the tenants' view
of their landlord, counted once per household living in the home then (docs/adr/0122),
by the home's tenure then: a former tenant naming the home they left was counted as the
voice of the household living there now, so the new tenant's own answer, given later,
was kept but not counted; a tenant who moved, naming the old home, was counted in its
stock and household too. Each is now a 422 naming resident_id, nothing kept. A paper
form given while they lived there and typed in after they left is taken. Fixed past
dates (June 2025), on a database of the module's own (the figures count every response
in it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from sqlmodel import select

from engagement.models import SurveyResponse
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import own_engagement
from services.engagement.tests.home_events import a_uprn, handle, tenancy_ended, tenancy_started
from tests.harness.infra import DatabaseFactory

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def answer(
    client: httpx.AsyncClient, uprn: str, resident_id: uuid.UUID | str, rating: str, day: str
) -> httpx.Response:
    return await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": uprn,
            "resident_id": str(resident_id),
            "answers": [{"question": "tp01_overall", "rating": rating}],
            "responded_at": f"{day}T12:00:00+00:00",
        },
    )


def refused_naming_resident(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["resident_id"]


async def kept_of(db: Database, resident_id: uuid.UUID) -> list[SurveyResponse]:
    async with db.sessionmaker() as session:
        query = select(SurveyResponse).where(SurveyResponse.resident_id == resident_id)
        return list((await session.execute(query)).scalars().all())


async def tp01(client: httpx.AsyncClient) -> tuple[int, int]:
    figures = await client.get("/v1/engagement/figures", params=JUNE)
    assert figures.status_code == 200, figures.text
    measure = next(m for m in figures.json()["measures"] if m["code"] == "TP01")
    return measure["numerator"], measure["denominator"]


async def test_a_former_tenant_is_not_the_voice_of_the_household_after_them(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = fresh
    home, leaver, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs = tenancy_started(home, date(2024, 4, 1), leaver)
    await handle(
        db,
        theirs,
        tenancy_ended(theirs, date(2025, 6, 15)),
        tenancy_started(home, date(2025, 6, 16), newcomer),
    )
    before = await tp01(client)

    refused_naming_resident(await answer(client, home, leaver, "very_dissatisfied", "2025-06-20"))
    assert await kept_of(db, leaver) == []

    taken = await answer(client, home, newcomer, "very_satisfied", "2025-06-22")
    assert taken.status_code == 201, taken.text
    after = await tp01(client)
    # the household living there is counted, by its own tenant's answer
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)

    # given while they lived there (typed in after they left): taken, their household's
    typed_late = await answer(client, home, leaver, "fairly_satisfied", "2025-06-10")
    assert typed_late.status_code == 201, typed_late.text


async def test_a_tenant_who_moved_answers_for_the_home_they_live_in(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = fresh
    old, new, mover = a_uprn(), a_uprn(), uuid.uuid4()
    await handle(
        db,
        tenancy_started(old, date(2024, 4, 1), mover),
        tenancy_started(new, date(2025, 6, 16), mover),
    )

    refused_naming_resident(await answer(client, old, mover, "very_satisfied", "2025-06-20"))
    refused_naming_resident(await answer(client, new, mover, "very_satisfied", "2025-06-12"))
    assert await kept_of(db, mover) == []

    for home, day in ((old, "2025-06-12"), (new, "2025-06-20")):
        taken = await answer(client, home, mover, "very_satisfied", day)
        assert taken.status_code == 201, taken.text

    # a repair survey about the home they left is still theirs to answer (ADR 0114)
    repair = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "repair",
            "uprn": old,
            "resident_id": str(mover),
            "answers": [{"question": "overall_experience", "rating": "fairly_satisfied"}],
            "responded_at": "2025-06-20T12:00:00+00:00",
        },
    )
    assert repair.status_code == 201, repair.text


async def test_someone_engagement_knows_no_home_of_is_taken_as_before(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A resident registered with no home and on no tenancy (a shared owner income
    holds no tenancy of) cannot be told apart from one answering for another home: taken,
    as require_of_the_home takes them."""
    client, _ = fresh
    registered = await client.post(
        "/v1/residents", json={"full_name": "Sam", "preferred_channel": "letter"}
    )
    assert registered.status_code == 201, registered.text
    taken = await answer(client, a_uprn(), registered.json()["id"], "very_satisfied", "2025-06-20")
    assert taken.status_code == 201, taken.text
