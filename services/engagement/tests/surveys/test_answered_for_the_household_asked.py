"""A transactional survey asks the household living in the home on the day the work
was done (docs/adr/0114), and the invitation now keeps that day (`done_on`): an answer
about the work is that household's, whenever it is given (docs/adr/0225). It was taken
as the voice of the household living there on the day it was answered: a joint tenant
answering after the household left was counted as the next household's voice, beside
their own household's first answer (two voices for one household); a newcomer who moved
in after the work answered for it; and a tenant known only through the API, asked about
the work, was refused as a newcomer once the next tenancy had started. Fixed past dates
(June 2025), on a database of the module's own (results count every response in it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest

from engagement.surveys.rules import Invited, day_of_the_work
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import own_engagement
from services.engagement.tests.home_events import (
    a_uprn,
    handle,
    registered_ahead,
    repair_completed,
    tenancy_ended,
    tenancy_started,
)
from tests.harness.infra import DatabaseFactory

JUNE = {"from": "2025-06-01", "to": "2025-06-30", "survey": "repair"}
DONE = datetime(2025, 6, 5, 10, tzinfo=UTC)
"""The repair's completion, and when repair-completed was handled (the invitations)."""
LAST_DAY = date(2025, 6, 15)
"""The household asked: its tenancy's last day. The next moves in on the 16th."""


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def answer(
    client: httpx.AsyncClient,
    uprn: str,
    repair: uuid.UUID,
    resident: uuid.UUID,
    rating: str,
    day: str,
) -> httpx.Response:
    return await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "repair",
            "uprn": uprn,
            "resident_id": str(resident),
            "about_id": str(repair),
            "answers": [{"question": "overall_experience", "rating": rating}],
            "responded_at": f"{day}T12:00:00+00:00",
        },
    )


async def test_a_former_tenant_answering_after_leaving_is_their_households_voice(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """Joint tenants asked about a repair done on 5 June: one answers on the 10th, the
    other on the 20th, after the household left on the 15th. One household, one voice
    (the first to answer): the second was counted as the next household's (two
    respondents). The next household's tenant, who moved in after the repair, is refused
    naming resident_id (taken before, counted as their household's voice about work done
    for the household before them)."""
    client, db = fresh
    home, first, second, next_tenant = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    asked = Envelope(
        data=TenancyStartedV2(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-JOINT",
            uprn=home,
            tenants=[
                {"person_id": first, "lead": True, "joint": True},
                {"person_id": second, "lead": False, "joint": True},
            ],
            start_date=date(2019, 9, 2),
            tenancy_type="assured",
            weekly_rent_pence=12_345,
        )
    )
    repair = repair_completed(home, DONE, communal=False)
    await handle(db, asked, Envelope(data=repair, time=DONE))
    await handle(
        db, tenancy_ended(asked, LAST_DAY), tenancy_started(home, date(2025, 6, 16), next_tenant)
    )

    for who, rating, day in (
        (first, "very_satisfied", "2025-06-10"),
        (second, "very_dissatisfied", "2025-06-20"),
    ):
        taken = await answer(client, home, repair.repair_id, who, rating, day)
        assert taken.status_code == 201, taken.text
    results = await client.get("/v1/surveys/results", params=JUNE)
    assert results.status_code == 200, results.text
    assert results.json()["respondents"] == 1
    [overall] = results.json()["questions"]
    assert (overall["satisfied"], overall["answered"]) == (1, 1)

    refused = await answer(
        client, home, repair.repair_id, next_tenant, "very_dissatisfied", "2025-06-25"
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert (await client.get("/v1/surveys/results", params=JUNE)).json() == results.json()


async def test_a_tenant_known_only_through_the_api_answers_what_they_were_asked(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A tenant registered on a tenancy income never announced (no start known, no
    tenancy engagement holds) lived in a home with no other tenancy running when its
    repair was done, and was asked about it. Answering after the next tenancy started,
    they were refused as a newcomer would be (of_no_household_there on the day answered);
    the invitation says whose household they answer for, so they are taken."""
    client, db = fresh
    home = a_uprn()
    person = await registered_ahead(client, home)
    repair = repair_completed(home, DONE, communal=False)
    await handle(db, Envelope(data=repair, time=DONE))
    await handle(db, tenancy_started(home, date(2025, 6, 16), uuid.uuid4()))

    taken = await answer(client, home, repair.repair_id, person, "fairly_satisfied", "2025-06-20")
    assert taken.status_code == 201, taken.text


def test_the_day_of_the_work_is_the_residents_own_invitations_then_the_homes_first() -> None:
    """A resident asked for the home is judged by their own invitation's day; another
    by the home's first invitation's (a repair completed again, asking a household
    that moved in since, does not move the day of those asked first); none known, None."""
    home, other_home = "100", "200"
    first_asked, later_asked, someone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    invited = [
        Invited(later_asked, home, date(2025, 7, 1), datetime(2025, 7, 1, 9, tzinfo=UTC)),
        Invited(first_asked, home, date(2025, 6, 5), datetime(2025, 6, 5, 9, tzinfo=UTC)),
        Invited(someone, other_home, date(2025, 5, 1), datetime(2025, 5, 1, 9, tzinfo=UTC)),
    ]
    assert day_of_the_work(invited, later_asked, home) == (date(2025, 7, 1), True)
    assert day_of_the_work(invited, first_asked, home) == (date(2025, 6, 5), True)
    assert day_of_the_work(invited, someone, home) == (date(2025, 6, 5), False)
    assert day_of_the_work(invited, None, home) == (date(2025, 6, 5), False)
    assert day_of_the_work(invited, first_asked, "300") == (None, False)
    assert day_of_the_work([], first_asked, home) == (None, False)
