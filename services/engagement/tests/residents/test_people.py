"""One person id across the platform: income's tenants are residents under the ids
income named; a resident registered first is put on the tenancy that names them; a
tenant is registered only under income's person id, never found by name (ADR 0118); a
visit's confirmation of details is kept; details change with resident-updated."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from engagement.handlers import on_resident_details_confirmed, on_tenancy_started
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def tenancy_of(uprn: str, *person_ids: uuid.UUID) -> TenancyStarted:
    return TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": f"T-{uuid.uuid4().hex[:8]}",
            "uprn": uprn,
            "tenants": [
                {"person_id": person_id, "full_name": f"Tenant {n}"}
                for n, person_id in enumerate(person_ids)
            ],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 12_345,
        }
    )


async def handle(db: Database, handler: Any, envelope: Envelope[Any]) -> None:
    async with db.sessionmaker() as session, session.begin():
        await handler(session, envelope)


async def registered_events(db: Database, uprn: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.engagement.resident-registered.v2",
            )
        )
        return [json.loads(payload) for (payload,) in rows.all()]


async def test_joint_tenants_are_residents_under_the_person_ids_income_named(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    first, second = uuid.uuid4(), uuid.uuid4()
    envelope = Envelope(data=tenancy_of(uprn, first, second))
    await handle(engagement_database, on_tenancy_started, envelope)
    await handle(engagement_database, on_tenancy_started, envelope)  # again: no change
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert {r["id"] for r in listed} == {str(first), str(second)}
    assert all(r["tenancy_id"] == str(envelope.data.tenancy_id) for r in listed)
    assert {e["resident_id"] for e in await registered_events(engagement_database, uprn)} == {
        str(first),
        str(second),
    }
    assert len(await registered_events(engagement_database, uprn)) == 2


async def test_a_resident_registered_before_the_tenancy_keeps_their_id_on_it(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    response = await engagement.post(
        "/v1/residents",
        json={"full_name": "Ada Lovelace", "preferred_channel": "letter", "language": "cy"},
    )
    assert response.status_code == 201, response.text
    person_id = uuid.UUID(response.json()["id"])
    assert response.json()["tenancy_id"] is None
    uprn = a_uprn()
    assert await registered_events(engagement_database, uprn) == []
    await handle(
        engagement_database, on_tenancy_started, Envelope(data=tenancy_of(uprn, person_id))
    )
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert resident["uprn"] == uprn
    assert resident["language"] == "cy"
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(person_id)]
    [event] = await registered_events(engagement_database, uprn)
    assert event["resident_id"] == str(person_id)


async def seen(engagement: httpx.AsyncClient, person_id: uuid.UUID) -> dict[str, str]:
    """If-Match with the resident's ETag as a GET gives it (what a client edits from)."""
    return {"If-Match": (await engagement.get(f"/v1/residents/{person_id}")).headers["etag"]}


