"""appointment-cancelled (repairs) is told to the household, so the "appointment booked"
message is not the last word: the home's current residents each get one
appointment_cancelled message in their language and channel (why, when the landlord
found the work not needed; a confirmation when they asked), once however often the
event is handled. And a check record's letter says when the next check is due only when
the home has a next check in the landlord's programme (next_due_by None: a leaseholder's
own gas record), in each published language."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from engagement.app import build_services
from engagement.messages.templates import (
    PUBLISHED_LANGUAGES,
    cancellation_why,
    london_time,
    long_date,
    render,
)
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.base import Event
from hearth_contracts.events.compliance import CheckCompletedV2, CheckOutcome, CheckType
from hearth_contracts.events.repairs import (
    AppointmentBooked,
    AppointmentCancelled,
    CancellationReason,
)
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from services.engagement.tests.messages.test_pipeline import a_resident, messages_of

TUESDAY_8AM = datetime(2026, 12, 1, 8, tzinfo=UTC)  # GMT: 08:00 in London

NEXT_CHECK_SENTENCE = {
    "en": "The next check is due by 1 April 2027.",
    "cy": "Rhaid cynnal y gwiriad nesaf erbyn 1 Ebrill 2027.",
    "pl": "Następna kontrola musi się odbyć do 1 kwietnia 2027.",
}


def a_cancellation(uprn: str, reason: CancellationReason) -> AppointmentCancelled:
    return AppointmentCancelled(
        appointment_id=uuid.uuid4(),
        uprn=uprn,
        repair_ids=[uuid.uuid4()],
        contractor_id="plumbfast",
        window_start=TUESDAY_8AM,
        window_end=TUESDAY_8AM + timedelta(hours=4),
        reason=reason,
        cancelled_at=TUESDAY_8AM - timedelta(days=2),
        recorded_at=TUESDAY_8AM - timedelta(days=2),
    )


def a_booking(uprn: str, appointment_id: uuid.UUID) -> AppointmentBooked:
    return AppointmentBooked(
        appointment_id=appointment_id,
        uprn=uprn,
        repair_ids=[uuid.uuid4()],
        contractor_id="plumbfast",
        slot="am",
        window_start=TUESDAY_8AM,
        window_end=TUESDAY_8AM + timedelta(hours=4),
        made_at_first_contact=True,
        booked_at=TUESDAY_8AM - timedelta(days=5),
    )


async def handle(db: Database, envelope: Envelope[Event]) -> None:
    handler = build_services(EngagementSettings()).handlers.get(envelope.type)
    assert handler is not None, envelope.type
    async with db.sessionmaker() as session, session.begin():
        await handler(session, envelope)


async def letters(
    client: httpx.AsyncClient, resident_id: str, template: str
) -> list[dict[str, object]]:
    return [m for m in await messages_of(client, resident_id) if m["template"] == template]


async def test_the_household_is_told_once_when_the_landlord_finds_the_work_not_needed(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = str(uuid.uuid4())
    polish = await a_resident(engagement, tenancy_id=tenancy_id, uprn=uprn, language="pl")
    address = f"sam.{uuid.uuid4().hex[:8]}@example.org"
    english = await a_resident(
        engagement, tenancy_id=tenancy_id, uprn=uprn, preferred_channel="email", email=address
    )
    envelope = Envelope(data=a_cancellation(uprn, CancellationReason.WORK_NOT_NEEDED))
    for _ in range(2):  # the same event again queues nothing more
        await handle(engagement_database, envelope)

    [in_polish] = await letters(engagement, polish, "appointment_cancelled")
    assert in_polish["channel"] == "letter"
    assert in_polish["subject"] == "Wizyta naprawcza odwołana"
    body = str(in_polish["body"])
    assert "1 grudnia 2026 (wtorek), godz. 08:00" in body
    assert "Prace nie są już potrzebne" in body
    [in_english] = await letters(engagement, english, "appointment_cancelled")
    assert in_english["channel"] == "email"
    assert in_english["subject"] == "Your repair appointment is cancelled"
    body = str(in_english["body"])
    assert "on Tuesday 1 December 2026 at 08:00 (until Tuesday 1 December 2026 at 12:00)" in body
    assert "is cancelled. The work is no longer needed, so no one will call." in body
    assert str(envelope.data.appointment_id) in body


async def test_a_cancellation_the_household_asked_for_is_confirmed(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    welsh = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn, language="cy")
    await handle(
        engagement_database,
        Envelope(data=a_cancellation(uprn, CancellationReason.RESIDENT_REQUESTED)),
    )
    [letter] = await letters(engagement, welsh, "appointment_cancelled")
    body = str(letter["body"])
    assert "1 Rhagfyr 2026 (dydd Mawrth) am 08:00" in body
    assert "Rydym wedi'i ganslo fel y gofynnoch." in body


async def test_a_booking_handled_after_its_cancellation_is_not_sent(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """appointment-booked dead-lettered and replayed after appointment-cancelled was
    handled (through the consumer's inbox): the household was told the appointment is
    off, and is not then told it is on, to wait in for no one. A booking not cancelled
    is still written."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn)
    cancelled = a_cancellation(uprn, CancellationReason.RESIDENT_REQUESTED)
    kept = uuid.uuid4()
    events = [
        Envelope(data=cancelled),
        Envelope(data=a_booking(uprn, cancelled.appointment_id)),  # replayed late
        Envelope(data=a_booking(uprn, kept)),
    ]
    settings = EngagementSettings(environment="development")
    dead_letters = DeadLetters(settings, engagement_database)
    inbox = Inbox(settings, engagement_database, build_services(settings).handlers, dead_letters)
    for offset, envelope in enumerate(events):
        async with engagement_database.sessionmaker() as session, session.begin():
            await inbox.apply(session, [(Message("t", 0, offset, None, None, ()), envelope)])

    assert len(await letters(engagement, resident, "appointment_cancelled")) == 1
    [booked] = await letters(engagement, resident, "appointment_booked")
    assert str(kept) in str(booked["body"])


@pytest.mark.parametrize("language", PUBLISHED_LANGUAGES)
@pytest.mark.parametrize("reason", list(CancellationReason))
def test_every_cancellation_reason_is_written_in_every_language(
    language: str, reason: CancellationReason
) -> None:
    rendered = render(
        "appointment_cancelled",
        language,
        [],
        {
            "name": "Sam",
            "window_start": london_time(TUESDAY_8AM),
            "window_end": london_time(TUESDAY_8AM + timedelta(hours=4)),
            "why": cancellation_why(reason.value),
            "appointment_id": "A1",
        },
    )
    written = cancellation_why(reason.value).in_language(language)
    assert written.strip()
    assert written in rendered.body


def record_copy(language: str, next_due_by: str) -> str:
    return render(
        "check_record_copy",
        language,
        [],
        {
            "name": "Sam",
            "check_type": "gas safety",
            "completed_on": long_date(date(2026, 4, 1)),
            "certificate_reference": "CP12-1",
            "next_due_by": next_due_by,
        },
    ).body


@pytest.mark.parametrize("language", PUBLISHED_LANGUAGES)
def test_a_record_copy_says_when_the_next_check_is_due_only_when_there_is_one(
    language: str,
) -> None:
    with_next = record_copy(language, long_date(date(2027, 4, 1)))
    assert with_next.endswith(" " + NEXT_CHECK_SENTENCE[language])
    without = record_copy(language, "")
    assert NEXT_CHECK_SENTENCE[language].split(" 1 ")[0] not in without
    assert without.endswith("(CP12-1).") or without.endswith("(CP12-1) is enclosed.")


async def test_a_check_with_no_next_check_in_the_programme_sends_a_copy_without_a_due_date(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn)
    # a leaseholder's own gas record: check-completed v2 with no next check in the
    # landlord's programme (compliance publishes v2 only)
    no_next = CheckCompletedV2.model_validate(
        {
            "check_id": uuid.uuid4(),
            "uprn": uprn,
            "check_type": CheckType.GAS_SAFETY,
            "outcome": CheckOutcome.SATISFACTORY,
            "certificate_reference": "CP12-78",
            "completed_at": datetime(2026, 11, 20, 10, tzinfo=UTC),
            "next_due_by": None,
            "copy_to_tenant_by": date(2026, 12, 18),
        }
    )
    await handle(engagement_database, Envelope(data=no_next))
    [copy] = await letters(engagement, resident, "check_record_copy")
    body = str(copy["body"])
    assert "carried out on 20 November 2026" in body
    assert "next check" not in body
    assert body.endswith("Your copy of the record (CP12-78) is enclosed.")
