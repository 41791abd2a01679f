"""The tenant's copy of a safety record: a new tenancy's copy (compliance's
tenant-copy-requested) goes to each of its tenants once, waiting until engagement knows
them; every copy that goes out publishes tenant-copy-sent, ids only, in the transaction
that stamps it sent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from engagement.app import build_services
from engagement.handlers import TenantsNotYetKnown
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.engagement.tests.home_events import a_copy_requested


async def a_resident(client: httpx.AsyncClient, uprn: str, tenancy_id: uuid.UUID) -> str:
    response = await client.post(
        "/v1/residents",
        json={
            "full_name": "Sam Okafor",
            "preferred_channel": "letter",
            "uprn": uprn,
            "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
            "tenancy_id": str(tenancy_id),
        },
    )
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    return resident_id


def requested(uprn: str, tenancy_id: uuid.UUID, people: list[uuid.UUID]) -> Any:
    return Envelope(data=a_copy_requested(uprn, tenancy_id, people))


async def test_a_new_tenancys_copy_goes_to_each_tenant_once_and_its_sending_is_published(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Any
) -> None:
    services = build_services(EngagementSettings())
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = uuid.uuid4()
    people = [uuid.UUID(await a_resident(engagement, uprn, tenancy_id)) for _ in range(2)]
    event = requested(uprn, tenancy_id, people)
    handler = services.handlers.get(event.type)
    assert handler is not None
    for _ in range(2):
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, event)
    for person in people:
        [letter] = (await engagement.get(f"/v1/residents/{person}/messages")).json()["items"]
        assert letter["template"] == "check_record_copy"
        assert letter["status"] == "pending"
        assert "CP12-778812" in letter["body"]
        assert "1 October 2027" in letter["body"]

    job = ScheduledJob("messages", timedelta(seconds=30), services.messages.send_due)
    await run_until_done(engagement_database, job, datetime.now(UTC) + timedelta(seconds=1))
    sent = await published(uprn, "tenant-copy-sent")
    assert sorted(s["resident_id"] for s in sent) == sorted(str(p) for p in people)
    assert {s["copy_id"] for s in sent} == {str(event.data.copy_id)}
    assert {s["channel"] for s in sent} == {"letter"}
    assert set(sent[0]) == {"copy_id", "message_id", "resident_id", "uprn", "channel", "sent_at"}
    for person in people:
        [letter] = (await engagement.get(f"/v1/residents/{person}/messages")).json()["items"]
        assert letter["status"] == "sent"
        assert letter["id"] in {s["message_id"] for s in sent}


async def test_a_copy_for_tenants_not_yet_known_waits_and_keeps_nothing(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    services = build_services(EngagementSettings())
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = uuid.uuid4()
    known = uuid.UUID(await a_resident(engagement, uprn, tenancy_id))
    event = requested(uprn, tenancy_id, [known, uuid.uuid4()])
    handler = services.handlers.get(event.type)
    assert handler is not None
    with pytest.raises(TenantsNotYetKnown) as waiting:
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, event)
    assert str(tenancy_id) in str(waiting.value)
    assert (await engagement.get(f"/v1/residents/{known}/messages")).json()["items"] == []
