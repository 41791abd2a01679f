"""Merging a second record of one person into the resident kept (ADR 0124): POST
/v1/residents/{resident_id}/merge re-keys everything engagement holds under the
duplicate's id, keeps the kept resident's details where both have one, marks the
duplicate merged (its id then answers a problem naming the one kept), clears its
flag and publishes resident-merged, ids only. Every refusal changes nothing and
publishes nothing."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from engagement.handlers import on_resident_details_confirmed, on_tenancy_started
from engagement.models import (
    Complaint,
    Contact,
    Message,
    MessageStatus,
    Resident,
    Vulnerability,
)
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactChannel
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from tests.harness.events import a_tenancy_of
from tests.harness.tokens import STAFF_SCOPES

from ..conftest import ClientWithScopes
from ..vulnerabilities.test_need_to_know import a_vulnerability

MERGED = "uk.hearth.engagement.resident-merged.v1"
FLAG = "uk.hearth.engagement.vulnerability-recorded.v2"


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def tenancy_started(
    db: Database, uprn: str, tenancy_id: uuid.UUID, *person_ids: uuid.UUID
) -> None:
    event = a_tenancy_of(uprn, *person_ids, tenancy_id=tenancy_id)
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=event))


async def recorded_twice(
    engagement: httpx.AsyncClient, db: Database
) -> tuple[str, uuid.UUID, uuid.UUID, uuid.UUID]:
    """A tenant registered ahead under an id income does not name (the duplicate, with
    their name, email and large print), then income's tenancy-started naming its own
    id (the tenant kept, name not yet known): the duplicate is flagged `person_id`."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    duplicate, kept = uuid.uuid4(), uuid.uuid4()
    registered = await engagement.post(
        "/v1/residents",
        json={
            "person_id": str(duplicate),
            "tenancy_id": str(tenancy_id),
            "uprn": uprn,
            "full_name": "Ada Lovelace",
            "email": "ada@example.org",
            "preferred_channel": "email",
            "language": "en",
            "format_needs": ["large_print"],
        },
    )
    assert registered.status_code == 201, registered.text
    await tenancy_started(db, uprn, tenancy_id, kept)
    flagged = (await engagement.get(f"/v1/residents/{duplicate}")).json()
    assert flagged["details_to_follow_up"] == ["person_id"]
    return uprn, tenancy_id, kept, duplicate


async def etag(engagement: httpx.AsyncClient, resident_id: uuid.UUID) -> str:
    response = await engagement.get(f"/v1/residents/{resident_id}")
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def merge(
    engagement: httpx.AsyncClient,
    kept: uuid.UUID,
    duplicate: uuid.UUID,
    *,
    if_match: str | None = None,
    key: str | None = None,
) -> httpx.Response:
    headers = {"If-Match": if_match or await etag(engagement, kept)}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await engagement.post(
        f"/v1/residents/{kept}/merge",
        json={"duplicate_person_id": str(duplicate)},
        headers=headers,
    )


async def published(db: Database, uprn: str, event_type: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload)
            .where(outbox_message.c.message_key == uprn, outbox_message.c.event_type == event_type)
            .order_by(outbox_message.c.id)
        )
        return [json.loads(payload) for (payload,) in rows.all()]


def a_message(
    resident_id: uuid.UUID, uprn: str, source_id: uuid.UUID, status: MessageStatus
) -> Message:
    now = datetime.now(UTC)
    return Message(
        id=uuid.uuid4(),
        resident_id=resident_id,
        uprn=uprn,
        template="check-due",
        source_id=source_id,
        language="en",
        channel=ContactChannel.LETTER,
        subject="Your gas safety check is due",
        body="We will write with an appointment.",
        status=status,
        created_at=now,
        sent_at=now if status is MessageStatus.SENT else None,
    )


async def held_by(db: Database, model: Any, resident_id: uuid.UUID) -> int:
    async with db.sessionmaker() as session:
        query = select(func.count()).select_from(model).where(model.resident_id == resident_id)
        return int((await session.execute(query)).scalar_one())


async def as_stored(db: Database, *resident_ids: uuid.UUID) -> list[tuple[Any, ...]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(
                col(Resident.id),
                col(Resident.version),
                col(Resident.merged_into),
                col(Resident.tenancy_id),
                col(Resident.details_to_follow_up),
            )
            .where(col(Resident.id).in_(resident_ids))
            .order_by(col(Resident.id))
        )
        return [tuple(row) for row in rows.all()]


