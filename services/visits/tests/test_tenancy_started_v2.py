"""Income publishes tenancy-started v2 (tenants by person id only, no names): visits keeps
the home's tenancy and its caseload from v2 exactly as from v1. Engagement's
resident-registered and resident-updated v2 (no names) are kept as v1 were."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import (
    ResidentRegistered,
    ResidentRegisteredV2,
    ResidentUpdated,
    ResidentUpdatedV2,
)
from hearth_contracts.events.income import TenancyStarted, TenancyStartedV2
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from visits.handlers import build_handlers
from visits.models import CaseloadAssignment, ResidentProfile
from visits.programme import repository as projections
from visits.settings import CaseloadOfficers, VisitsSettings

handlers = build_handlers(
    VisitsSettings(
        environment="development",
        caseloads=CaseloadOfficers(introductory="officer-intro"),
    )
)


def started_v2(uprn: str, tenancy_id: uuid.UUID, start: date) -> Envelope[TenancyStartedV2]:
    return Envelope(
        data=TenancyStartedV2(
            tenancy_id=tenancy_id,
            tenancy_reference=f"T-{str(tenancy_id)[:8]}",
            uprn=uprn,
            tenants=[{"person_id": uuid.uuid4(), "lead": True}],
            start_date=start,
            tenancy_type="introductory",
            weekly_rent_pence=12_550,
        )
    )


async def handle(db: Database, envelope: Envelope[Any]) -> None:
    assert envelope.type in handlers
    async with db.sessionmaker() as session, session.begin():
        await handlers.apply(session, [envelope])


def test_both_versions_of_each_renamed_event_have_a_handler() -> None:
    assert handlers.get(TenancyStarted.type) is not None
    assert handlers.get(TenancyStartedV2.type) is not None
    resident_events = (ResidentRegistered, ResidentRegisteredV2, ResidentUpdated, ResidentUpdatedV2)
    for event_type in resident_events:
        assert handlers.get_batch(event_type.type) is not None


async def test_a_v2_tenancy_is_the_homes_tenancy_and_on_the_introductory_caseload(
    visits_database: Database,
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    envelope = started_v2(uprn, tenancy_id, date(2026, 2, 1))
    await handle(visits_database, envelope)
    await handle(visits_database, envelope)  # again: no change
    async with visits_database.sessionmaker() as session:
        tenancy = await projections.current_tenancy(session, uprn, date(2026, 12, 1))
        held = await session.get(CaseloadAssignment, tenancy_id)
    assert tenancy is not None
    assert tenancy.tenancy_id == tenancy_id
    assert held is not None
    assert (held.caseload, held.officer, held.introductory_ends_on) == (
        "introductory",
        "officer-intro",
        date(2027, 2, 1),
    )


async def test_residents_from_v2_events_are_kept_as_from_v1(visits_database: Database) -> None:
    uprn, tenancy_id, resident_id = a_uprn(), uuid.uuid4(), uuid.uuid4()
    registered = Envelope(
        data=ResidentRegisteredV2(
            resident_id=resident_id,
            tenancy_id=tenancy_id,
            uprn=uprn,
            preferred_channel="letter",
            language="cy",
            registered_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        )
    )
    updated = Envelope(
        data=ResidentUpdatedV2(
            resident_id=resident_id,
            tenancy_id=tenancy_id,
            uprn=uprn,
            changed=["name", "household"],
            preferred_channel="letter",
            language="cy",
            lives_alone=True,
            updated_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        )
    )
    for envelope in (registered, updated):
        handler = handlers.get_batch(envelope.type)
        assert handler is not None
        async with visits_database.sessionmaker() as session, session.begin():
            await handler(session, [envelope])
    async with visits_database.sessionmaker() as session:
        profile = await session.get(ResidentProfile, resident_id)
    assert profile is not None
    assert (profile.uprn, profile.language, profile.lives_alone) == (uprn, "cy", True)
