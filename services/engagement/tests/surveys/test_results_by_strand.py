"""Results by diversity strand on a database of their own (results count every response
in the period): no one's answer in a strand can be read off a breakdown, directly or by
subtracting the groups shown from the total."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, service_api
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client:
        yield client


async def respondent(client: httpx.AsyncClient, religion: str, rating: str) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    created = await client.post(
        "/v1/residents",
        json={
            # a tenant of the home they answer for (docs/adr/0134, 0162), on a tenancy
            # income has not announced yet
            "full_name": "R",
            "preferred_channel": "letter",
            "person_id": str(uuid.uuid4()),
            "tenancy_id": str(uuid.uuid4()),
            "uprn": uprn,
        },
    )
    assert created.status_code == 201, created.text
    resident_id = created.json()["id"]
    profile = await client.put(
        f"/v1/residents/{resident_id}/diversity", json={"religion": religion}
    )
    assert profile.status_code == 204, profile.text
    answered = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": uprn,
            "resident_id": resident_id,
            "answers": [{"question": "tp01_overall", "rating": rating}],
            "responded_at": datetime.now(UTC).isoformat(),
        },
    )
    assert answered.status_code == 201, answered.text


async def test_ten_in_one_group_and_one_in_another_show_no_group(
    fresh: httpx.AsyncClient,
) -> None:
    """The reviewer's case: 11 respondents, 10 satisfied. Showing the 10 ("none", all
    satisfied) beside a suppressed "sikh" gave away one resident's religion and their
    dissatisfaction; now neither group is shown, nor the small group's label."""
    for _ in range(10):
        await respondent(fresh, "none", "very_satisfied")
    await respondent(fresh, "sikh", "very_dissatisfied")
    today = london_day(datetime.now(UTC))
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    async with httpx.AsyncClient(
        transport=fresh._transport,
        base_url=str(fresh.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        results = await reader.get(
            "/v1/surveys/results", params={**period, "survey": "perception", "strand": "religion"}
        )
        figures = await reader.get("/v1/engagement/figures", params=period)
        aggregate = await reader.get("/v1/diversity", params={"strand": "religion"})
    assert results.status_code == 200, results.text
    body = results.json()
    assert body["respondents"] == 11
    assert body["groups"] == [
        {
            "value": None,
            "respondents": None,
            "suppressed": True,
            "questions": [
                {
                    "question": "tp01_overall",
                    "satisfied": None,
                    "answered": None,
                    "share": None,
                    "reasons": None,
                }
            ],
        }
    ]
    assert "sikh" not in results.text
    assert figures.status_code == 200, figures.text
    by_religion = figures.json()["breakdowns"]["TP01.by_religion"]
    assert [m["code"] for m in by_religion] == ["TP01.religion.suppressed"]
    assert "sikh" not in figures.text
    assert aggregate.json()["groups"] == [{"value": None, "count": None, "suppressed": True}]
    # A twelfth "none" respondent is not enough either (11 shown, 1 left out)...
    await respondent(fresh, "none", "very_satisfied")
    # ...but ten in a second group are: each shown group has ten or more, and the one
    # left out is hidden among twenty-odd.
    for _ in range(10):
        await respondent(fresh, "hindu", "fairly_satisfied")
    async with httpx.AsyncClient(
        transport=fresh._transport,
        base_url=str(fresh.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        results = await reader.get(
            "/v1/surveys/results", params={**period, "survey": "perception", "strand": "religion"}
        )
    groups = results.json()["groups"]
    assert [(g["value"], g["respondents"]) for g in groups] == [
        ("none", 11),
        (None, None),
    ]