async def test_a_duplicate_merged_into_the_tenant_income_names_becomes_theirs(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    db = engagement_database
    uprn, tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    # What staff recorded on the duplicate: a contact, a complaint (and its
    # acknowledgement letter), a vulnerability with consent, a diversity profile.
    contact = await engagement.post(
        "/v1/contacts",
        json={
            "uprn": uprn,
            "resident_id": str(duplicate),
            "direction": "inbound",
            "medium": "phone",
            "reason": "repair",
            "contacted_at": datetime.now(UTC).isoformat(),
        },
    )
    assert contact.status_code == 201, contact.text
    complaint = await engagement.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "resident_id": str(duplicate),
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler was left unrepaired for three weeks",
            "received_at": datetime.now(UTC).isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    vulnerability = await writer.post(
        f"/v1/residents/{duplicate}/vulnerabilities", json=a_vulnerability()
    )
    assert vulnerability.status_code == 201, vulnerability.text
    diversity = await engagement.put(
        f"/v1/residents/{duplicate}/diversity", json={"ethnicity": "prefer_not_to_say"}
    )
    assert diversity.status_code == 204, diversity.text
    # Letters: the home's letter both records got (pending for each: the duplicate's
    # goes, one letter is enough), one only the duplicate got (re-keyed), and one both
    # were sent (the duplicate's stays under its id, the record of what went to it).
    both_pending, only_theirs, both_sent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        for resident_id, source_id, status in (
            (duplicate, both_pending, MessageStatus.PENDING),
            (kept, both_pending, MessageStatus.PENDING),
            (duplicate, only_theirs, MessageStatus.SENT),
            (duplicate, both_sent, MessageStatus.SENT),
            (kept, both_sent, MessageStatus.SENT),
        ):
            session.add(a_message(resident_id, uprn, source_id, status))
    flags_before = len(await published(db, uprn, FLAG))

    response = await merge(engagement, kept, duplicate, key=f"merge-{duplicate}")
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == str(kept)
    # The kept resident had no name, email or needs: the duplicate's fill the gaps;
    # where both have one (channel, language), the kept resident's stays.
    assert merged["full_name"] == "Ada Lovelace"
    assert merged["email"] == "ada@example.org"
    assert merged["preferred_channel"] == "letter"
    assert merged["format_needs"] == ["large_print"]
    assert merged["details_to_follow_up"] == []
    assert merged["tenancy_id"] == str(tenancy_id)

    # Everything named by the duplicate is the kept resident's.
    for model in (Contact, Complaint, Vulnerability):
        assert await held_by(db, model, duplicate) == 0, model
        assert await held_by(db, model, kept) == 1, model
    async with db.sessionmaker() as session:
        letters = await session.execute(
            select(col(Message.resident_id), col(Message.source_id)).where(
                col(Message.uprn) == uprn
            )
        )
        assert sorted(letters.all()) == sorted(
            [(kept, both_pending), (kept, only_theirs), (kept, both_sent), (duplicate, both_sent)]
        )

    # The duplicate's id answers a problem naming the one kept, and is on no list.
    gone = await engagement.get(f"/v1/residents/{duplicate}")
    assert gone.status_code == 404, gone.text
    assert gone.json()["type"].endswith("/resident-merged")
    assert gone.json()["merged_into"] == str(kept)
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(kept)]
    flagged = await engagement.get(
        "/v1/residents", params={"follow_up": "person_id", "tenancy_id": str(tenancy_id)}
    )
    assert flagged.json()["items"] == []

    # resident-merged: ids and the time only; the vulnerability flag under the kept id.
    events = await published(db, uprn, MERGED)
    assert len(events) == 1
    assert set(events[0]) == {
        "person_id",
        "duplicate_person_id",
        "uprn",
        "merged_at",
        "earlier_duplicate_person_ids",
    }
    assert events[0]["earlier_duplicate_person_ids"] == []
    assert (events[0]["person_id"], events[0]["duplicate_person_id"]) == (
        str(kept),
        str(duplicate),
    )
    flags = await published(db, uprn, FLAG)
    assert len(flags) == flags_before + 1
    assert flags[-1]["resident_id"] == str(kept)
    assert flags[-1]["vulnerable"] is True

    # The same key again: the first answer, nothing merged or published twice.
    again = await merge(engagement, kept, duplicate, if_match="*", key=f"merge-{duplicate}")
    assert again.status_code == 200, again.text
    assert again.json() == merged
    assert len(await published(db, uprn, MERGED)) == 1


