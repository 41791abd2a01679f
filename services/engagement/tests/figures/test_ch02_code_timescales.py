"""CH02 is the share of complaints answered within the Complaint Handling Code's
timescales (DOMAIN.md), not within a landlord's stricter ones: a landlord answering
stage 1 in 5 working days, say, raises its breach on its own date, but an answer on
working day 8 is within the Code's 10 and counts as in time.

Fixed past dates in June 2025 (British Summer Time; no bank holiday): received Mon 2
June, acknowledged Tue 3 June; the landlord's 5 working days end Tue 10 June, the
Code's 10 end Tue 17 June, whose London day ends at 23:00 UTC."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from engagement.app import create_app
from engagement.settings import EngagementSettings
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database
from tests.harness.tokens import InternalTokenAuth

RECEIVED = "2025-06-02T09:00:00+00:00"
ACKNOWLEDGED = "2025-06-03T09:00:00+00:00"


@pytest.fixture(scope="module")
async def stricter(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A landlord answering stage 1 within 5 working days, on a database of its own
    (figures count everything in it)."""
    url = await migrated_database(databases, "engagement")
    settings = EngagementSettings.model_validate(
        {
            "database_url": url,
            "relay_enabled": False,
            "consumer_enabled": False,
            "scheduler_enabled": False,
            "complaint_timescales": {"stage_1": {"respond_within": 5}},
        }
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as started,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(started.app),
            base_url="http://engagement",
            auth=InternalTokenAuth("engagement"),
        ) as client,
    ):
        yield client


async def answered_at(client: httpx.AsyncClient, responded_at: str) -> None:
    created = await client.post(
        "/v1/complaints",
        json={
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler was left unrepaired for three weeks",
            "received_at": RECEIVED,
        },
    )
    assert created.status_code == 201, created.text
    complaint_id = created.json()["id"]
    acknowledged = await client.post(
        f"/v1/complaints/{complaint_id}/acknowledge",
        json={"acknowledged_at": ACKNOWLEDGED, "handler": "Hana One"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["stages"][0]["respond_by"] == "2025-06-10"
    answered = await client.post(
        f"/v1/complaints/{complaint_id}/respond", json={"responded_at": responded_at}
    )
    assert answered.status_code == 200, answered.text


async def test_ch02_counts_answers_within_the_codes_timescales_not_the_landlords(
    stricter: httpx.AsyncClient,
) -> None:
    await answered_at(stricter, "2025-06-10T10:00:00+00:00")  # the landlord's day: in time
    await answered_at(stricter, "2025-06-13T12:00:00+00:00")  # the landlord's late, the Code's not
    await answered_at(stricter, "2025-06-17T22:59:59+00:00")  # 23:59:59 on the Code's day
    await answered_at(stricter, "2025-06-17T23:00:00+00:00")  # 18 June in London: late
    figures = await stricter.get(
        "/v1/engagement/figures", params={"from": "2025-06-01", "to": "2025-06-30"}
    )
    assert figures.status_code == 200, figures.text
    measures = {m["code"]: m for m in figures.json()["measures"]}
    assert (measures["CH02.1"]["numerator"], measures["CH02.1"]["denominator"]) == (3, 4)
