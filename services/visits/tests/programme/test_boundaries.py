"""The programme's numbers at their edges: the contact bounds (at most 0 a year is very
low, at least 12 very high) and the 12 calendar months contacts are counted over, each
counted factor's cap, the stock condition survey's five years, and the gas check a full
visit is paired with (within 56 days of the visit's London day, both ends kept). Fixed
dates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckDue
from hearth_contracts.events.visits import VisitKind
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_handlers import contact, handle, registered
from visits.models import ProgrammeScore
from visits.programme.rules import (
    ContactFrequency,
    Factor,
    HomeRiskFactors,
    VisitHistory,
    contact_frequency,
    next_visit,
    rescore_on,
    visit_priority,
    with_officer_visit,
)
from visits.programme.service import ProgrammeService
from visits.settings import RiskWeights, VisitIntervals

DEFAULTS = RiskWeights()


@pytest.mark.parametrize(
    ("contacts", "frequency"),
    [
        (0, ContactFrequency.VERY_LOW),
        (1, ContactFrequency.USUAL),
        (11, ContactFrequency.USUAL),
        (12, ContactFrequency.VERY_HIGH),
    ],
)
def test_contacts_in_the_last_12_months_are_very_low_at_0_and_very_high_from_12(
    contacts: int, frequency: ContactFrequency
) -> None:
    assert contact_frequency(contacts, DEFAULTS) is frequency


def test_configured_contact_bounds_are_kept_inclusive() -> None:
    weights = RiskWeights(contact_very_low_at_most=2, contact_very_high_at_least=20)
    assert [contact_frequency(n, weights) for n in (2, 3, 19, 20)] == [
        ContactFrequency.VERY_LOW,
        ContactFrequency.USUAL,
        ContactFrequency.USUAL,
        ContactFrequency.VERY_HIGH,
    ]


@pytest.mark.parametrize(
    ("contacted_at", "now", "counted"),
    [
        # the same date a year ago, 29 February 2024 between: 366 days, still counted
        (datetime(2023, 3, 1, 0, 0, tzinfo=UTC), datetime(2024, 3, 1, 12, tzinfo=UTC), True),
        (
            datetime(2023, 2, 28, 23, 59, 59, tzinfo=UTC),
            datetime(2024, 3, 1, 12, tzinfo=UTC),
            False,
        ),
        # on 29 February 2024 the window opens on 28 February 2023 (the month is shorter)
        (datetime(2023, 2, 28, 0, 0, tzinfo=UTC), datetime(2024, 2, 29, 12, tzinfo=UTC), True),
        # summer time: 2 June 2023 in London starts at 23:00 UTC on 1 June
        (datetime(2023, 6, 1, 23, 0, tzinfo=UTC), datetime(2024, 6, 2, 9, tzinfo=UTC), True),
        (datetime(2023, 6, 1, 22, 59, 59, tzinfo=UTC), datetime(2024, 6, 2, 9, tzinfo=UTC), False),
    ],
)
async def test_contacts_are_counted_over_the_last_12_calendar_months_by_london_day(
    visits_database: Database, contacted_at: datetime, now: datetime, counted: bool
) -> None:
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2023, 1, 2, 9, tzinfo=UTC))
    )
    await handle(visits_database, contact(uprn, contacted_at))
    programme = ProgrammeService(RiskWeights(), VisitIntervals())
    async with visits_database.sessionmaker() as session:
        priority = await programme.priority(session, uprn, now)
    assert priority.factors.contacts_last_12_months == int(counted)


@pytest.mark.parametrize(
    ("contacted_on", "leaves_on"),
    [
        (date(2023, 3, 1), date(2024, 3, 2)),  # counted on 1 March 2024, 366 days on
        (date(2023, 2, 28), date(2024, 3, 1)),  # still counted on 29 February 2024
        (date(2024, 2, 29), date(2025, 3, 1)),  # counted to 28 February 2025
    ],
)
def test_a_home_is_rescored_the_day_its_oldest_contact_leaves_the_12_months(
    contacted_on: date, leaves_on: date
) -> None:
    """Scored 60 days after the contact, the day of a full visit with the survey (next
    due a year on): the contact's leaving the window is the first date-driven change."""
    today = contacted_on + timedelta(days=60)
    history = VisitHistory(today, today, today)
    intervals = VisitIntervals()
    rescored = rescore_on(
        today,
        history,
        next_visit(history, today, intervals),
        intervals,
        tenancy_start=None,
        introductory=False,
        oldest_contact_in_window=contacted_on,
        contact_window_months=12,
    )
    assert rescored == leaves_on


