"""Engagement's figures on a fresh database: CH01 per 1,000 homes, CH02 within the
Code's timescales, TP01 to TP12, and TP01 by strand with small groups suppressed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from engagement.handlers import on_properties_registered
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Figures count everything in the database, so this module has its own."""
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client, opened_database(url) as db:
        yield client, db


async def test_complaints_per_thousand_homes_and_answered_in_time(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = fresh
    now = datetime.now(UTC)
    homes = []
    for _ in range(2000):
        homes.append(
            Envelope(
                data=PropertyRegistered.model_validate(
                    {
                        "uprn": str(random.randint(10**9, 10**12 - 1)),
                        "address_line_1": "1 High Street",
                        "town": "Leeds",
                        "postcode": "LS1 2CD",
                        "gas_supply": "live",
                        "property_type": "flat",
                        "heating_fuel": "gas",
                        "registered_at": now.isoformat(),
                    }
                )
            )
        )
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(session, homes)
    ids = []
    for _ in range(3):
        created = await client.post(
            "/v1/complaints",
            json={
                "uprn": "100",
                "category": "repairs",
                "medium": "phone",
                "summary": "s",
                "received_at": (now - timedelta(hours=3)).isoformat(),
            },
        )
        ids.append(created.json()["id"])
    # A service request is recorded but is not a complaint (DOMAIN.md): not in CH01.
    service_request = await client.post(
        "/v1/service-requests",
        json={
            "uprn": "100",
            "category": "estate_and_communal",
            "medium": "phone",
            "summary": "Please cut the grass",
            "received_at": (now - timedelta(hours=3)).isoformat(),
        },
    )
    assert service_request.status_code == 201, service_request.text
    await client.post(
        f"/v1/complaints/{ids[0]}/acknowledge",
        json={"acknowledged_at": (now - timedelta(hours=2)).isoformat(), "handler": "s1"},
    )
    await client.post(
        f"/v1/complaints/{ids[0]}/respond",
        json={"responded_at": (now - timedelta(hours=1)).isoformat()},
    )
    await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": "100",
            "answers": [
                {"question": "tp01_overall", "rating": "very_satisfied"},
                {"question": "tp05_safe_home", "rating": "not_applicable"},
            ],
            "responded_at": now.isoformat(),
        },
    )
    today = london_day(now)
    response = await client.get(
        "/v1/engagement/figures",
        params={"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    measures = {m["code"]: m for m in body["measures"]}
    assert measures["CH01.1"]["numerator"] == 3
    assert measures["CH01.1"]["denominator"] == 2000
    assert measures["CH01.1"]["value"] == 1.5
    assert measures["CH01.2"]["numerator"] == 0
    assert (measures["CH02.1"]["numerator"], measures["CH02.1"]["denominator"]) == (1, 1)
    assert measures["CH02.2"]["value"] is None
    assert (measures["TP01"]["numerator"], measures["TP01"]["denominator"]) == (1, 1)
    assert measures["TP05"]["denominator"] == 0
    assert {f"TP{n:02d}" for n in range(1, 13)} <= set(measures)
    # Breakdowns by diversity strand need diversity:read, which staff do not hold.
    assert body["breakdowns"] == {}
    async with httpx.AsyncClient(
        transport=client._transport,
        base_url=str(client.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        response = await reader.get(
            "/v1/engagement/figures",
            params={"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
        )
    # One respondent: the group is suppressed, and its label (not_stated) not shown.
    [suppressed] = response.json()["breakdowns"]["TP01.by_ethnicity"]
    assert suppressed["code"] == "TP01.ethnicity.suppressed"
    assert "suppressed" in suppressed["description"]
    assert suppressed["value"] is None


async def test_a_period_ending_before_it_starts_names_to(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, _ = fresh
    response = await client.get(
        "/v1/engagement/figures", params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to"
