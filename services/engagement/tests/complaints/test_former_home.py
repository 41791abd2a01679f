"""A complaint names a resident of the home it is about, or one who was a tenant there
before: a former tenant may complain about the home they left (damp they lived with, a
former tenancy's arrears). Someone never on a tenancy of the home is refused (422
naming resident_id) and nothing is kept."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from engagement.handlers import on_tenancy_started
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def started(uprn: str, start_date: date, person: uuid.UUID) -> TenancyStartedV2:
    return TenancyStartedV2(
        tenancy_id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=uprn,
        tenants=[{"person_id": person, "lead": True}],
        start_date=start_date,
        tenancy_type="secure",
        weekly_rent_pence=10_000,
    )


async def announced(db: Database, tenancy: TenancyStartedV2) -> None:
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=tenancy))


def a_complaint(uprn: str, resident_id: uuid.UUID) -> dict[str, Any]:
    return {
        "uprn": uprn,
        "resident_id": str(resident_id),
        "category": "repairs",
        "medium": "phone",
        "summary": "Damp in the back bedroom the whole time we lived there",
        "received_at": datetime(2026, 11, 2, 10, tzinfo=UTC).isoformat(),
    }


async def test_a_former_tenant_complains_about_the_home_they_left_a_stranger_cannot(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    home_a, home_b, home_c = a_uprn(), a_uprn(), a_uprn()
    mover, stranger = uuid.uuid4(), uuid.uuid4()
    await announced(engagement_database, started(home_a, date(2018, 4, 2), mover))
    await announced(engagement_database, started(home_b, date(2025, 5, 6), mover))
    await announced(engagement_database, started(home_c, date(2020, 1, 6), stranger))
    resident = (await engagement.get(f"/v1/residents/{mover}")).json()
    assert resident["uprn"] == home_b

    response = await engagement.post("/v1/complaints", json=a_complaint(home_a, mover))
    assert response.status_code == 201, response.text
    assert response.json()["uprn"] == home_a

    refused = await engagement.post("/v1/complaints", json=a_complaint(home_a, stranger))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"
    listed = await engagement.get("/v1/complaints", params={"uprn": home_a})
    assert [c["resident_id"] for c in listed.json()["items"]] == [str(mover)]


async def test_a_resident_registered_on_a_tenancy_keeps_it_in_their_history_when_moved(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    home_a, home_b = a_uprn(), a_uprn()
    registered = await engagement.post(
        "/v1/residents",
        json={
            "full_name": "Ada Mensah",
            "preferred_channel": "letter",
            "language": "en",
            "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
            "tenancy_id": str(uuid.uuid4()),
            "uprn": home_a,
        },
    )
    assert registered.status_code == 201, registered.text
    person = uuid.UUID(registered.json()["id"])
    await announced(engagement_database, started(home_b, date(2026, 10, 5), person))

    response = await engagement.post("/v1/complaints", json=a_complaint(home_a, person))
    assert response.status_code == 201, response.text
