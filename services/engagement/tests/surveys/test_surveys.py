"""Surveys: a completed repair invites the household (once) through the message
pipeline; responses keep reasons and operative feedback; results by strand suppress
small groups."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from engagement.app import build_services
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairCompleted
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.tokens import STAFF_SCOPES

ClientWithScopes = Callable[[frozenset[str]], httpx.AsyncClient]


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_resident(client: httpx.AsyncClient, uprn: str) -> str:
    response = await client.post(
        "/v1/residents",
        json={
            "full_name": "Sam",
            "preferred_channel": "letter",
            "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
            "tenancy_id": str(uuid.uuid4()),
            "uprn": uprn,
        },
    )
    resident_id: str = response.json()["id"]
    return resident_id


async def test_a_completed_repair_invites_the_household_once(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    resident_id = await a_resident(engagement, uprn)
    now = datetime.now(UTC)
    completed = Envelope(
        data=RepairCompleted(
            repair_id=uuid.uuid4(),
            uprn=uprn,
            trade="plumbing",
            priority="routine",
            source="contact_centre",
            reported_at=now - timedelta(days=3),
            target_at=now + timedelta(days=10),
            completed_at=now,
            completed_on_time=True,
            right_first_time=True,
        )
    )
    handler = build_services(EngagementSettings()).handlers.get(completed.type)
    assert handler is not None
    for _ in range(2):
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, completed)
    messages = (await engagement.get(f"/v1/residents/{resident_id}/messages")).json()["items"]
    assert [m["template"] for m in messages] == ["survey_invitation"]
    assert "repair" in messages[0]["body"]


def a_response(uprn: str, **overrides: object) -> dict[str, Any]:
    return {
        "survey": "perception",
        "uprn": uprn,
        "answers": [
            {"question": "tp01_overall", "rating": "fairly_satisfied"},
            {"question": "tp02_repairs", "rating": "very_dissatisfied"},
        ],
        "reasons": "Repairs take too long",
        "responded_at": datetime.now(UTC).isoformat(),
        **overrides,
    }


async def test_a_response_keeps_reasons_and_publishes_codes_only(
    engagement: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    response = await engagement.post(
        "/v1/surveys/responses",
        json=a_response(
            uprn,
            survey="repair",
            operative_feedback="Polite and tidy",
            answers=[{"question": "operative", "rating": "very_satisfied"}],
        ),
    )
    assert response.status_code == 201, response.text
    assert response.json()["operative_feedback"] == "Polite and tidy"
    [event] = await published(uprn, "survey-responded")
    assert event["answers"] == [{"question": "operative", "rating": "very_satisfied"}]
    assert "reasons" not in event


async def test_the_perception_survey_asks_tp01_to_tp12_only(engagement: httpx.AsyncClient) -> None:
    response = await engagement.post(
        "/v1/surveys/responses",
        json=a_response(a_uprn(), answers=[{"question": "operative", "rating": "neither"}]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answers"


async def test_results_by_strand_suppress_groups_under_the_minimum(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes
) -> None:
    # The default minimum group size is 10: one respondent in a group is suppressed,
    # together with the other groups, and its label is not shown.
    uprn = a_uprn()
    resident_id = await a_resident(engagement, uprn)
    await engagement.put(
        f"/v1/residents/{resident_id}/diversity", json={"religion": "a_small_group"}
    )
    await engagement.post("/v1/surveys/responses", json=a_response(uprn, resident_id=resident_id))
    today = london_day(datetime.now(UTC))
    reader = engagement_as(STAFF_SCOPES | {"diversity:read"})
    results = await reader.get(
        "/v1/surveys/results",
        params={
            "survey": "perception",
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
            "strand": "religion",
        },
    )
    assert results.status_code == 200, results.text
    body = results.json()
    assert "a_small_group" not in results.text
    [small] = [g for g in body["groups"] if g["suppressed"]]
    assert small["value"] is None
    assert small["respondents"] is None
    assert all(q["satisfied"] is None for q in small["questions"])
    assert body["respondents"] >= 1


async def test_results_by_strand_need_diversity_read(engagement: httpx.AsyncClient) -> None:
    """The default staff token has surveys:read but not diversity:read: the overall
    results are there, a breakdown by strand is a 403 naming `strand`."""
    today = london_day(datetime.now(UTC))
    period = {"survey": "perception", "from": today.isoformat(), "to": today.isoformat()}
    assert (await engagement.get("/v1/surveys/results", params=period)).status_code == 200
    refused = await engagement.get("/v1/surveys/results", params={**period, "strand": "religion"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == ["diversity:read"]
    assert refused.json()["errors"][0]["field"] == "strand"
