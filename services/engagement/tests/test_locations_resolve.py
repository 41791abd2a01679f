"""Every 201 engagement answers names a Location its caller can follow (docs/adr/0177):
the GET there answers what the POST did, to a caller with the scope of the matching
list (or, for a vulnerability, the need-to-know read, audited), and refuses one
without it. An id never created is a 404; a vulnerability removed is a 404 as review
finds it; a merged resident's id names the resident kept, as the list read does."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from engagement.models import VulnerabilityRead
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.tokens import STAFF_SCOPES

from .conftest import ClientWithScopes
from .residents.test_merge import merge, recorded_twice
from .vulnerabilities.test_need_to_know import a_tenant, a_vulnerability


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def now() -> str:
    return datetime.now(UTC).isoformat()


CREATED: dict[str, tuple[str, dict[str, Any], str]] = {
    # what is posted, its body, and the scope the Location's GET needs
    "contact": (
        "/v1/contacts",
        {
            "direction": "inbound",
            "medium": "phone",
            "reason": "repair",
            "notes": "Called about the tap",
        },
        "residents:read",
    ),
    "service request": (
        "/v1/service-requests",
        {"category": "estate_and_communal", "medium": "online", "summary": "Cut the grass"},
        "complaints:read",
    ),
    "survey response": (
        "/v1/surveys/responses",
        {
            "survey": "perception",
            "answers": [{"question": "tp01_overall", "rating": "fairly_dissatisfied"}],
            "reasons": "Nobody calls back",
        },
        "surveys:read",
    ),
    "you said, we did": (
        "/v1/you-said-we-did",
        {"you_said": "You were not called back", "we_did": "We call back the same day"},
        "surveys:read",
    ),
}


async def body_of(engagement: httpx.AsyncClient, kind: str) -> dict[str, Any]:
    _, body, _ = CREATED[kind]
    if kind == "you said, we did":
        led_to_it = await engagement.post(
            "/v1/surveys/responses", json=await body_of(engagement, "survey response")
        )
        assert led_to_it.status_code == 201, led_to_it.text
        return {
            **body,
            "published_on": london_day(datetime.now(UTC)).isoformat(),
            "survey_response_ids": [led_to_it.json()["id"]],
        }
    moment = {
        "contact": "contacted_at",
        "service request": "received_at",
        "survey response": "responded_at",
    }[kind]
    return {**body, "uprn": a_uprn(), moment: now()}


@pytest.mark.parametrize("kind", list(CREATED))
async def test_the_location_answers_what_was_created_to_a_reader_and_refuses_others(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes, kind: str
) -> None:
    path, _, scope = CREATED[kind]
    created = await engagement.post(path, json=await body_of(engagement, kind))
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location == f"{path}/{created.json()['id']}"
    read = await engagement_as(frozenset({scope})).get(location)
    assert read.status_code == 200, read.text
    assert read.json() == created.json()
    refused = await engagement_as(STAFF_SCOPES - {scope}).get(location)
    assert refused.status_code == 403, refused.text
    never = await engagement.get(f"{path}/{uuid.uuid4()}")
    assert never.status_code == 404, never.text


async def test_a_vulnerabilitys_location_is_a_need_to_know_read_audited(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    _, resident_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    created = await writer.post(
        f"/v1/residents/{resident_id}/vulnerabilities", json=a_vulnerability()
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location == f"/v1/residents/{resident_id}/vulnerabilities/{created.json()['id']}"
    # Recording is not reading: the writer may not follow it, nor staff without the scope.
    assert (await writer.get(location)).status_code == 403
    assert (await engagement_as(STAFF_SCOPES).get(location)).status_code == 403
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    read = await reader.get(location)
    assert read.status_code == 200, read.text
    [listed] = (await reader.get(f"/v1/residents/{resident_id}/vulnerabilities")).json()
    assert read.json() == listed
    async with engagement_database.sessionmaker() as session:
        shown = await session.scalars(
            select(VulnerabilityRead.records_shown)
            .where(VulnerabilityRead.resident_id == resident_id)
            .order_by(VulnerabilityRead.read_at)
        )
        assert list(shown) == [1, 1]  # this read, then the list's
    # Another resident's id, or an id never recorded: 404.
    _, other = await a_tenant(engagement_database)
    assert (
        await reader.get(f"/v1/residents/{other}/vulnerabilities/{created.json()['id']}")
    ).status_code == 404
    never = await reader.get(f"{location[: location.rindex('/')]}/{uuid.uuid4()}")
    assert never.status_code == 404, never.text
    # Removed: gone from the list, and from its Location.
    removed = await writer.delete(location)
    assert removed.status_code == 204, removed.text
    gone = await reader.get(location)
    assert gone.status_code == 404, gone.text
    async with engagement_database.sessionmaker() as session:
        reads = await session.scalar(
            select(func.count())
            .select_from(VulnerabilityRead)
            .where(VulnerabilityRead.resident_id == resident_id)
        )
        assert reads == 2  # refusals leave no audited read


async def test_a_vulnerability_of_a_merged_resident_names_the_resident_kept(
    engagement: httpx.AsyncClient,
    engagement_as: ClientWithScopes,
    engagement_database: Database,
) -> None:
    _, _, kept, duplicate = await recorded_twice(engagement, engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    created = await writer.post(
        f"/v1/residents/{duplicate}/vulnerabilities", json=a_vulnerability()
    )
    assert created.status_code == 201, created.text
    merged = await merge(engagement, kept, duplicate)
    assert merged.status_code == 200, merged.text
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    old = await reader.get(created.headers["Location"])
    assert old.status_code == 404, old.text
    assert old.json()["merged_into"] == str(kept)
    moved = await reader.get(f"/v1/residents/{kept}/vulnerabilities/{created.json()['id']}")
    assert moved.status_code == 200, moved.text
