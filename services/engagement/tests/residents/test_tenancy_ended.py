"""A tenancy ends (income's tenancy-ended): its tenants stay residents (their complaints,
contacts and history are theirs) but no longer live in its home, so the home's letters
(check due, appointments, the safety record's copy, survey invitations) go to whoever
lives there now, never to a former tenant. Which tenancy a resident is on is versioned
by the tenancy's start date: an older tenancy-started arriving late never moves them
back to a home they left."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from engagement.app import build_services
from engagement.handlers import on_tenancy_ended, on_tenancy_started
from engagement.residents import repository as residents
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckCompleted, CheckDue, CheckOutcome, CheckType
from hearth_contracts.events.income import TenancyEnded, TenancyEndReason, TenancyStartedV2
from hearth_contracts.events.repairs import AppointmentBooked, AppointmentSlot
from hearth_kit.db import Database


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def started(uprn: str, start_date: date, *person_ids: uuid.UUID) -> TenancyStartedV2:
    return TenancyStartedV2(
        tenancy_id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=uprn,
        tenants=[{"person_id": p, "lead": n == 0} for n, p in enumerate(person_ids)],
        start_date=start_date,
        tenancy_type="secure",
        weekly_rent_pence=10_000,
    )


def ended(tenancy: TenancyStartedV2, end_date: date) -> TenancyEnded:
    return TenancyEnded(
        tenancy_id=tenancy.tenancy_id,
        uprn=tenancy.uprn,
        end_date=end_date,
        reason=TenancyEndReason.TRANSFER,
        closing_balance_pence=0,
    )


async def handle(db: Database, handler: Any, envelope: Envelope[Any]) -> None:
    async with db.sessionmaker() as session, session.begin():
        await handler(session, envelope)


async def living_at(db: Database, uprn: str) -> set[uuid.UUID]:
    async with db.sessionmaker() as session:
        return {r.id for r in await residents.on_home(session, uprn, date(2026, 12, 1))}


async def letters(client: httpx.AsyncClient, person: uuid.UUID) -> list[str]:
    response = await client.get(f"/v1/residents/{person}/messages")
    assert response.status_code == 200, response.text
    return [m["template"] for m in response.json()["items"]]


async def test_a_former_tenant_gets_none_of_the_homes_letters_and_stays_a_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    leaving, arriving = uuid.uuid4(), uuid.uuid4()
    old = started(uprn, date(2020, 1, 6), leaving)
    await handle(engagement_database, on_tenancy_started, Envelope(data=old))
    end = Envelope(data=ended(old, date(2026, 11, 1)))
    await handle(engagement_database, on_tenancy_ended, end)
    await handle(engagement_database, on_tenancy_ended, end)  # again: no change
    new = started(uprn, date(2026, 11, 2), arriving)
    await handle(engagement_database, on_tenancy_started, Envelope(data=new))

    assert await living_at(engagement_database, uprn) == {arriving}
    handlers = build_services(EngagementSettings()).handlers
    now = datetime.now(UTC)
    for event in (
        CheckDue(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            due_by=date(2027, 1, 4),
            raised_at=now,
        ),
        AppointmentBooked(
            appointment_id=uuid.uuid4(),
            uprn=uprn,
            repair_ids=[uuid.uuid4()],
            slot=AppointmentSlot.AM,
            window_start=now + timedelta(days=2),
            window_end=now + timedelta(days=2, hours=4),
            made_at_first_contact=True,
            booked_at=now,
        ),
        CheckCompleted(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            outcome=CheckOutcome.SATISFACTORY,
            certificate_reference="CP12-123456",
            completed_at=now - timedelta(hours=1),
            next_due_by=date(2027, 11, 1),
            copy_to_tenant_by=date(2026, 12, 28),
        ),
    ):
        handler = handlers.get(event.type)
        assert handler is not None
        await handle(engagement_database, handler, Envelope(data=event))

    assert await letters(engagement, leaving) == []
    assert sorted(await letters(engagement, arriving)) == [
        "appointment_booked",
        "check_due",
        "check_record_copy",
        "survey_invitation",
    ]
    # Still a resident, on the tenancy that ended, its home kept as their last one.
    former = (await engagement.get(f"/v1/residents/{leaving}")).json()
    assert (former["tenancy_id"], former["uprn"]) == (str(old.tenancy_id), uprn)
    assert former["tenancy_ended_on"] == "2026-11-01"
    # The home's residents are who lives there now; the tenancy's are still its tenants.
    by_home = (await engagement.get("/v1/residents", params={"uprn": uprn})).json()["items"]
    assert [r["id"] for r in by_home] == [str(arriving)]
    by_tenancy = (
        await engagement.get("/v1/residents", params={"tenancy_id": str(old.tenancy_id)})
    ).json()["items"]
    assert [r["id"] for r in by_tenancy] == [str(leaving)]


async def test_the_ended_tenancys_start_redelivered_does_not_make_them_residents_again(
    engagement_database: Database,
) -> None:
    uprn = a_uprn()
    person = uuid.uuid4()
    tenancy = started(uprn, date(2021, 3, 1), person)
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    await handle(engagement_database, on_tenancy_ended, Envelope(data=ended(tenancy, date.today())))
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    assert await living_at(engagement_database, uprn) == set()


async def test_an_end_handled_before_its_start_leaves_the_tenants_former_tenants(
    engagement_database: Database,
) -> None:
    """A replayed dead letter can bring tenancy-started after tenancy-ended."""
    uprn = a_uprn()
    person = uuid.uuid4()
    tenancy = started(uprn, date(2021, 3, 1), person)
    await handle(engagement_database, on_tenancy_ended, Envelope(data=ended(tenancy, date.today())))
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    assert await living_at(engagement_database, uprn) == set()
    async with engagement_database.sessionmaker() as session:
        resident = await residents.get(session, person)
    assert resident is not None
    assert (resident.tenancy_id, resident.tenancy_ended_on) == (tenancy.tenancy_id, date.today())


async def test_an_older_tenancy_arriving_late_never_moves_a_resident_back(
    engagement_database: Database,
) -> None:
    """A transfer: the new tenancy (another home, another partition) is handled first,
    the old one's tenancy-started arrives late."""
    person = uuid.uuid4()
    old = started(a_uprn(), date(2020, 1, 6), person)
    new = started(a_uprn(), date(2026, 11, 2), person)
    now = datetime.now(UTC)
    await handle(engagement_database, on_tenancy_started, Envelope(data=new, time=now))
    await handle(
        engagement_database, on_tenancy_started, Envelope(data=old, time=now - timedelta(days=9))
    )
    assert await living_at(engagement_database, new.uprn) == {person}
    assert await living_at(engagement_database, old.uprn) == set()
    async with engagement_database.sessionmaker() as session:
        resident = await residents.get(session, person)
    assert resident is not None
    assert (resident.tenancy_id, resident.tenancy_started_on) == (new.tenancy_id, new.start_date)


async def test_a_former_tenant_on_a_newer_tenancy_lives_in_its_home(
    engagement_database: Database,
) -> None:
    person = uuid.uuid4()
    old = started(a_uprn(), date(2020, 1, 6), person)
    new = started(a_uprn(), date(2026, 11, 2), person)
    await handle(engagement_database, on_tenancy_started, Envelope(data=old))
    await handle(
        engagement_database, on_tenancy_ended, Envelope(data=ended(old, date(2026, 11, 1)))
    )
    await handle(engagement_database, on_tenancy_started, Envelope(data=new))
    # The old tenancy's end, redelivered, leaves them on the new one.
    await handle(
        engagement_database, on_tenancy_ended, Envelope(data=ended(old, date(2026, 11, 1)))
    )
    assert await living_at(engagement_database, new.uprn) == {person}
    assert await living_at(engagement_database, old.uprn) == set()
