"""Vulnerabilities are need to know: recorded with consent, read only with
vulnerabilities:read (each read audited), announced to other services as a flag with
no detail."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from engagement.handlers import on_resident_details_confirmed, on_tenancy_started
from engagement.models import Vulnerability
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from tests.harness.tokens import STAFF_SCOPES

ClientWithScopes = Callable[[frozenset[str]], httpx.AsyncClient]
DETAIL = "Uses oxygen at night; hard of hearing on the left side"


async def a_tenant(db: Database) -> tuple[str, uuid.UUID]:
    uprn = str(random.randint(10**9, 10**12 - 1))
    person_id = uuid.uuid4()
    event = TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": "T-1",
            "uprn": uprn,
            "tenants": [{"person_id": person_id, "full_name": "Sam Okafor"}],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        }
    )
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=event))
    return uprn, person_id


def a_vulnerability(**overrides: object) -> dict[str, object]:
    return {
        "category": "dependent_on_medical_equipment",
        "detail": DETAIL,
        "adjustments": ["call_before_visiting"],
        "consent": True,
        "consent_given_at": datetime.now(UTC).isoformat(),
        "review_on": (date.today() + timedelta(days=180)).isoformat(),
        **overrides,
    }


async def recorded_with_consent_a_month_ago(
    writer: httpx.AsyncClient, person_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """A vulnerability recorded for the resident, consent given 30 days before `now`."""
    recorded = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities",
        json=a_vulnerability(consent_given_at=(now - timedelta(days=30)).isoformat()),
    )
    assert recorded.status_code == 201, recorded.text
    receipt: dict[str, Any] = recorded.json()
    return receipt


async def flags(db: Database, uprn: str) -> list[bytes]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload)
            .where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.engagement.vulnerability-recorded.v2",
            )
            .order_by(outbox_message.c.id)
        )
        return [payload for (payload,) in rows.all()]


async def test_a_token_without_vulnerabilities_read_never_sees_a_vulnerability(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    response = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability()
    )
    assert response.status_code == 201, response.text

    staff = engagement_as(STAFF_SCOPES)
    refused = await staff.get(f"/v1/residents/{person_id}/vulnerabilities")
    assert refused.status_code == 403
    assert DETAIL not in refused.text
    for path in (f"/v1/residents/{person_id}", f"/v1/residents?uprn={uprn}"):
        answer = await staff.get(path)
        assert answer.status_code == 200
        assert DETAIL not in answer.text
        assert "dependent_on_medical_equipment" not in answer.text
    # Writing does not let one read either.
    assert (await writer.get(f"/v1/residents/{person_id}/vulnerabilities")).status_code == 403


async def test_every_read_is_audited(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    _, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability())
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    for _ in range(2):
        response = await reader.get(f"/v1/residents/{person_id}/vulnerabilities")
        assert response.status_code == 200
        [shown] = response.json()
        assert shown["detail"] == DETAIL
    audit = (await reader.get(f"/v1/residents/{person_id}/vulnerabilities/reads")).json()
    assert len(audit) == 2
    assert audit[0]["reader"] == "test-staff"
    assert audit[0]["records_shown"] == 1


async def test_other_services_get_only_the_flag_and_it_clears_when_consent_is_withdrawn(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability())
    [flag] = await flags(engagement_database, uprn)
    assert b"oxygen" not in flag
    # Only the flag: the category is special-category data and stays in engagement.
    assert b"dependent_on_medical_equipment" not in flag
    data = json.loads(flag)
    assert data["vulnerable"] is True
    assert "categories" not in data
    assert data["adjustments"] == ["call_before_visiting"]

    withdrawn = ResidentDetailsConfirmed(
        visit_id=uuid.uuid4(),
        uprn=uprn,
        resident_id=person_id,
        household_size=2,
        vulnerability_consent=False,
        confirmed_at=datetime.now(UTC),
    )
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(session, Envelope(data=withdrawn))
    cleared = json.loads((await flags(engagement_database, uprn))[-1])
    assert cleared["vulnerable"] is False
    assert cleared["adjustments"] == []
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    assert (await reader.get(f"/v1/residents/{person_id}/vulnerabilities")).json() == []
    # Nothing of the free text stays in the database either.
    assert await details_kept(engagement_database, person_id) == [None]


async def details_kept(db: Database, resident_id: uuid.UUID) -> list[str | None]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Vulnerability.detail).where(Vulnerability.resident_id == resident_id)
        )
        return [detail for (detail,) in rows.all()]


async def test_a_removed_vulnerability_keeps_no_detail(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    _, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    recorded = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability()
    )
    assert await details_kept(engagement_database, person_id) == [DETAIL]
    removed = await writer.delete(
        f"/v1/residents/{person_id}/vulnerabilities/{recorded.json()['id']}"
    )
    assert removed.status_code == 204, removed.text
    assert await details_kept(engagement_database, person_id) == [None]


async def removed_at(db: Database, vulnerability_id: str) -> datetime | None:
    async with db.sessionmaker() as session:
        vulnerability = await session.get(Vulnerability, uuid.UUID(vulnerability_id))
        assert vulnerability is not None
        return vulnerability.removed_at


async def test_removing_a_vulnerability_again_answers_204_and_changes_nothing(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """A retry of the removal (after a 503 that may or may not have written, or by a
    second officer) is not told the vulnerability never existed: the same 204, its
    removal time kept and no flag published again. An id the resident never had is
    still a 404."""
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    recorded = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability()
    )
    vulnerability_id = recorded.json()["id"]
    path = f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}"
    first = await writer.delete(path)
    assert first.status_code == 204, first.text
    went = await removed_at(engagement_database, vulnerability_id)
    published = await flags(engagement_database, uprn)
    assert [json.loads(p)["vulnerable"] for p in published] == [True, False]

    again = await writer.delete(path)
    assert again.status_code == 204, again.text
    assert again.content == b""
    assert await removed_at(engagement_database, vulnerability_id) == went
    assert await flags(engagement_database, uprn) == published

    never = await writer.delete(f"/v1/residents/{person_id}/vulnerabilities/{uuid.uuid4()}")
    assert never.status_code == 404
    assert never.headers["content-type"] == "application/problem+json"


async def test_without_consent_nothing_is_recorded(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    response = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability(consent=False)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent"
    assert await flags(engagement_database, uprn) == []


async def test_recording_and_reviewing_answer_a_receipt_never_the_vulnerability(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    sent = a_vulnerability()
    recorded = await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=sent)
    assert recorded.status_code == 201
    assert DETAIL not in recorded.text
    assert "dependent_on_medical_equipment" not in recorded.text
    # What the caller sent (the review date), the ids and the moment of this record.
    assert set(recorded.json()) == {"id", "resident_id", "review_on", "recorded_at", "reviewed_at"}
    assert recorded.json()["review_on"] == sent["review_on"]
    assert recorded.json()["reviewed_at"] is None
    next_review = (date.today() + timedelta(days=365)).isoformat()
    review = {"reviewed_at": datetime.now(UTC).isoformat(), "review_on": next_review}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    # A review is the reviewer's: vulnerabilities:read as well as :write.
    reviewer = engagement_as(STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"})
    reviewed = await reviewer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{recorded.json()['id']}/review",
        json=review,
        headers=key,
    )
    assert reviewed.status_code == 200, reviewed.text
    flags_after_review = len(await flags(engagement_database, uprn))
    # A retried review (same key) gets the first answer and publishes nothing more.
    retried = await reviewer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{recorded.json()['id']}/review",
        json=review,
        headers=key,
    )
    assert retried.status_code == 200
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert len(await flags(engagement_database, uprn)) == flags_after_review
    assert DETAIL not in reviewed.text
    assert reviewed.json()["review_on"] == next_review
    assert json.loads((await flags(engagement_database, uprn))[-1])["review_on"] == next_review
    past = await reviewer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{recorded.json()['id']}/review",
        json={"reviewed_at": datetime.now(UTC).isoformat(), "review_on": "2020-01-01"},
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "review_on"


async def test_a_vulnerability_recorded_before_a_tenancy_is_announced_when_they_get_a_home(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Recorded while the resident had no home, the flag had nothing to be keyed by and
    was never published; it is published when income's tenancy-started puts them on
    one (and not again when the same event is handled twice)."""
    created = await engagement.post(
        "/v1/residents", json={"full_name": "Ade Bello", "preferred_channel": "letter"}
    )
    person_id = uuid.UUID(created.json()["id"])
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    recorded = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability()
    )
    assert recorded.status_code == 201, recorded.text
    uprn = str(random.randint(10**9, 10**12 - 1))
    started = TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": "T-2",
            "uprn": uprn,
            "tenants": [{"person_id": person_id, "full_name": "Ade Bello"}],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        }
    )
    for _ in range(2):
        async with engagement_database.sessionmaker() as session, session.begin():
            await on_tenancy_started(session, Envelope(data=started))
    [flag] = await flags(engagement_database, uprn)
    data = json.loads(flag)
    assert data["resident_id"] == str(person_id)
    assert data["vulnerable"] is True
    assert b"dependent_on_medical_equipment" not in flag
    assert b"oxygen" not in flag


