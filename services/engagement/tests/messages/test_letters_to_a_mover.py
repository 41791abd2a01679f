"""A letter goes to the home the resident lives in on the day it is written. A tenant
moving within the landlord's homes is placed on the new tenancy as soon as income
announces it (up to a year ahead) but lives in the old home until it starts: their
letters, whatever they are about, go to the old home until then, never to the new one,
where the household moving out may still live; and a former tenant who has left is
never written to at the home they left, where another household lives now
(docs/adr/0114)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from engagement.models import Message
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2, TenancyWithdrawn
from hearth_contracts.events.repairs import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentSlot,
    CancellationReason,
)
from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from services.engagement.tests.home_events import (
    a_copy_requested,
    a_uprn,
    check_due,
    handle,
    tenancy_ended,
    tenancy_started,
)

BEFORE_THE_MOVE = datetime(2026, 12, 10, 9, tzinfo=UTC)
MOVE_IN = date(2027, 4, 1)
AFTER_THE_MOVE = datetime(2027, 4, 2, 9, tzinfo=UTC)


async def homes_written_to(db: Database, person: uuid.UUID) -> dict[str, str | None]:
    """The home each of the resident's letters goes to, by template."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Message.template, Message.uprn).where(Message.resident_id == person)
        )
        return dict(rows.tuples().all())


