"""A survey response naming a resident is about a home of theirs: the one they live at,
or one they were a tenant of (a repair survey answered after moving out). A resident of
another home is refused naming resident_id, nothing kept or published: the response
counts under its home's tenure and once per resident, so a wrong resident's answer went
into figures of a home they never lived in and replaced their own."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
from sqlmodel import select

from engagement.handlers import on_tenancy_started
from engagement.models import SurveyResponse
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from services.engagement.tests import home_events

from .test_surveys import a_resident, a_response, a_uprn

Published = Callable[[str, str], Awaitable[list[dict[str, Any]]]]


async def kept(db: Database, uprn: str) -> list[SurveyResponse]:
    async with db.sessionmaker() as session:
        query = select(SurveyResponse).where(SurveyResponse.uprn == uprn)
        return list((await session.execute(query)).scalars().all())


async def test_a_resident_of_another_home_is_refused(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    their_home, another = a_uprn(), a_uprn()
    resident_id = await a_resident(engagement, their_home)

    refused = await engagement.post(
        "/v1/surveys/responses", json=a_response(another, resident_id=resident_id)
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert their_home not in refused.text  # the home they live at is not told
    assert await kept(engagement_database, another) == []
    assert await published(another, "survey-responded") == []

    taken = await engagement.post(
        "/v1/surveys/responses", json=a_response(their_home, resident_id=resident_id)
    )
    assert taken.status_code == 201, taken.text


async def test_a_former_tenant_answers_about_the_home_they_left(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    left, now_at = a_uprn(), a_uprn()
    mover = uuid.UUID(await a_resident(engagement, left))
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_tenancy_started(
            session,
            Envelope(
                data=TenancyStartedV2(
                    tenancy_id=uuid.uuid4(),
                    tenancy_reference="T-MOVED",
                    uprn=now_at,
                    tenants=[{"person_id": mover, "lead": True, "joint": False}],
                    start_date=date(2025, 4, 7),
                    tenancy_type="assured",
                    weekly_rent_pence=12_345,
                )
            ),
        )
    response = await engagement.post(
        "/v1/surveys/responses", json=a_response(left, survey="repair", resident_id=str(mover))
    )
    assert response.status_code == 201, response.text


async def test_someone_on_no_tenancy_does_not_answer_for_a_households_repair(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    """A transactional survey counts once per household and piece of work, its first
    to answer the voice (docs/adr/0122). A resident engagement knows no home or tenancy
    of (registered on no tenancy), never asked, answering about a repair at a home whose
    tenancy ran on the day they answered is of none of its households: refused naming
    resident_id, nothing kept or published, and the tenant's answer is the one given
    (docs/adr/0164). At a home with no tenancy then they are taken as before; a
    response naming nobody is unchanged."""
    home, tenant, repair = a_uprn(), uuid.uuid4(), str(uuid.uuid4())
    await home_events.handle(
        engagement_database, home_events.tenancy_started(home, date(2025, 4, 7), tenant)
    )
    registered = await engagement.post(
        "/v1/residents", json={"full_name": "Sam", "preferred_channel": "letter"}
    )
    assert registered.status_code == 201, registered.text
    someone = registered.json()["id"]
    about_the_repair = {
        "survey": "repair",
        "about_id": repair,
        "answers": [{"question": "overall_experience", "rating": "very_dissatisfied"}],
    }

    refused = await engagement.post(
        "/v1/surveys/responses", json=a_response(home, resident_id=someone, **about_the_repair)
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert await kept(engagement_database, home) == []
    assert await published(home, "survey-responded") == []

    for who in (str(tenant), None):
        taken = await engagement.post(
            "/v1/surveys/responses", json=a_response(home, resident_id=who, **about_the_repair)
        )
        assert taken.status_code == 201, taken.text
    elsewhere = a_uprn()
    taken = await engagement.post(
        "/v1/surveys/responses",
        json=a_response(elsewhere, resident_id=someone, **about_the_repair),
    )
    assert taken.status_code == 201, taken.text


async def test_a_newcomer_does_not_answer_for_the_household_before_them(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    """A transactional survey counts once per household and piece of work (docs/adr/
    0122), the household being the tenancy running on the day answered. A newcomer at
    the home (their tenancy starting after the previous one ends, or registered ahead
    of a tenancy income has not announced: no start known) keying in a form dated while
    the household before them still lived there had not moved in: they are refused
    naming resident_id, nothing kept or published, and the previous household's own
    answer is the one given (docs/adr/0204). Dated once they live there, taken; the
    household before them still answers about that repair."""
    home, before_them, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs = home_events.tenancy_started(home, date(2024, 4, 1), before_them)
    await home_events.handle(
        engagement_database,
        theirs,
        home_events.tenancy_ended(theirs, date(2025, 6, 15)),
        home_events.tenancy_started(home, date(2025, 6, 16), newcomer),
    )
    ahead_home, ahead_before = a_uprn(), uuid.uuid4()
    await home_events.handle(
        engagement_database, home_events.tenancy_started(ahead_home, date(2024, 4, 1), ahead_before)
    )
    registered_ahead = str(await home_events.registered_ahead(engagement, ahead_home))

    def about_the_repair(uprn: str, who: uuid.UUID | str, day: str) -> dict[str, Any]:
        return a_response(
            uprn,
            survey="repair",
            about_id=str(uuid.uuid4()),
            resident_id=str(who),
            answers=[{"question": "overall_experience", "rating": "very_dissatisfied"}],
            responded_at=f"{day}T12:00:00+00:00",
        )

    for uprn, who in ((home, newcomer), (ahead_home, registered_ahead)):
        refused = await engagement.post(
            "/v1/surveys/responses", json=about_the_repair(uprn, who, "2025-06-10")
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
        assert await kept(engagement_database, uprn) == []
        assert await published(uprn, "survey-responded") == []

    for uprn, who, day in (
        (home, before_them, "2025-06-10"),
        (home, newcomer, "2025-06-20"),
        (ahead_home, ahead_before, "2025-06-10"),
    ):
        taken = await engagement.post(
            "/v1/surveys/responses", json=about_the_repair(uprn, who, day)
        )
        assert taken.status_code == 201, taken.text


async def test_a_newcomer_answers_the_survey_of_their_own_complaint(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    """A complaint survey's piece of work is the complaint: the resident who made it is
    the one asked, and no household's answer about it is silenced by theirs. A newcomer
    who complained about the home they were moving into, answering before their tenancy
    began while the household before them still lived there, is taken (docs/adr/0207;
    it was the 422 resident_id of docs/adr/0204). The survey of the household before
    them's complaint, or of a complaint about another home, is still refused them."""
    home, before_them, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs = home_events.tenancy_started(home, date(2024, 4, 1), before_them)
    await home_events.handle(
        engagement_database,
        theirs,
        home_events.tenancy_ended(theirs, date(2025, 6, 15)),
        home_events.tenancy_started(home, date(2025, 6, 16), newcomer),
    )

    async def complaint_by(who: uuid.UUID) -> str:
        made = await engagement.post(
            "/v1/complaints",
            json={
                "uprn": home,
                "resident_id": str(who),
                "category": "repairs",
                "medium": "phone",
                "summary": "The move-in date was put back twice",
                "received_at": "2025-06-02T09:00:00+00:00",
            },
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    def about_the_complaint(complaint_id: str, who: uuid.UUID) -> dict[str, Any]:
        return a_response(
            home,
            survey="complaint",
            about_id=complaint_id,
            resident_id=str(who),
            answers=[{"question": "overall_experience", "rating": "fairly_satisfied"}],
            responded_at="2025-06-10T12:00:00+00:00",
        )

    newcomers_complaint = await complaint_by(newcomer)
    not_theirs = await complaint_by(before_them)

    refused = await engagement.post(
        "/v1/surveys/responses", json=about_the_complaint(not_theirs, newcomer)
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert await kept(engagement_database, home) == []
    assert await published(home, "survey-responded") == []

    taken = await engagement.post(
        "/v1/surveys/responses", json=about_the_complaint(newcomers_complaint, newcomer)
    )
    assert taken.status_code == 201, taken.text
    assert len(await kept(engagement_database, home)) == 1
