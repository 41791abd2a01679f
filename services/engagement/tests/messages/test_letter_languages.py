"""A letter's dates are written in the letter's language (English, Welsh, Polish: day
and month names from templates.WEEKDAYS and MONTHS, London time), never English dates
in a Welsh or Polish letter; and a gas safety check's letters say "gas safety" once
("Your gas safety record", not "gas safety safety")."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from engagement.app import build_services
from engagement.handlers import words
from engagement.messages.templates import (
    MONTHS,
    PUBLISHED_LANGUAGES,
    WEEKDAYS,
    date_in,
    london_time,
    long_date,
    moment_in,
    render,
)
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckCompleted, CheckOutcome, CheckType
from hearth_contracts.events.repairs import AppointmentBooked
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.engagement.tests.messages.test_pipeline import a_resident, messages_of

TUESDAY_8AM = datetime(2026, 12, 1, 8, tzinfo=UTC)  # GMT: 08:00 in London
ENGLISH_WORDS = [*WEEKDAYS["en"], *MONTHS["en"], " at "]


def booked_letter(language: str, start: datetime = TUESDAY_8AM) -> str:
    return render(
        "appointment_booked",
        language,
        [],
        {
            "name": "Sam",
            "window_start": london_time(start),
            "window_end": london_time(start + timedelta(hours=4)),
            "appointment_id": "A1",
        },
    ).body


def test_a_polish_appointment_letter_has_its_date_in_polish() -> None:
    body = booked_letter("pl")
    assert "1 grudnia 2026 (wtorek), godz. 08:00 (do 1 grudnia 2026 (wtorek), godz. 12:00)" in body
    assert not [word for word in ENGLISH_WORDS if word in body]


def test_a_welsh_appointment_letter_has_its_date_in_welsh() -> None:
    body = booked_letter("cy-GB")
    assert (
        "ar 1 Rhagfyr 2026 (dydd Mawrth) am 08:00 (tan 1 Rhagfyr 2026 (dydd Mawrth) am 12:00)"
        in (body)
    )
    assert not [word for word in ENGLISH_WORDS if word in body]


def test_an_english_letter_reads_as_before_and_summer_time_is_london_time() -> None:
    assert "on Tuesday 1 December 2026 at 08:00 (until Tuesday 1 December 2026 at 12:00)" in (
        booked_letter("en")
    )
    assert "1 lipca 2026 (środa), godz. 08:00" in booked_letter(
        "pl", datetime(2026, 7, 1, 7, tzinfo=UTC)
    )


def test_a_due_date_is_written_in_the_letters_language() -> None:
    values = {"name": "Ceri", "check_type": "gas safety", "due_by": long_date(date(2026, 5, 1))}
    assert "erbyn 1 Mai 2026" in render("check_due", "cy", [], values).body
    assert "do 1 maja 2026" in render("check_due", "pl", [], values).body
    assert "by 1 May 2026" in render("check_due", "en", [], values).body


def test_a_value_given_as_words_is_kept_as_given() -> None:
    """A staff member's own values (plain text from the API) are not rewritten."""
    rendered = render("check_due", "pl", [], {"name": "Ola", "due_by": "1 May 2026"})
    assert "do 1 May 2026" in rendered.body


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=0, max_value=23),
    st.sampled_from(PUBLISHED_LANGUAGES),
)
def test_every_date_reads_back_in_every_published_language(
    day: date, hour: int, language: str
) -> None:
    number, month, year = date_in(day, language).split(" ")
    assert (int(number), MONTHS[language].index(month) + 1, int(year)) == (
        day.day,
        day.month,
        day.year,
    )
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)
    written = moment_in(moment, language)
    local = london_day(moment)  # the day in London, where the appointment is
    assert WEEKDAYS[language][local.weekday()] in written
    assert date_in(local, language) in written
    if language != "en":
        assert not [word for word in [*WEEKDAYS["en"], *MONTHS["en"]] if word in written]


@given(st.sampled_from(list(CheckType)), st.sampled_from(["en", "cy", "pl"]))
def test_no_check_letter_says_safety_twice(check_type: CheckType, language: str) -> None:
    values = {
        "name": "Sam",
        "check_type": words(check_type.value),
        "due_by": long_date(date(2026, 5, 1)),
        "completed_on": long_date(date(2026, 4, 1)),
        "next_due_by": long_date(date(2027, 4, 1)),
        "certificate_reference": "CP12-1",
        "step": "second letter",
        "check_id": "C1",
    }
    for template in ("check_due", "access_escalated", "check_record_copy"):
        rendered = render(template, language, [], values)
        assert "safety safety" not in rendered.subject + rendered.body


def test_an_electrical_check_is_still_a_safety_check() -> None:
    rendered = render(
        "check_record_copy",
        "en",
        [],
        {"name": "Sam", "check_type": "electrical", "completed_on": "1 April 2026"},
    )
    assert rendered.subject == "Your electrical safety record"


async def test_a_polish_household_gets_polish_dates_and_the_gas_record_says_safety_once(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = str(uuid.uuid4())
    polish = await a_resident(engagement, tenancy_id=tenancy_id, uprn=uprn, language="pl")
    english = await a_resident(engagement, tenancy_id=tenancy_id, uprn=uprn, language="en")
    handlers = build_services(EngagementSettings()).handlers
    booked = Envelope(
        data=AppointmentBooked(
            appointment_id=uuid.uuid4(),
            uprn=uprn,
            repair_ids=[uuid.uuid4()],
            slot="am",
            window_start=TUESDAY_8AM,
            window_end=TUESDAY_8AM + timedelta(hours=4),
            made_at_first_contact=True,
            booked_at=datetime.now(UTC),
        )
    )
    completed = Envelope(
        data=CheckCompleted(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            outcome=CheckOutcome.SATISFACTORY,
            certificate_reference="CP12-77",
            completed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            next_due_by=date(2027, 11, 20),
            copy_to_tenant_by=date(2026, 12, 18),
        )
    )
    for envelope in (booked, completed):
        handler = handlers.get(envelope.type)
        assert handler is not None
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    letters = {m["template"]: m for m in await messages_of(engagement, polish)}
    assert (
        "Umówiliśmy wizytę naprawczą w Państwa domu: 1 grudnia 2026 (wtorek), godz. 08:00"
        in (letters["appointment_booked"]["body"])
    )
    assert "odbyła się 20 listopada 2026" in letters["check_record_copy"]["body"]
    copy = next(
        m for m in await messages_of(engagement, english) if m["template"] == "check_record_copy"
    )
    assert copy["subject"] == "Your gas safety record"
    assert "Your home's gas safety check was carried out on 20 November 2026" in copy["body"]
    assert "next check is due by 20 November 2027" in copy["body"]