async def test_the_stored_score_is_worked_out_again_when_a_contact_leaves_the_12_months(
    visits_database: Database,
) -> None:
    """Registered 1 December 2023 (due 1 December 2024); a contact on 1 March 2023 is
    counted on 1 March 2024 (29 February between), so the score is due again on the 2nd."""
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2023, 12, 1, 9, tzinfo=UTC))
    )
    await handle(visits_database, contact(uprn, datetime(2023, 3, 1, 12, tzinfo=UTC)))
    programme = ProgrammeService(RiskWeights(), VisitIntervals())
    async with visits_database.sessionmaker() as session, session.begin():
        await programme.rescore(session, [uprn], datetime(2024, 2, 1, 12, tzinfo=UTC))
    async with visits_database.sessionmaker() as session:
        stored = await session.get(ProgrammeScore, uprn)
    assert stored is not None
    assert (stored.factors["contacts_last_12_months"], stored.rescore_on) == (1, date(2024, 3, 2))


@pytest.mark.parametrize(
    ("field", "factor", "cap", "each"),
    [
        ("vulnerabilities_declared", Factor.VULNERABILITIES, 3, 10),
        ("customer_actions_outstanding", Factor.CUSTOMER_ACTIONS_OUTSTANDING, 4, 5),
        ("no_access_visits", Factor.NO_ACCESS_HISTORY, 3, 10),
    ],
)
def test_a_counted_factor_scores_up_to_its_cap_and_no_more(
    field: str, factor: Factor, cap: int, each: int
) -> None:
    def points(count: int) -> int:
        reasons = visit_priority(HomeRiskFactors(**{field: count}), DEFAULTS).reasons
        return {r.factor: r.points for r in reasons}[factor]

    assert (points(cap - 1), points(cap), points(cap + 1)) == (
        (cap - 1) * each,
        cap * each,
        cap * each,
    )


def test_the_survey_is_due_when_five_years_old_on_the_due_date_not_a_day_before() -> None:
    """Last full visit 2 March 2026 and a lite one since: the next full visit is due
    2 March 2027; a survey of 2 March 2022 is five years old that day, one of 3 March
    2022 is not."""
    intervals = VisitIntervals()
    today = date(2026, 11, 29)
    five = VisitHistory(date(2026, 3, 2), date(2025, 3, 2), date(2022, 3, 2))
    short_a_day = VisitHistory(date(2026, 3, 2), date(2025, 3, 2), date(2022, 3, 3))
    assert next_visit(five, today, intervals).stock_condition_survey is True
    assert next_visit(short_a_day, today, intervals).stock_condition_survey is False


def test_the_survey_five_years_on_makes_the_lite_visit_due_then_a_full_one() -> None:
    """Survey 2 March 2020, last visit (full) 2 March 2024: the next visit, due 2 March
    2025, would be lite in the alternation, but the survey is five years old that day
    and needs the home, so it is a full visit with the survey (it came round at the
    full visit of 2026, in the sixth year)."""
    history = VisitHistory(date(2024, 3, 2), date(2024, 3, 2), date(2020, 3, 2))
    upcoming = next_visit(history, date(2024, 11, 30), VisitIntervals())
    assert (upcoming.kind, upcoming.stock_condition_survey, upcoming.due_by) == (
        VisitKind.FULL,
        True,
        date(2025, 3, 2),
    )


def test_a_lite_visit_due_the_day_before_the_survey_falls_due_stays_lite() -> None:
    """Survey 3 March 2020: on the lite visit's due date (2 March 2025) it is a day
    short of five years, so that visit stays lite and the survey is the full visit's."""
    history = VisitHistory(date(2024, 3, 2), date(2024, 3, 2), date(2020, 3, 3))
    upcoming = next_visit(history, date(2024, 11, 30), VisitIntervals())
    assert (upcoming.kind, upcoming.stock_condition_survey) == (VisitKind.LITE, False)


