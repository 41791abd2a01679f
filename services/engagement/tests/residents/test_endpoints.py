from __future__ import annotations

import json
import random
import re
import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from engagement.handlers import on_tenancy_started
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import Database
from hearth_kit.outbox import outbox_headers
from hearth_kit.pagination import encode_cursor
from hearth_kit.tables import outbox_message

UPRN = re.compile(UPRN_PATTERN)


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_resident(uprn: str, **overrides: object) -> dict[str, object]:
    """A tenant of a tenancy of the home, under the person id income names them by
    (ADR 0118)."""
    return {
        "person_id": str(uuid.uuid4()),
        "tenancy_id": str(uuid.uuid4()),
        "uprn": uprn,
        "full_name": "Sam Okafor",
        "email": "sam.okafor@example.org",
        "phone": "07700 900123",
        "preferred_channel": "email",
        **overrides,
    }


async def tenancy_started(db: Database, uprn: str, tenant: uuid.UUID) -> str:
    """Income announced a tenancy of the home naming `tenant` (as the consumer would
    hand it over)."""
    event = TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": f"T-{uuid.uuid4().hex[:8]}",
            "uprn": uprn,
            "tenants": [{"person_id": tenant, "full_name": "Sam Okafor"}],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 12_345,
        }
    )
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=event))
    return str(event.tenancy_id)


async def outbox_count(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    return int(count or 0)


async def assert_nothing_stored(engagement: httpx.AsyncClient, db: Database, uprn: str) -> None:
    assert await outbox_count(db, uprn) == 0
    if UPRN.match(uprn):
        listed = await engagement.get("/v1/residents", params={"uprn": uprn})
        assert listed.json()["items"] == []


async def test_registering_a_resident_publishes_resident_registered_without_contact_details(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    response = await engagement.post(
        "/v1/residents",
        json=a_resident(uprn, format_needs=["large_print", "audio", "large_print"]),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/residents/{body['id']}"
    assert body["language"] == "en"
    assert body["format_needs"] == ["large_print", "audio"]
    assert body["email"] == "sam.okafor@example.org"
    assert body["registered_at"]
    async with engagement_database.sessionmaker() as session:
        row = (
            (
                await session.execute(
                    select(outbox_message).where(outbox_message.c.message_key == uprn)
                )
            )
            .mappings()
            .one()
        )
    assert row["event_type"] == "uk.hearth.engagement.resident-registered.v2"
    assert row["topic"] == "hearth.engagement.events"
    assert outbox_headers(row)["ce_subject"] == body["id"]
    data = json.loads(row["payload"])
    assert data["resident_id"] == body["id"]
    assert data["tenancy_id"] == body["tenancy_id"]
    assert data["preferred_channel"] == "email"
    assert "email" not in data
    assert "phone" not in data
    assert "full_name" not in data
    assert b"sam.okafor@example.org" not in row["payload"]
    assert b"900123" not in row["payload"]


async def test_a_registered_resident_reads_back_by_id(engagement: httpx.AsyncClient) -> None:
    created = (await engagement.post("/v1/residents", json=a_resident(a_uprn()))).json()
    response = await engagement.get(f"/v1/residents/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uprn": "12AB45"}, "uprn"),
        ({"tenancy_id": "T-1"}, "tenancy_id"),
        ({"full_name": ""}, "full_name"),
        ({"email": "sam.example.org"}, "email"),
        ({"email": "sam@example"}, "email"),
        ({"phone": "0770 0900"}, "phone"),
        ({"phone": "07700-900123"}, "phone"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"language": "English!"}, "language"),
        ({"format_needs": ["sign_language"]}, "format_needs.0"),
    ],
)
async def test_an_invalid_resident_is_rejected_naming_the_field_and_stores_nothing(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    overrides: dict[str, object],
    field: str,
) -> None:
    resident = {**a_resident(a_uprn()), **overrides}
    response = await engagement.post("/v1/residents", json=resident)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    await assert_nothing_stored(engagement, engagement_database, str(resident["uprn"]))