async def test_a_vulnerability_recorded_before_registration_on_a_tenancy_is_announced(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """The same through the API: the known person registered again with their tenancy."""
    created = await engagement.post(
        "/v1/residents", json={"full_name": "Ade Bello", "preferred_channel": "letter"}
    )
    person_id = created.json()["id"]
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability())
    uprn = str(random.randint(10**9, 10**12 - 1))
    again = await engagement.post(
        "/v1/residents",
        json={
            "full_name": "Ade Bello",
            "preferred_channel": "letter",
            "person_id": person_id,
            "tenancy_id": str(uuid.uuid4()),
            "uprn": uprn,
        },
    )
    assert again.status_code in (200, 201), again.text
    [flag] = await flags(engagement_database, uprn)
    assert json.loads(flag)["vulnerable"] is True


def a_visit(uprn: str, person_id: uuid.UUID, at: datetime, **overrides: object) -> Envelope[Any]:
    return Envelope(
        data=ResidentDetailsConfirmed.model_validate(
            {
                "visit_id": uuid.uuid4(),
                "uprn": uprn,
                "resident_id": person_id,
                "household_size": 2,
                "vulnerability_consent": False,
                "confirmed_at": at,
                **overrides,
            }
        )
    )


async def test_consent_withdrawn_at_an_offline_visit_clears_the_flag_as_of_its_upload(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """The visit was two hours ago, offline; a review since published the flag. The
    clear is the newest state, so consumers (versioning by recorded_at) must take it."""
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"})
    now = datetime.now(UTC)
    recorded = await recorded_with_consent_a_month_ago(writer, person_id, now)
    reviewed = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{recorded['id']}/review",
        json={
            "reviewed_at": now.isoformat(),
            "review_on": (date.today() + timedelta(days=90)).isoformat(),
        },
    )
    assert reviewed.status_code == 200, reviewed.text
    before = json.loads((await flags(engagement_database, uprn))[-1])

    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(
            session, a_visit(uprn, person_id, now - timedelta(hours=2))
        )
    cleared = json.loads((await flags(engagement_database, uprn))[-1])
    assert cleared["vulnerable"] is False
    assert datetime.fromisoformat(cleared["recorded_at"]) > datetime.fromisoformat(
        before["recorded_at"]
    )


