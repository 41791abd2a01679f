"""A survey response is counted in the period of its `responded_at` (TP01 to TP12 and
the transactional surveys' figures), so a mistyped date moves it into another period's
figures: a response dated before the invitation it answers was sent, or more than the
typing-slip window (10 years by default) ago, is refused, nothing kept or published.
Fixed past dates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import select

from engagement.app import build_services
from engagement.models import SurveyResponse
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairCompleted
from hearth_kit.db import Database

from .test_surveys import a_resident, a_response, a_uprn

INVITED_AT = datetime(2025, 5, 6, 10, 0, 5, tzinfo=UTC)
"""When repairs published the repair's completion, and engagement invited the home."""


async def kept(db: Database, uprn: str) -> list[SurveyResponse]:
    async with db.sessionmaker() as session:
        query = select(SurveyResponse).where(SurveyResponse.uprn == uprn)
        return list((await session.execute(query)).scalars().all())


async def invited_about_a_repair(db: Database, uprn: str) -> uuid.UUID:
    repair_id = uuid.uuid4()
    completed = Envelope(
        data=RepairCompleted(
            repair_id=repair_id,
            uprn=uprn,
            trade="plumbing",
            priority="routine",
            source="contact_centre",
            reported_at=datetime(2025, 5, 1, 9, tzinfo=UTC),
            target_at=datetime(2025, 5, 29, 17, tzinfo=UTC),
            completed_at=datetime(2025, 5, 6, 10, tzinfo=UTC),
            completed_on_time=True,
            right_first_time=True,
        ),
        time=INVITED_AT,
    )
    handler = build_services(EngagementSettings()).handlers.get(completed.type)
    assert handler is not None
    async with db.sessionmaker() as session, session.begin():
        await handler(session, completed)
    return repair_id


def about_the_repair(uprn: str, repair_id: uuid.UUID, **overrides: object) -> dict[str, Any]:
    return a_response(
        uprn,
        survey="repair",
        about_id=str(repair_id),
        answers=[{"question": "operative", "rating": "very_satisfied"}],
        **overrides,
    )


async def test_a_response_dated_before_its_invitation_was_sent_is_refused(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Any
) -> None:
    """Invited at 10:00:05 on 6 May 2025: an answer dated 09:30 that morning is a
    mistyped date, by the resident invited or given for the home."""
    uprn = a_uprn()
    resident_id = await a_resident(engagement, uprn)
    repair_id = await invited_about_a_repair(engagement_database, uprn)

    for who in ({"resident_id": resident_id}, {}):
        refused = await engagement.post(
            "/v1/surveys/responses",
            json=about_the_repair(uprn, repair_id, responded_at="2025-05-06T09:30:00Z", **who),
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "responded_at"
    assert await kept(engagement_database, uprn) == []
    assert await published(uprn, "survey-responded") == []

    at_the_invitation = await engagement.post(
        "/v1/surveys/responses",
        json=about_the_repair(
            uprn, repair_id, responded_at=INVITED_AT.isoformat(), resident_id=resident_id
        ),
    )
    assert at_the_invitation.status_code == 201, at_the_invitation.text


async def test_a_response_to_no_invitation_is_held_to_the_typing_slip_window_only(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A paper survey about a repair nobody was invited about (or another home's): no
    invitation to be answered before."""
    uprn = a_uprn()
    repair_id = await invited_about_a_repair(engagement_database, a_uprn())
    accepted = await engagement.post(
        "/v1/surveys/responses",
        json=about_the_repair(uprn, repair_id, responded_at="2025-05-06T09:30:00Z"),
    )
    assert accepted.status_code == 201, accepted.text


async def test_a_response_dated_more_than_ten_years_ago_is_refused(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Any
) -> None:
    """2014 for 2024: the perception survey's answer would count in a period a decade
    old, whose TSM figures were reported long ago."""
    uprn = a_uprn()
    refused = await engagement.post(
        "/v1/surveys/responses", json=a_response(uprn, responded_at="2014-11-04T10:00:00Z")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "responded_at"
    assert await kept(engagement_database, uprn) == []
    assert await published(uprn, "survey-responded") == []
