"""A letter goes to the home a resident lives in; engagement holds no other postal
address. A resident registered with no home (someone complaining who is not a tenant,
a person not yet on a tenancy) is written to by email or text when either is held,
whatever their preferred channel; with neither, the message is kept failed saying why,
never handed to the print room with no address and recorded sent (docs/adr/0114)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from engagement.models import Message
from hearth_kit.db import Database
from services.engagement.tests.home_events import a_uprn


async def registered_with_no_home(client: httpx.AsyncClient, **details: object) -> str:
    response = await client.post(
        "/v1/residents",
        json={"full_name": "Sam Okafor", "preferred_channel": "letter", **details},
    )
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    return resident_id


async def acknowledged(client: httpx.AsyncClient, resident_id: str) -> None:
    """A complaint of theirs about a home, acknowledged."""
    received = datetime.now(UTC) - timedelta(minutes=5)
    complaint = await client.post(
        "/v1/complaints",
        json={
            "uprn": a_uprn(),
            "resident_id": resident_id,
            "category": "anti_social_behaviour",
            "medium": "phone",
            "summary": "Noise from the flat above every night",
            "received_at": received.isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    done = await client.post(
        f"/v1/complaints/{complaint.json()['id']}/acknowledge",
        json={"acknowledged_at": received.isoformat(), "handler": "Hana One"},
    )
    assert done.status_code == 200, done.text


async def written(db: Database, resident_id: str) -> list[tuple[str, str, str]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Message.template, Message.status, Message.channel).where(
                Message.resident_id == uuid.UUID(resident_id)
            )
        )
        return [(t, s.value, c.value) for t, s, c in rows.tuples()]


async def test_a_resident_with_no_home_and_no_email_or_phone_is_sent_no_letter(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    resident_id = await registered_with_no_home(engagement)
    await acknowledged(engagement, resident_id)
    assert await written(engagement_database, resident_id) == [
        ("complaint_acknowledged", "failed", "letter")
    ]
    refused = await engagement.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"


async def test_a_resident_with_no_home_is_texted_when_a_phone_is_held(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    resident_id = await registered_with_no_home(engagement, phone="07700 900123")
    await acknowledged(engagement, resident_id)
    assert await written(engagement_database, resident_id) == [
        ("complaint_acknowledged", "pending", "text")
    ]