async def test_needs_are_recorded_and_changed_with_resident_updated(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    await handle(
        engagement_database, on_tenancy_started, Envelope(data=tenancy_of(uprn, person_id))
    )
    response = await engagement.patch(
        f"/v1/residents/{person_id}",
        headers=await seen(engagement, person_id),
        json={
            "email": "t@example.org",
            "preferred_channel": "email",
            "language": "pl",
            "format_needs": ["large_print", "large_print", "easy_read"],
            "accessibility_needs": ["extra_time"],
            "age_band": "75_to_84",
            "lives_alone": True,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format_needs"] == ["large_print", "easy_read"]
    assert body["age_band"] == "75_to_84"
    async with engagement_database.sessionmaker() as session:
        [payload] = (
            await session.execute(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.engagement.resident-updated.v2",
                )
            )
        ).one()
    data = json.loads(payload)
    assert set(data["changed"]) >= {"contact_details", "language", "age_band", "household"}
    assert b"t@example.org" not in payload


async def test_a_preferred_channel_without_its_contact_detail_is_refused(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    person_id = uuid.uuid4()
    await handle(
        engagement_database, on_tenancy_started, Envelope(data=tenancy_of(a_uprn(), person_id))
    )
    response = await engagement.patch(
        f"/v1/residents/{person_id}",
        json={"preferred_channel": "text"},
        headers=await seen(engagement, person_id),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"
    assert (await engagement.get(f"/v1/residents/{person_id}")).json()[
        "preferred_channel"
    ] == "letter"


async def test_a_visit_confirming_a_household_of_one_records_that_they_live_alone(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    await handle(
        engagement_database, on_tenancy_started, Envelope(data=tenancy_of(uprn, person_id))
    )
    now = datetime.now(UTC)

    def confirmed(at: datetime, size: int) -> Envelope[ResidentDetailsConfirmed]:
        return Envelope(
            data=ResidentDetailsConfirmed(
                visit_id=uuid.uuid4(),
                uprn=uprn,
                resident_id=person_id,
                household_size=size,
                corrected=["contact_details"],
                confirmed_at=at,
            )
        )

    await handle(engagement_database, on_resident_details_confirmed, confirmed(now, 1))
    await handle(
        engagement_database, on_resident_details_confirmed, confirmed(now - timedelta(days=30), 3)
    )
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert resident["lives_alone"] is True
    assert resident["household_size"] == 1
    assert resident["details_to_follow_up"] == ["contact_details"]


async def test_recording_a_tenant_by_their_person_id_keeps_one_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    tenancy = tenancy_of(uprn, person_id)
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    response = await engagement.post(
        "/v1/residents",
        json={
            "person_id": str(person_id),
            "tenancy_id": str(tenancy.tenancy_id),
            "uprn": uprn,
            "full_name": "Tenant 0",
            "phone": "07700 900123",
            "preferred_channel": "text",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["id"] == str(person_id)
    assert response.json()["preferred_channel"] == "text"
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(person_id)]


def a_tenant_unnamed(tenancy: TenancyStarted, full_name: str) -> dict[str, Any]:
    """A tenant of the tenancy as staff would register them, without a person id."""
    return {
        "tenancy_id": str(tenancy.tenancy_id),
        "uprn": tenancy.uprn,
        "full_name": full_name,
        "preferred_channel": "letter",
        "language": "pl",
    }


async def test_a_tenant_is_never_registered_without_income_s_person_id(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """ADR 0118: before income announced the tenancy, a new id was minted and its
    tenancy-started then made a second resident of the same person; after, a tenant
    with the same name was taken to be them. Neither: a 422 naming person_id."""
    uprn = a_uprn()
    person_id = uuid.uuid4()
    tenancy = tenancy_of(uprn, person_id)
    ahead = await engagement.post("/v1/residents", json=a_tenant_unnamed(tenancy, "Tenant 0"))
    assert ahead.status_code == 422, ahead.text
    assert ahead.json()["field"] == "person_id"
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(person_id)]
    by_name = await engagement.post("/v1/residents", json=a_tenant_unnamed(tenancy, "tenant  0"))
    assert by_name.status_code == 422, by_name.text
    assert by_name.json()["field"] == "person_id"
    resident = (await engagement.get(f"/v1/residents/{person_id}")).json()
    assert resident["language"] == "en"  # nothing recorded on them by name


async def test_a_person_id_an_announced_tenancy_does_not_name_is_refused(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id, stranger = uuid.uuid4(), uuid.uuid4()
    tenancy = tenancy_of(uprn, person_id)
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    response = await engagement.post(
        "/v1/residents",
        json={**a_tenant_unnamed(tenancy, "Tenant 0"), "person_id": str(stranger)},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "person_id"
    assert (await engagement.get(f"/v1/residents/{stranger}")).status_code == 404
    named = await engagement.post(
        "/v1/residents",
        json={**a_tenant_unnamed(tenancy, "Tenant 0"), "person_id": str(person_id)},
    )
    assert named.status_code == 201, named.text
    assert named.json()["id"] == str(person_id)
    assert named.json()["language"] == "pl"


async def test_a_resident_on_no_tenancy_is_not_put_on_one_that_does_not_name_them(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """ADR 0118: someone registered on no tenancy, then given an announced tenancy whose
    tenants income named under other ids, would be a second record of one of them."""
    uprn = a_uprn()
    tenancy = tenancy_of(uprn, uuid.uuid4())
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    unplaced = await engagement.post(
        "/v1/residents", json={"full_name": "Ada Lovelace", "preferred_channel": "letter"}
    )
    assert unplaced.status_code == 201, unplaced.text
    response = await engagement.post(
        "/v1/residents",
        json={**a_tenant_unnamed(tenancy, "Ada Lovelace"), "person_id": unplaced.json()["id"]},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "person_id"
    still = (await engagement.get(f"/v1/residents/{unplaced.json()['id']}")).json()
    assert (still["tenancy_id"], still["language"]) == (None, "en")


async def test_a_person_registered_before_income_announces_the_tenancy_keeps_the_id(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    person_id = uuid.uuid4()
    tenancy = tenancy_of(uprn, person_id)
    response = await engagement.post(
        "/v1/residents",
        json={
            "person_id": str(person_id),
            "tenancy_id": str(tenancy.tenancy_id),
            "uprn": uprn,
            "full_name": "Tenant 0",
            "preferred_channel": "letter",
        },
    )
    assert response.json()["id"] == str(person_id)
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(person_id)]
    assert len(await registered_events(engagement_database, uprn)) == 1


async def test_a_resident_registered_ahead_whom_the_tenancy_does_not_name_is_flagged(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """ADR 0118: registered on a tenancy ahead of income's announcement under an id the
    announcement does not name (minted before tenants needed income's id, or typed
    wrong), they may be a second record of a tenant: flagged for staff to reconcile
    (`person_id` to follow up), once, and never matched by name."""
    uprn = a_uprn()
    named, registered_ahead = uuid.uuid4(), uuid.uuid4()
    tenancy = tenancy_of(uprn, named)
    response = await engagement.post(
        "/v1/residents",
        json={**a_tenant_unnamed(tenancy, "Tenant 0"), "person_id": str(registered_ahead)},
    )
    assert response.status_code == 201, response.text
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    flagged = (await engagement.get(f"/v1/residents/{registered_ahead}")).json()
    assert flagged["details_to_follow_up"] == ["person_id"]
    assert flagged["version"] == response.json()["version"] + 1
    tenant = (await engagement.get(f"/v1/residents/{named}")).json()
    assert "person_id" not in tenant["details_to_follow_up"]
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))  # again
    again = (await engagement.get(f"/v1/residents/{registered_ahead}")).json()
    assert (again["details_to_follow_up"], again["version"]) == (["person_id"], flagged["version"])
    await handle(
        engagement_database,
        on_resident_details_confirmed,
        Envelope(
            data=ResidentDetailsConfirmed(
                visit_id=uuid.uuid4(),
                resident_id=registered_ahead,
                uprn=uprn,
                confirmed_at=datetime.now(UTC),
                household_size=2,
                corrected=[],
            )
        ),
    )
    confirmed = (await engagement.get(f"/v1/residents/{registered_ahead}")).json()
    assert confirmed["details_to_follow_up"] == ["person_id"]  # a visit reconciles nothing