async def test_consent_withdrawn_at_a_visit_keeps_one_recorded_with_consent_given_since(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    now = datetime.now(UTC)
    visited_at = now - timedelta(hours=2)
    for consent_given_at, adjustment in (
        (now - timedelta(days=30), "call_before_visiting"),
        (now - timedelta(hours=1), "extra_time"),  # after the visit
    ):
        response = await writer.post(
            f"/v1/residents/{person_id}/vulnerabilities",
            json=a_vulnerability(
                consent_given_at=consent_given_at.isoformat(), adjustments=[adjustment]
            ),
        )
        assert response.status_code == 201, response.text

    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(session, a_visit(uprn, person_id, visited_at))
    flag = json.loads((await flags(engagement_database, uprn))[-1])
    assert (flag["vulnerable"], flag["adjustments"]) == (True, ["extra_time"])
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    kept = (await reader.get(f"/v1/residents/{person_id}/vulnerabilities")).json()
    assert [v["adjustments"] for v in kept] == [["extra_time"]]


async def test_a_visit_uploaded_late_publishes_living_alone_as_of_now(
    engagement_database: Database,
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    visited_at = datetime.now(UTC) - timedelta(hours=2)
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(
            session,
            a_visit(uprn, person_id, visited_at, household_size=1, vulnerability_consent=None),
        )
    async with engagement_database.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.engagement.resident-updated.v2",
            )
        )
        [updated] = [json.loads(payload) for (payload,) in rows.all()]
    assert updated["lives_alone"] is True
    assert datetime.fromisoformat(updated["updated_at"]) > visited_at
