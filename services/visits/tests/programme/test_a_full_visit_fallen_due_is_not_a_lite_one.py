"""Once a home's full visit has fallen due, its next visit is full, never a lite call:
DOMAIN.md's lite visit is offered in the year between full visits, and the programme's
full_visit_months (24) is the longest a home goes without an officer inside. Before, the
kind followed the two due dates alone: a home whose last visit was a full one six years
ago (its any-visit date falling before its full-visit date) was given a lite call, and so
was one whose lite call came a little early, two years after its full visit. The
programme-rescore job works the kind out again the day the full visit falls due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from hearth_contracts.events.visits import VisitKind
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, visited_in_full
from services.visits.tests.test_handlers import handle, registered
from visits.programme.rules import VisitHistory, next_visit, rescore_on
from visits.settings import VisitIntervals

INTERVALS = VisitIntervals()


def test_a_home_last_visited_in_full_years_ago_is_due_a_full_visit() -> None:
    last = date(2020, 6, 1)  # its full visit (no survey recorded: none falls due)
    upcoming = next_visit(VisitHistory(last, last, None), date(2026, 11, 29), INTERVALS)
    assert (upcoming.kind, upcoming.due_by, upcoming.beyond_interval) == (
        VisitKind.FULL,
        date(2021, 6, 1),
        True,
    )


def test_a_lite_call_made_early_is_followed_by_the_full_visit_once_it_falls_due() -> None:
    """A full visit on 3 June 2024 and a lite call three months early, 3 March 2025: some
    visit is due by 3 March 2026, the full one by 3 June 2026. Until then the next visit
    is the lite call the intervals allow; from 3 June 2026 it is full."""
    history = VisitHistory(date(2025, 3, 3), date(2024, 6, 3), date(2024, 6, 3))
    assert next_visit(history, date(2026, 2, 1), INTERVALS).kind is VisitKind.LITE
    assert next_visit(history, date(2026, 6, 2), INTERVALS).kind is VisitKind.LITE
    assert next_visit(history, date(2026, 6, 3), INTERVALS).kind is VisitKind.FULL
    # scored on 1 April 2026 (beyond its interval, lite), worked out again on 3 June
    today = date(2026, 4, 1)
    upcoming = next_visit(history, today, INTERVALS)
    assert (upcoming.kind, upcoming.beyond_interval) == (VisitKind.LITE, True)
    again = rescore_on(
        today,
        history,
        upcoming,
        INTERVALS,
        tenancy_start=None,
        introductory=False,
        oldest_contact_in_window=None,
        contact_window_months=12,
    )
    assert again == date(2026, 6, 3)


async def test_the_programme_and_a_booking_without_kind_give_such_a_home_a_full_visit(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2019, 1, 7, 9, tzinfo=UTC))
    )
    await visited_in_full(visits, uprn, "2020-06-01T10:00:00+00:00")
    programme = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (programme["next_visit_kind"], programme["beyond_interval"]) == ("full", True)
    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-12-08T10:00:00+00:00"}
    )
    assert booked.status_code == 201, booked.text
    assert (booked.json()["kind"], booked.json()["channel"]) == ("full", "in_home")
