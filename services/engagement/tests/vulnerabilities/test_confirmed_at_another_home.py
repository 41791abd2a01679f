"""resident-details-confirmed is applied only to a resident of the home visited (living
there, or a tenant there before): a visit's report naming a resident of another home (a
stale or mistaken id, one visits had not heard of) changes nothing of theirs, neither
their household nor their vulnerabilities, which consent "withdrawn" at someone else's
visit would remove."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from engagement.handlers import on_resident_details_confirmed, on_tenancy_started
from engagement.models import Resident
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_kit.db import Database
from services.engagement.tests.home_events import a_uprn
from tests.harness.tokens import STAFF_SCOPES

from .test_need_to_know import (
    ClientWithScopes,
    a_tenant,
    a_visit,
    flags,
    recorded_with_consent_a_month_ago,
)


async def test_a_visit_to_another_home_changes_nothing_of_the_resident(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"})
    now = datetime.now(UTC)
    recorded = await recorded_with_consent_a_month_ago(writer, person_id, now)
    elsewhere = a_uprn()

    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(
            session, a_visit(elsewhere, person_id, now - timedelta(hours=1), household_size=1)
        )

    kept = (await writer.get(f"/v1/residents/{person_id}/vulnerabilities")).json()
    assert [v["id"] for v in kept] == [recorded["id"]]
    assert [json.loads(f)["vulnerable"] for f in await flags(engagement_database, uprn)] == [True]
    async with engagement_database.sessionmaker() as session:
        resident = (
            await session.execute(select(Resident).where(Resident.id == person_id))
        ).scalar_one()
    assert (resident.details_confirmed_at, resident.lives_alone) == (None, None)

    # The same visit at their own home is applied (control).
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(
            session, a_visit(uprn, person_id, now - timedelta(minutes=30), household_size=1)
        )
    assert (await writer.get(f"/v1/residents/{person_id}/vulnerabilities")).json() == []


async def test_a_former_tenant_confirmed_at_the_home_they_left_is_applied(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """An offline visit uploaded after the resident moved on: they were a tenant there."""
    uprn, person_id = await a_tenant(engagement_database)
    moved = TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": "T-2",
            "uprn": a_uprn(),
            "tenants": [{"person_id": person_id, "full_name": "Sam Okafor"}],
            "start_date": date(2026, 1, 5),
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        }
    )
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=moved))
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_resident_details_confirmed(
            session,
            a_visit(uprn, person_id, datetime.now(UTC), household_size=1),
        )
    async with engagement_database.sessionmaker() as session:
        resident = (
            await session.execute(select(Resident).where(Resident.id == person_id))
        ).scalar_one()
    assert (resident.uprn, resident.lives_alone) == (moved.uprn, True)
