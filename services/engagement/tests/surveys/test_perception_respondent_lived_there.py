"""A perception survey response naming a resident is given for the home they lived in on
the London day they answered (docs/adr/0134). The perception survey is the tenants' view
of their landlord, counted once per household living in the home then (docs/adr/0122),
by the home's tenure then: a former tenant naming the home they left was counted as the
voice of the household living there now, so the new tenant's own answer, given later,
was kept but not counted; a tenant who moved, naming the old home, was counted in its
stock and household too. Each is now a 422 naming resident_id, nothing kept. A paper
form given while they lived there and typed in after they left is taken. Someone
engagement knows no home of is of no tenant's household (docs/adr/0162). Fixed past
dates (June 2025), on a database of the module's own (the figures count every response
in it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlmodel import select

from engagement.models import SurveyResponse
from hearth_contracts.events.compliance import Tenure
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import a_home, own_engagement
from services.engagement.tests.home_events import (
    a_uprn,
    handle,
    registered_ahead,
    tenancy_ended,
    tenancy_started,
)
from tests.harness.infra import DatabaseFactory

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}
JANUARY = datetime(2025, 1, 6, 9, tzinfo=UTC)
AUGUST = datetime(2025, 8, 1, 12, tzinfo=UTC)


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


async def registered_with_no_home(client: httpx.AsyncClient) -> str:
    """A resident on no tenancy and placed on no home (a shared owner income holds no
    tenancy of, say)."""
    registered = await client.post(
        "/v1/residents", json={"full_name": "Sam", "preferred_channel": "letter"}
    )
    assert registered.status_code == 201, registered.text
    return str(registered.json()["id"])


async def test_someone_on_no_tenancy_is_not_the_voice_of_a_tenants_household(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A resident engagement knows no home of, naming a let home whose household is on
    a tenancy, is of none of its households (docs/adr/0162): refused, nothing kept, and
    the home's own tenant, answering after, is its voice. Nor a home engagement knows
    nothing of (its tenure not known counts as let)."""
    client, db = fresh
    home, tenant = a_uprn(), uuid.uuid4()
    await handle(db, tenancy_started(home, date(2024, 4, 1), tenant))
    someone = await registered_with_no_home(client)
    before = await tp01(client)

    refused_naming_resident(await answer(client, home, someone, "very_dissatisfied", "2025-06-20"))
    refused_naming_resident(await answer(client, a_uprn(), someone, "very_satisfied", "2025-06-20"))
    assert await kept_of(db, uuid.UUID(someone)) == []

    taken = await answer(client, home, tenant, "very_satisfied", "2025-06-22")
    assert taken.status_code == 201, taken.text
    after = await tp01(client)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


async def test_someone_on_no_tenancy_answers_for_a_home_held_on_a_lease_then(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A shared owner is on no tenancy (income holds none of their home), so engagement
    knows no household of a shared ownership or leasehold home to check them against:
    taken there. Judged by the home's tenure on the day answered, not the day typed in:
    a home let until its sale in August refuses a form dated in June (its household
    then was its tenants'), and takes one dated after the sale."""
    client, db = fresh
    shared = await a_home(db, Tenure.SHARED_OWNERSHIP, JANUARY)
    sold = await a_home(db, Tenure.GENERAL_NEEDS, JANUARY, then=(Tenure.LEASEHOLD, AUGUST))
    someone = await registered_with_no_home(client)

    taken = await answer(client, shared, someone, "very_satisfied", "2025-06-20")
    assert taken.status_code == 201, taken.text
    refused_naming_resident(await answer(client, sold, someone, "very_satisfied", "2025-06-20"))
    after_sale = await answer(client, sold, someone, "very_satisfied", "2025-08-20")
    assert after_sale.status_code == 201, after_sale.text


async def test_someone_on_no_tenancy_is_not_of_a_leased_homes_tenancy_then(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A home held on a lease that engagement knows a tenancy of on the day (a shared
    owner's home bought back and let, its tenure not yet updated): that tenancy is its
    household, and someone on none of its tenancies is refused."""
    client, db = fresh
    home, tenant = await a_home(db, Tenure.SHARED_OWNERSHIP, JANUARY), uuid.uuid4()
    await handle(db, tenancy_started(home, date(2025, 5, 1), tenant))
    someone = await registered_with_no_home(client)

    refused_naming_resident(await answer(client, home, someone, "very_satisfied", "2025-06-20"))
    earlier = await answer(client, home, someone, "very_satisfied", "2025-04-20")
    assert earlier.status_code == 201, earlier.text


async def test_a_tenant_registered_ahead_of_their_tenancy_is_not_the_household_before_them(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A tenant registered on a tenancy income has not announced yet is placed on its
    home with no start known. A paper form of theirs keyed in dated while the household
    before them still lived there (its tenancy running that day) is not theirs to give
    for that household: refused, nothing kept. Dated after that tenancy ended, taken."""
    client, db = fresh
    home, before_them = a_uprn(), uuid.uuid4()
    theirs = tenancy_started(home, date(2024, 4, 1), before_them)
    await handle(db, theirs, tenancy_ended(theirs, date(2025, 6, 15)))
    newcomer = await registered_ahead(client, home)

    refused_naming_resident(await answer(client, home, newcomer, "very_satisfied", "2025-06-10"))
    assert await kept_of(db, newcomer) == []
    taken = await answer(client, home, newcomer, "very_satisfied", "2025-06-20")
    assert taken.status_code == 201, taken.text