@pytest.mark.parametrize(
    ("channel", "missing"),
    [("email", "email"), ("text", "phone"), ("phone", "phone")],
)
async def test_a_preferred_channel_needs_its_contact_detail(
    engagement: httpx.AsyncClient, engagement_database: Database, channel: str, missing: str
) -> None:
    uprn = a_uprn()
    resident = a_resident(uprn, preferred_channel=channel)
    del resident[missing]
    response = await engagement.post("/v1/residents", json=resident)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == missing
    await assert_nothing_stored(engagement, engagement_database, uprn)


async def test_a_resident_preferring_letters_needs_no_email_or_phone(
    engagement: httpx.AsyncClient,
) -> None:
    resident = a_resident(a_uprn(), preferred_channel="letter", email=None, phone=None)
    response = await engagement.post("/v1/residents", json=resident)
    assert response.status_code == 201, response.text


async def test_a_resident_of_a_known_tenancy_must_live_in_its_home(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    home, elsewhere = a_uprn(), a_uprn()
    tenant = uuid.uuid4()
    tenancy_id = await tenancy_started(engagement_database, home, tenant)
    response = await engagement.post(
        "/v1/residents", json=a_resident(elsewhere, tenancy_id=tenancy_id, person_id=str(tenant))
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == "uprn"
    assert home in problem["detail"]
    await assert_nothing_stored(engagement, engagement_database, elsewhere)
    same_home = await engagement.post(
        "/v1/residents", json=a_resident(home, tenancy_id=tenancy_id, person_id=str(tenant))
    )
    assert same_home.status_code == 201, same_home.text


async def test_a_resident_of_a_tenancy_not_yet_announced_is_accepted(
    engagement: httpx.AsyncClient,
) -> None:
    response = await engagement.post(
        "/v1/residents", json=a_resident(a_uprn(), tenancy_id=str(uuid.uuid4()))
    )
    assert response.status_code == 201, response.text


async def test_a_retried_post_with_the_same_idempotency_key_changes_nothing(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    resident = a_resident(uprn)
    headers = {"Idempotency-Key": f"key-{uprn}"}
    first = await engagement.post("/v1/residents", json=resident, headers=headers)
    second = await engagement.post("/v1/residents", json=resident, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await outbox_count(engagement_database, uprn) == 1
    other_body = await engagement.post(
        "/v1/residents", json={**resident, "full_name": "Alex Okafor"}, headers=headers
    )
    assert other_body.status_code == 422


async def test_residents_of_a_home_are_listed_a_page_at_a_time_in_registration_order(
    engagement: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    tenancy_id = str(uuid.uuid4())
    created = [
        (
            await engagement.post(
                "/v1/residents",
                json=a_resident(uprn, tenancy_id=tenancy_id, full_name=f"Resident {n}"),
            )
        ).json()["id"]
        for n in range(3)
    ]
    await engagement.post("/v1/residents", json=a_resident(a_uprn()))
    for params in ({"uprn": uprn}, {"tenancy_id": tenancy_id}):
        first = (await engagement.get("/v1/residents", params={**params, "limit": 2})).json()
        assert len(first["items"]) == 2
        assert first["next_cursor"]
        second = (
            await engagement.get(
                "/v1/residents",
                params={**params, "limit": 2, "cursor": first["next_cursor"]},
            )
        ).json()
        assert second["next_cursor"] is None
        assert [r["id"] for r in first["items"] + second["items"]] == created


async def test_an_unknown_resident_is_a_404_problem(engagement: httpx.AsyncClient) -> None:
    response = await engagement.get(f"/v1/residents/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


@pytest.mark.parametrize("cursor", ["not-a-cursor!", encode_cursor("yesterday", "someone")])
async def test_a_cursor_the_api_did_not_issue_is_rejected(
    engagement: httpx.AsyncClient, cursor: str
) -> None:
    response = await engagement.get("/v1/residents", params={"cursor": cursor})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")
