"""tenancy-started v2 names tenants by person id only: engagement makes them residents
with their name not yet known, takes names only from its own routes, never clears one,
and still handles v1 events left on the topic as before. Its own resident-registered and
resident-updated (v2) carry no name either."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select

from engagement.app import build_services
from engagement.handlers import on_resident_details_confirmed, on_tenancy_started
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted, TenancyStartedV2, TenancyType
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from tests.harness.events import a_tenancy_of

REGISTERED = "uk.hearth.engagement.resident-registered.v2"
UPDATED = "uk.hearth.engagement.resident-updated.v2"


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def started_v2(uprn: str, *person_ids: uuid.UUID) -> TenancyStartedV2:
    return a_tenancy_of(uprn, *person_ids, tenancy_type=TenancyType.INTRODUCTORY)


def started_v1(uprn: str, person_id: uuid.UUID, full_name: str) -> TenancyStarted:
    return TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": f"T-{uuid.uuid4().hex[:8]}",
            "uprn": uprn,
            "tenants": [{"person_id": person_id, "full_name": full_name}],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 12_345,
        }
    )


async def handle(db: Database, envelope: Envelope[Any]) -> None:
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, envelope)


async def published(db: Database, uprn: str, event_type: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload).where(
                outbox_message.c.message_key == uprn, outbox_message.c.event_type == event_type
            )
        )
        return [json.loads(payload) for (payload,) in rows.all()]


def test_the_service_handles_tenancy_started_v1_and_v2_with_one_handler() -> None:
    handlers = build_services(EngagementSettings()).handlers
    assert handlers.get(TenancyStarted.type) is on_tenancy_started
    assert handlers.get(TenancyStartedV2.type) is on_tenancy_started


async def test_v2_tenants_become_residents_by_person_id_with_their_name_to_follow_up(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    first, second = uuid.uuid4(), uuid.uuid4()
    envelope = Envelope(data=started_v2(uprn, first, second))
    await handle(engagement_database, envelope)
    await handle(engagement_database, envelope)  # again: no change
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert {r["id"] for r in listed} == {str(first), str(second)}
    for resident in listed:
        assert resident["tenancy_id"] == str(envelope.data.tenancy_id)
        assert resident["full_name"] == ""
        assert resident["details_to_follow_up"] == ["name"]
        assert (resident["preferred_channel"], resident["language"]) == ("letter", "en")
    # resident-registered (v2) names no one: each tenant is announced at once, by id.
    registered = await published(engagement_database, uprn, REGISTERED)
    assert {r["resident_id"] for r in registered} == {str(first), str(second)}
    assert len(registered) == 2
    assert all("full_name" not in r for r in registered)


async def test_recording_the_name_by_person_id_says_the_name_changed_never_what_it_is(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    tenancy = started_v2(uprn, person_id)
    await handle(engagement_database, Envelope(data=tenancy))
    response = await engagement.post(
        "/v1/residents",
        json={
            "person_id": str(person_id),
            "tenancy_id": str(tenancy.tenancy_id),
            "uprn": uprn,
            "full_name": "Ada Lovelace",
            "preferred_channel": "letter",
            "language": "cy",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["id"], body["full_name"], body["language"]) == (
        str(person_id),
        "Ada Lovelace",
        "cy",
    )
    assert body["details_to_follow_up"] == []
    [registered] = await published(engagement_database, uprn, REGISTERED)
    assert registered["resident_id"] == str(person_id)
    [updated] = await published(engagement_database, uprn, UPDATED)
    assert {"name", "language"} <= set(updated["changed"])
    assert updated["language"] == "cy"
    assert "full_name" not in updated
    assert "Lovelace" not in json.dumps([registered, updated])


async def seen(engagement: httpx.AsyncClient, person_id: uuid.UUID) -> dict[str, str]:
    """If-Match with the resident's ETag as a GET gives it (what a client edits from)."""
    return {"If-Match": (await engagement.get(f"/v1/residents/{person_id}")).headers["etag"]}


async def test_details_change_before_the_name_is_known_and_a_name_is_never_cleared(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    await handle(engagement_database, Envelope(data=started_v2(uprn, person_id)))
    response = await engagement.patch(
        f"/v1/residents/{person_id}",
        json={"language": "pl"},
        headers=await seen(engagement, person_id),
    )
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == ""
    [language] = await published(engagement_database, uprn, UPDATED)
    assert (language["changed"], language["language"]) == (["language"], "pl")
    refused = await engagement.patch(
        f"/v1/residents/{person_id}",
        json={"full_name": ""},
        headers=await seen(engagement, person_id),
    )
    assert refused.status_code == 422
    response = await engagement.patch(
        f"/v1/residents/{person_id}",
        json={"full_name": "Jan Kowalski"},
        headers=await seen(engagement, person_id),
    )
    assert response.status_code == 200, response.text
    assert response.json()["details_to_follow_up"] == []
    named = (await published(engagement_database, uprn, UPDATED))[-1]
    assert named["changed"] == ["name"]
    assert "Kowalski" not in json.dumps(named)


async def test_a_started_tenancy_never_replaces_a_name_engagement_holds(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    response = await engagement.post(
        "/v1/residents",
        json={"full_name": "Ada Lovelace", "preferred_channel": "letter", "language": "cy"},
    )
    assert response.status_code == 201, response.text
    person_id = uuid.UUID(response.json()["id"])
    uprn = a_uprn()
    await handle(engagement_database, Envelope(data=started_v2(uprn, person_id)))
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert (resident["uprn"], resident["full_name"]) == (uprn, "Ada Lovelace")
    assert resident["details_to_follow_up"] == []
    [registered] = await published(engagement_database, uprn, REGISTERED)
    assert registered["resident_id"] == str(person_id)
    # An old v1 event naming the same person differently changes no name either.
    await handle(
        engagement_database, Envelope(data=started_v1(a_uprn(), person_id, "Someone Else"))
    )
    assert (await engagement.get(f"/v1/residents/{person_id}")).json()[
        "full_name"
    ] == "Ada Lovelace"


async def test_a_v1_event_left_on_the_topic_still_makes_a_named_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    await handle(engagement_database, Envelope(data=started_v1(uprn, person_id, "Sam Okafor")))
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert resident["full_name"] == "Sam Okafor"
    assert resident["details_to_follow_up"] == []
    assert len(await published(engagement_database, uprn, REGISTERED)) == 1


async def test_a_visit_confirming_details_keeps_the_unknown_name_to_follow_up(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    await handle(engagement_database, Envelope(data=started_v2(uprn, person_id)))
    confirmed = ResidentDetailsConfirmed(
        visit_id=uuid.uuid4(),
        uprn=uprn,
        resident_id=person_id,
        household_size=1,
        corrected=["contact_details"],
        confirmed_at=datetime.now(UTC),
    )
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(session, Envelope(data=confirmed))
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert resident["details_to_follow_up"] == ["contact_details", "name"]
    assert resident["lives_alone"] is True
    [updated] = await published(engagement_database, uprn, UPDATED)
    assert updated["changed"] == ["household"]
    assert updated["lives_alone"] is True