async def acknowledged_complaint(
    engagement: httpx.AsyncClient,
    home: str,
    person: str,
    summary: str = "Damp in the back bedroom the whole time we lived there",
) -> None:
    """A repairs complaint the resident made by phone about `home` five minutes ago,
    acknowledged then (which writes to them)."""
    received = datetime.now(UTC) - timedelta(minutes=5)
    complaint = await engagement.post(
        "/v1/complaints",
        json={
            "uprn": home,
            "resident_id": person,
            "category": "repairs",
            "medium": "phone",
            "summary": summary,
            "received_at": received.isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    acknowledged = await engagement.post(
        f"/v1/complaints/{complaint.json()['id']}/acknowledge",
        json={"acknowledged_at": received.isoformat(), "handler": "Hana One"},
    )
    assert acknowledged.status_code == 200, acknowledged.text


async def test_a_movers_letters_go_to_the_home_they_live_in_until_the_move(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The old home's gas check, due before the move: to the old home. After the move
    the new home's letters go to the new home."""
    old_home, new_home = a_uprn(), a_uprn()
    mover = uuid.uuid4()
    await handle(
        engagement_database,
        tenancy_started(old_home, date(2018, 5, 7), mover),
        tenancy_started(new_home, MOVE_IN, mover),
        check_due(old_home, BEFORE_THE_MOVE),
    )
    assert await homes_written_to(engagement_database, mover) == {"check_due": old_home}
    await handle(engagement_database, check_due(new_home, AFTER_THE_MOVE))
    async with engagement_database.sessionmaker() as session:
        homes = (
            await session.execute(
                select(Message.uprn)
                .where(Message.resident_id == mover)
                .order_by(Message.created_at)
            )
        ).scalars()
        assert list(homes) == [old_home, new_home]


async def test_a_complaint_acknowledged_before_the_move_is_written_to_the_old_home(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Any letter, not only one about a home: the acknowledgement of a complaint
    made by a tenant whose move is two months ahead goes where they live today."""
    old_home, new_home = a_uprn(), a_uprn()
    mover = uuid.uuid4()
    today = london_day(datetime.now(UTC))
    await handle(
        engagement_database,
        tenancy_started(old_home, date(2018, 5, 7), mover),
        tenancy_started(new_home, today + timedelta(days=60), mover),
    )
    await acknowledged_complaint(
        engagement,
        old_home,
        str(mover),
        summary="The kitchen extractor has not worked since the summer",
    )
    assert await homes_written_to(engagement_database, mover) == {
        "complaint_acknowledged": old_home
    }


async def a_former_tenant(
    engagement: httpx.AsyncClient, db: Database, **details: Any
) -> tuple[str, str]:
    """A tenant of a home since 2018 (income named them: no email or phone held) whose
    tenancy ended on 4 October 2026, leaving the landlord's homes, with `details`
    recorded since: their home and person id."""
    home, person = a_uprn(), uuid.uuid4()
    tenancy = tenancy_started(home, date(2018, 5, 7), person)
    await handle(db, tenancy, tenancy_ended(tenancy, date(2026, 10, 4)))
    if details:
        seen = await engagement.get(f"/v1/residents/{person}")
        changed = await engagement.patch(
            f"/v1/residents/{person}", json=details, headers={"If-Match": seen.headers["etag"]}
        )
        assert changed.status_code == 200, changed.text
    return home, str(person)


async def written(db: Database, person: str) -> list[tuple[str, str, str, str | None]]:
    """The resident's messages: template, status, channel and the home written to."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Message.template, Message.status, Message.channel, Message.uprn).where(
                Message.resident_id == uuid.UUID(person)
            )
        )
        return [(t, s.value, c.value, home) for t, s, c, home in rows.tuples()]


async def test_a_former_tenant_is_never_written_to_at_the_home_they_left(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A former tenant may complain about the home they left: the acknowledgement is
    no letter to that home, where another household lives now. With no email or phone
    held it is a failed message saying why (staff see it on the resident's messages),
    and staff asking to send them one are told so (422 naming resident_id), nothing
    kept."""
    home, person = await a_former_tenant(engagement, engagement_database)
    await acknowledged_complaint(engagement, home, person)
    assert await written(engagement_database, person) == [
        ("complaint_acknowledged", "failed", "letter", None)
    ]
    refused = await engagement.post(
        f"/v1/residents/{person}/messages", json={"template": "arrears_stage", "values": {}}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"
    assert len(await written(engagement_database, person)) == 1


async def test_a_former_tenant_who_prefers_letters_is_emailed_when_an_email_is_held(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    home, person = await a_former_tenant(
        engagement, engagement_database, email="sam.left@example.org"
    )
    await acknowledged_complaint(engagement, home, person)
    assert await written(engagement_database, person) == [
        ("complaint_acknowledged", "pending", "email", None)
    ]


async def test_a_newcomer_announced_ahead_is_not_written_to_the_household_before_them(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A tenancy income announced ahead, of a newcomer to the landlord's homes (no
    earlier tenancy: engagement knows no home they live in now), at a home whose tenancy
    before them still runs. The acknowledgement of the complaint they make about the
    home they are moving into named them and their complaint in a letter to the
    household living there (docs/adr/0226, amended: as for a tenant registered ahead).
    With no email or phone held it is a failed message saying why, and staff asking to
    send them one are told so (422 resident_id). At a home standing empty for them, the
    letter goes to it, as before."""
    today = london_day(datetime.now(UTC))
    home, before_them, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(
        engagement_database,
        tenancy_started(home, date(2019, 9, 2), before_them),
        tenancy_started(home, today + timedelta(days=30), newcomer),
    )
    await acknowledged_complaint(
        engagement, home, str(newcomer), summary="The move-in date was put back twice"
    )
    assert await written(engagement_database, str(newcomer)) == [
        ("complaint_acknowledged", "failed", "letter", None)
    ]
    refused = await engagement.post(
        f"/v1/residents/{newcomer}/messages", json={"template": "arrears_stage", "values": {}}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"

    empty_home, waited_for = a_uprn(), uuid.uuid4()
    await handle(
        engagement_database, tenancy_started(empty_home, today + timedelta(days=30), waited_for)
    )
    await acknowledged_complaint(engagement, empty_home, str(waited_for))
    assert await written(engagement_database, str(waited_for)) == [
        ("complaint_acknowledged", "pending", "letter", empty_home)
    ]


async def a_duplicate_merged_into(engagement: httpx.AsyncClient, newcomer: uuid.UUID) -> None:
    """A second record of the newcomer registered and merged into theirs (ADR 0124)."""
    duplicate = await engagement.post(
        "/v1/residents", json={"full_name": "Sam Newcomer", "preferred_channel": "letter"}
    )
    assert duplicate.status_code == 201, duplicate.text
    kept = await engagement.get(f"/v1/residents/{newcomer}")
    merged = await engagement.post(
        f"/v1/residents/{newcomer}/merge",
        json={"duplicate_person_id": duplicate.json()["id"]},
        headers={"If-Match": kept.headers["ETag"]},
    )
    assert merged.status_code == 200, merged.text


async def withdrawn(db: Database, theirs: Envelope[TenancyStartedV2]) -> None:
    """Income's tenancy-withdrawn for the newcomer's tenancy, handled."""
    event = TenancyWithdrawn(
        tenancy_id=theirs.data.tenancy_id,
        uprn=theirs.data.uprn,
        start_date=theirs.data.start_date,
        withdrawn_at=datetime.now(UTC),
    )
    await handle(db, Envelope(data=event))


async def test_a_newcomers_copy_of_the_record_waits_for_their_first_day_not_failed(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The tenant's copy of the gas safety record is owed to a new tenant before they
    move in (DOMAIN.md; the law's message). For a newcomer announced ahead, with no
    email or phone held, whose new home the household before them still lives in, a
    letter there now would be read by that household (docs/adr/0226), and failing it
    left the copy never sent (no tenant-copy-sent: overdue at compliance for good) and
    never tried again once the home was theirs. It is kept pending to their new home,
    tried from their first London day, the earliest a letter there reaches them (ADR
    0226, amended). Their tenancy withdrawn before then, it fails: they never live
    there (failed before: failed at once, to no home)."""
    today = london_day(datetime.now(UTC))
    home, before_them, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs = tenancy_started(home, today + timedelta(days=30), newcomer)
    await handle(engagement_database, tenancy_started(home, date(2019, 9, 2), before_them), theirs)
    copy = a_copy_requested(home, theirs.data.tenancy_id, [newcomer])
    await handle(engagement_database, Envelope(data=copy))
    async with engagement_database.sessionmaker() as session:
        [held] = (
            await session.execute(select(Message).where(Message.resident_id == newcomer))
        ).scalars()
    assert (held.template, held.status, held.channel, held.uprn) == (
        "check_record_copy",
        "pending",
        "letter",
        home,
    )
    assert held.next_attempt_at == start_of_london_day(today + timedelta(days=30))
    # A second record of them merged in re-addresses their letters not yet tried (ADR
    # 0124): the copy stays held for their first day.
    await a_duplicate_merged_into(engagement, newcomer)
    assert await written(engagement_database, str(newcomer)) == [
        ("check_record_copy", "pending", "letter", home)
    ]

    await withdrawn(engagement_database, theirs)
    assert await written(engagement_database, str(newcomer)) == [
        ("check_record_copy", "failed", "letter", None)
    ]


async def test_a_newcomers_repair_appointment_letters_wait_for_their_first_day_not_failed(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A repair appointment booked at a newcomer's new home for a day after their first
    (repairs booking ahead), while the household before them still lives there: the
    letter goes to the household living there on the appointment's day, the newcomer,
    who has no email or phone held. A letter there now would be read by the household
    before them, and failing it meant the household never heard of the appointment
    (failed before: failed, no home). Like their copy of a safety record, it is kept
    pending to the new home from their first London day (docs/adr/0226, amended), and
    so is the appointment's cancellation, through a merge too; their tenancy withdrawn
    before then, both fail: they never live there. The household before them, leaving
    the day before, is not written to."""
    today = london_day(datetime.now(UTC))
    first_day = today + timedelta(days=30)
    home, before_them, newcomer = a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs, leaving = (
        tenancy_started(home, first_day, newcomer),
        tenancy_started(home, date(2019, 9, 2), before_them),
    )
    await handle(
        engagement_database, leaving, tenancy_ended(leaving, first_day - timedelta(days=1)), theirs
    )
    window_start = start_of_london_day(first_day + timedelta(days=10)) + timedelta(hours=8)
    booked = AppointmentBooked(
        appointment_id=uuid.uuid4(),
        uprn=home,
        repair_ids=[uuid.uuid4()],
        slot=AppointmentSlot.AM,
        window_start=window_start,
        window_end=window_start + timedelta(hours=4),
        made_at_first_contact=True,
        booked_at=datetime.now(UTC),
    )
    await handle(engagement_database, Envelope(data=booked))
    async with engagement_database.sessionmaker() as session:
        [held] = (
            await session.execute(select(Message).where(Message.resident_id == newcomer))
        ).scalars()
    assert (held.template, held.status, held.channel, held.uprn) == (
        "appointment_booked",
        "pending",
        "letter",
        home,
    )
    assert held.next_attempt_at == start_of_london_day(first_day)
    assert await written(engagement_database, str(before_them)) == []

    cancelled = AppointmentCancelled(
        appointment_id=booked.appointment_id,
        uprn=home,
        repair_ids=booked.repair_ids,
        window_start=booked.window_start,
        window_end=booked.window_end,
        reason=CancellationReason.RESIDENT_REQUESTED,
        cancelled_at=datetime.now(UTC),
        recorded_at=datetime.now(UTC),
    )
    await handle(engagement_database, Envelope(data=cancelled))
    # A second record of them merged in re-addresses their letters not yet tried (ADR
    # 0124): both stay held for their first day.
    await a_duplicate_merged_into(engagement, newcomer)
    assert sorted(await written(engagement_database, str(newcomer))) == [
        ("appointment_booked", "pending", "letter", home),
        ("appointment_cancelled", "pending", "letter", home),
    ]

    await withdrawn(engagement_database, theirs)
    assert sorted(await written(engagement_database, str(newcomer))) == [
        ("appointment_booked", "failed", "letter", None),
        ("appointment_cancelled", "failed", "letter", None),
    ]
