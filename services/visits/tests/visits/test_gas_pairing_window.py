"""A full visit is paired with a gas safety check due within `gas_pairing_days` (56)
of the visit's London day, before or after it, the 56th day included and the 57th
not: one trip for both (DOMAIN.md: visits paired with the gas safety check to avoid
two trips and cut no-access). Days relative to today (tests/harness/days.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckDue
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.visits.tests.factories import a_uprn, an_area
from services.visits.tests.test_handlers import handle, registered
from tests.harness.days import days_from_today
from visits.settings import VisitIntervals

VISIT_IN_DAYS = 70
"""The visit's day from today: far enough ahead that 57 days before it is still ahead."""


def test_domains_pairing_window_is_eight_weeks() -> None:
    assert VisitIntervals().gas_pairing_days == 56


async def test_a_gas_check_due_within_56_days_either_side_is_paired_and_no_further(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    visit_day = days_from_today(VISIT_IN_DAYS)
    at = datetime.now(UTC) - timedelta(days=2)
    postcode = f"{an_area()} 1AA"
    expected: dict[str, bool] = {}
    checks: dict[str, uuid.UUID] = {}
    for offset, paired in ((-57, False), (-56, True), (56, True), (57, False)):
        uprn = a_uprn()
        expected[uprn], checks[uprn] = paired, uuid.uuid4()
        await handle(visits_database, registered(uprn, registered_at=at, postcode=postcode))
        await handle(
            visits_database,
            Envelope(
                data=CheckDue(
                    check_id=checks[uprn],
                    uprn=uprn,
                    check_type="gas_safety",
                    due_by=visit_day + timedelta(days=offset),
                    raised_at=at,
                )
            ),
        )
    # late evening in London: the visit's London day, whatever UTC's
    when = (start_of_london_day(visit_day) + timedelta(hours=22)).isoformat()
    for uprn, paired in expected.items():
        booked = await visits.post(
            "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": when}
        )
        assert booked.status_code == 201, booked.text
        assert booked.json()["paired_check_id"] == (str(checks[uprn]) if paired else None)