def test_a_lite_visit_overdue_past_the_survey_date_is_a_full_one_with_the_survey() -> None:
    """Lite visit due 2 March 2025 and not made; survey 3 March 2020 is five years old
    from 3 March 2025: worked out on 4 March, the overdue visit is the survey."""
    history = VisitHistory(date(2024, 3, 2), date(2024, 3, 2), date(2020, 3, 3))
    upcoming = next_visit(history, date(2025, 3, 4), VisitIntervals())
    assert (upcoming.kind, upcoming.stock_condition_survey, upcoming.beyond_interval) == (
        VisitKind.FULL,
        True,
        True,
    )


def test_visited_on_each_due_date_the_survey_comes_round_every_fifth_year() -> None:
    """A home surveyed on 2 March 2020 and visited on each visit's due date: the
    surveys are in 2020, 2025 and 2030, and the visits between still alternate."""
    intervals = VisitIntervals()
    history = VisitHistory(date(2020, 3, 2), date(2020, 3, 2), date(2020, 3, 2))
    made: list[tuple[int, VisitKind, bool]] = []
    while history.last_visit is not None and history.last_visit.year < 2031:
        upcoming = next_visit(history, history.last_visit, intervals)
        day = upcoming.due_by
        made.append((day.year, upcoming.kind, upcoming.stock_condition_survey))
        full = upcoming.kind is VisitKind.FULL
        history = VisitHistory(
            day,
            day if full else history.last_full_visit,
            day if upcoming.stock_condition_survey else history.last_stock_condition_survey,
        )
    assert [year for year, _, survey in made if survey] == [2025, 2030]
    assert [(year, kind) for year, kind, _ in made] == [
        (2021, VisitKind.LITE),
        (2022, VisitKind.FULL),
        (2023, VisitKind.LITE),
        (2024, VisitKind.FULL),
        (2025, VisitKind.FULL),
        (2026, VisitKind.LITE),
        (2027, VisitKind.FULL),
        (2028, VisitKind.LITE),
        (2029, VisitKind.FULL),
        (2030, VisitKind.FULL),
        (2031, VisitKind.LITE),
    ]


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        (None, True),  # none recorded: a full visit is the survey
        (date(2020, 3, 3), False),  # five years old on 3 March 2025, after the due date
        (date(2023, 3, 2), False),
    ],
)
def test_an_officer_visit_for_access_is_the_survey_when_a_full_visit_then_would_be(
    survey: date | None, expected: bool
) -> None:
    """Last visit (full) 2 March 2024, next due 2 March 2025 and lite: an officer goes
    in person for a gas check's access, so it is a full visit, and the survey when a
    full visit then would be the survey (it was always left out)."""
    history = VisitHistory(date(2024, 3, 2), date(2024, 3, 2), survey)
    upcoming = next_visit(history, date(2024, 11, 30), VisitIntervals())
    assert upcoming.kind is VisitKind.LITE
    officer = with_officer_visit(upcoming)
    assert (officer.kind, officer.stock_condition_survey) == (VisitKind.FULL, expected)


async def a_gas_check_due(db: Database, due_by: date) -> tuple[str, uuid.UUID]:
    uprn, check_id = a_uprn(), uuid.uuid4()
    await handle(db, registered(uprn, registered_at=datetime(2025, 1, 6, 9, tzinfo=UTC)))
    await handle(
        db,
        Envelope(
            data=CheckDue(
                check_id=check_id,
                uprn=uprn,
                check_type="gas_safety",
                due_by=due_by,
                raised_at=datetime(2026, 4, 1, 9, tzinfo=UTC),
            )
        ),
    )
    return uprn, check_id


@pytest.mark.parametrize(
    ("due_by", "paired"),
    [
        (date(2026, 4, 6), False),  # 57 days before 2 June
        (date(2026, 4, 7), True),  # 56 days before
        (date(2026, 7, 28), True),  # 56 days after 2 June (57 after the UTC day)
        (date(2026, 7, 29), False),  # 57 days after
    ],
)
async def test_a_full_visit_is_paired_with_a_gas_check_due_within_56_days_of_its_london_day(
    visits: httpx.AsyncClient, visits_database: Database, due_by: date, paired: bool
) -> None:
    """The visit starts at 23:30 UTC on 1 June 2026: 00:30 on 2 June in London."""
    uprn, check_id = await a_gas_check_due(visits_database, due_by)
    booked = await visits.post(
        "/v1/visits",
        json={"uprn": uprn, "kind": "full", "scheduled_for": "2026-06-01T23:30:00+00:00"},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["paired_check_id"] == (str(check_id) if paired else None)