async def test_a_merge_names_the_ids_merged_into_the_duplicate_before(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A merged into B, then B into C (ADR 0148): the second resident-merged names A as
    merged into the duplicate before, so a consumer handling it ahead of the first (two
    homes, two partitions) moves A's rows to C too; the first names none."""
    uprn, _, third, second = await recorded_twice(engagement, engagement_database)
    registered = await engagement.post(
        "/v1/residents", json={"full_name": "Ada Lovelace", "preferred_channel": "letter"}
    )
    assert registered.status_code == 201, registered.text
    first = uuid.UUID(registered.json()["id"])
    assert (await merge(engagement, second, first)).status_code == 200
    assert (await merge(engagement, third, second)).status_code == 200

    events = await published(engagement_database, uprn, MERGED)
    assert [
        (e["duplicate_person_id"], e["person_id"], e["earlier_duplicate_person_ids"])
        for e in events
    ] == [(str(first), str(second), []), (str(second), str(third), [str(first)])]


async def test_income_naming_the_merged_id_again_is_about_the_resident_kept(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """An old tenancy-started naming the duplicate's id, replayed after the merge, puts
    the resident kept on the tenancy: the duplicate is not made a resident again."""
    db = engagement_database
    uprn, _tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    assert (await merge(engagement, kept, duplicate)).status_code == 200
    await tenancy_started(db, uprn, uuid.uuid4(), duplicate)
    assert (await engagement.get(f"/v1/residents/{duplicate}")).status_code == 404
    listed = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in listed] == [str(kept)]
    again = await engagement.post(
        "/v1/residents",
        json={"person_id": str(duplicate), "full_name": "Ada", "preferred_channel": "letter"},
    )
    assert again.status_code == 422, again.text
    assert again.json()["errors"][0]["field"] == "person_id"


async def test_a_visit_report_naming_the_merged_id_is_about_the_resident_kept(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Visits may still hold the duplicate's id: its resident-details-confirmed is
    applied to the resident kept, never lost as about an unknown resident."""
    db = engagement_database
    uprn, _tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    assert (await merge(engagement, kept, duplicate)).status_code == 200
    confirmed = ResidentDetailsConfirmed(
        visit_id=uuid.uuid4(),
        uprn=uprn,
        resident_id=duplicate,
        household_size=1,
        confirmed_at=datetime.now(UTC),
    )
    async with db.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(session, Envelope(data=confirmed))
    resident = (await engagement.get(f"/v1/residents/{kept}")).json()
    assert (resident["household_size"], resident["lives_alone"]) == (1, True)


async def refused_and_nothing_changed(
    engagement: httpx.AsyncClient,
    db: Database,
    uprn: str,
    response: httpx.Response,
    status: int,
    field: str | None,
    residents: tuple[uuid.UUID, ...],
    before: list[tuple[Any, ...]],
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert response.json()["errors"][0]["field"] == field
    assert await as_stored(db, *residents) == before
    assert await published(db, uprn, MERGED) == []


async def test_each_refusal_names_the_field_and_changes_nothing(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    db = engagement_database
    uprn, _tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    both = (kept, duplicate)
    before = await as_stored(db, *both)

    async def refused(response: httpx.Response, status: int, field: str | None) -> None:
        await refused_and_nothing_changed(
            engagement, db, uprn, response, status, field, both, before
        )

    # Into themselves.
    await refused(await merge(engagement, kept, kept), 422, "duplicate_person_id")
    # An unknown duplicate.
    await refused(await merge(engagement, kept, uuid.uuid4()), 422, "duplicate_person_id")
    # Keeping the record income does not name over the tenant it names (ADR 0118).
    await refused(await merge(engagement, duplicate, kept), 422, "duplicate_person_id")
    # No If-Match, or a stale one.
    no_precondition = await engagement.post(
        f"/v1/residents/{kept}/merge", json={"duplicate_person_id": str(duplicate)}
    )
    await refused(no_precondition, 428, "If-Match")
    await refused(await merge(engagement, kept, duplicate, if_match='"999"'), 412, "If-Match")
    # An unknown resident to keep.
    await refused(await merge(engagement, uuid.uuid4(), duplicate, if_match="*"), 404, None)

    # Another household: residents on two tenancies are two people.
    elsewhere, other_tenancy = a_uprn(), uuid.uuid4()
    neighbour = uuid.uuid4()
    await tenancy_started(db, elsewhere, other_tenancy, neighbour)
    neighbour_before = await as_stored(db, neighbour)
    await refused(await merge(engagement, kept, neighbour), 422, "duplicate_person_id")
    assert await as_stored(db, neighbour) == neighbour_before
    # A duplicate on a tenancy kept into a resident on none.
    nobody = await engagement.post(
        "/v1/residents", json={"full_name": "A Caller", "preferred_channel": "letter"}
    )
    no_home = uuid.UUID(nobody.json()["id"])
    await refused(await merge(engagement, no_home, duplicate), 422, "duplicate_person_id")

    # Once merged, the duplicate cannot be merged again, nor kept.
    assert (await merge(engagement, kept, duplicate)).status_code == 200
    after = await as_stored(db, *both)
    second = await merge(engagement, kept, duplicate)
    assert second.status_code == 422, second.text
    assert second.json()["errors"][0]["field"] == "duplicate_person_id"
    into_merged = await merge(engagement, duplicate, no_home, if_match="*")
    assert into_merged.status_code == 404, into_merged.text
    assert into_merged.json()["merged_into"] == str(kept)
    changed = await engagement.patch(
        f"/v1/residents/{duplicate}", json={"language": "pl"}, headers={"If-Match": "*"}
    )
    assert changed.status_code == 404, changed.text
    assert await as_stored(db, *both) == after
    assert len(await published(db, uprn, MERGED)) == 1
