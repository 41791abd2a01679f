"""Survey results say how many gave reasons for their satisfaction and dissatisfaction
(DOMAIN.md), per question, overall and by a strand's groups: counts only, on a
database of their own (results count every response in the period). The reasons' words
are never in the results, and a suppressed group's counts are not shown (docs/adr/0178)."""

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

WORDS = "The caretaker never empties the bins"


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client:
        yield client


async def respondent(
    client: httpx.AsyncClient, religion: str, overall: str, reasons: str | None
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    created = await client.post(
        "/v1/residents",
        json={
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
            "answers": [
                {"question": "tp01_overall", "rating": overall},
                {"question": "tp10_communal_areas", "rating": "not_applicable"},
            ],
            "reasons": reasons,
            "responded_at": datetime.now(UTC).isoformat(),
        },
    )
    assert answered.status_code == 201, answered.text


async def test_results_count_the_reasons_given_by_satisfied_and_dissatisfied(
    fresh: httpx.AsyncClient,
) -> None:
    # Ten of no religion: 4 satisfied saying why, 2 satisfied not, 3 dissatisfied
    # saying why, one dissatisfied with blank words (no reason) and no one neither.
    for overall, reasons in (
        [("very_satisfied", "Repairs are quick")] * 4
        + [("fairly_satisfied", None)] * 2
        + [("very_dissatisfied", WORDS)] * 2
        + [("fairly_dissatisfied", WORDS), ("fairly_dissatisfied", "   ")]
    ):
        await respondent(fresh, "none", overall, reasons)
    # One more, a group of one: suppressed, with the group that would give it away.
    await respondent(fresh, "sikh", "neither", WORDS)
    today = london_day(datetime.now(UTC))
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    results = await fresh.get("/v1/surveys/results", params={**period, "survey": "perception"})
    assert results.status_code == 200, results.text
    assert WORDS not in results.text
    assert "Repairs are quick" not in results.text
    overall, communal = results.json()["questions"]
    assert overall["question"] == "tp01_overall"
    assert overall["reasons"] == {"satisfied": 4, "dissatisfied": 3}
    # Not applicable answers are in neither count.
    assert communal["reasons"] == {"satisfied": 0, "dissatisfied": 0}
    async with httpx.AsyncClient(
        transport=fresh._transport,
        base_url=str(fresh.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        by_religion = await reader.get(
            "/v1/surveys/results", params={**period, "survey": "perception", "strand": "religion"}
        )
    assert by_religion.status_code == 200, by_religion.text
    assert WORDS not in by_religion.text
    [hidden] = by_religion.json()["groups"]  # 10 beside 1: both suppressed together
    assert hidden["suppressed"]
    assert all(q["reasons"] is None for q in hidden["questions"])


async def test_a_group_shown_has_its_own_reason_counts(fresh: httpx.AsyncClient) -> None:
    # Eleven more, of another religion: shown, while the sikh group of the test above
    # is suppressed with the smallest other (the ten of none), which would give it away.
    for overall, reasons in [("fairly_satisfied", "Friendly staff")] * 6 + [
        ("very_dissatisfied", None)
    ] * 5:
        await respondent(fresh, "christian", overall, reasons)
    today = london_day(datetime.now(UTC))
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    async with httpx.AsyncClient(
        transport=fresh._transport,
        base_url=str(fresh.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        by_religion = await reader.get(
            "/v1/surveys/results", params={**period, "survey": "perception", "strand": "religion"}
        )
    assert by_religion.status_code == 200, by_religion.text
    assert "Friendly staff" not in by_religion.text
    groups = {g["value"]: g for g in by_religion.json()["groups"]}
    assert set(groups) == {"christian", None}
    assert groups["christian"]["respondents"] == 11
    assert groups["christian"]["questions"][0]["reasons"] == {"satisfied": 6, "dissatisfied": 0}
    assert groups[None]["questions"][0]["reasons"] is None
