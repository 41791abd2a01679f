"""No access at a combined appointment (a home visit booked with the gas check:
visit-scheduled naming it) is the gas check's failed attempt too: recorded with its
attempts, access-failed published and the no-access ladder started from its day, once
however often visit-no-access is delivered. DOMAIN.md: every attempt is recorded.
Before, compliance took only the household's no-access history from it: the gas check
showed no attempt and its ladder never started, though the engineer had not got in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from compliance.checks.service import ProgrammeService
from hearth_contracts import Envelope
from hearth_contracts.events.visits import NoAccessReason, VisitKind, VisitNoAccess
from hearth_kit.db import Database
from hearth_kit.working_days import LONDON
from services.compliance.tests.checks.test_programme import (
    a_full_visit,
    a_gas_home,
    gas_check,
    handle_twice,
)
from services.compliance.tests.factories import london_today


def no_access(
    uprn: str, visit_id: uuid.UUID, at: datetime, reason: NoAccessReason
) -> Envelope[VisitNoAccess]:
    return Envelope(
        data=VisitNoAccess(
            visit_id=visit_id,
            uprn=uprn,
            kind=VisitKind.FULL,
            attempted_at=at,
            reason=reason,
            attempt_number=1,
        )
    )


async def attempts(compliance: httpx.AsyncClient, uprn: str) -> tuple[int, int]:
    """The gas check's attempts and failed attempts."""
    check = await gas_check(compliance, uprn)
    return check["access_attempts"], check["no_access_attempts"]


async def test_no_access_at_a_combined_appointment_is_the_gas_checks_failed_attempt_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=40))
    check = await gas_check(compliance, uprn)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visit = a_full_visit(uprn, start, paired_check_id=uuid.UUID(check["id"]))
    await handle_twice(compliance_database, programme, visit)
    at = start + timedelta(minutes=10)
    await handle_twice(
        compliance_database,
        programme,
        no_access(uprn, visit.data.visit_id, at, NoAccessReason.ENTRY_REFUSED_ON_THE_DAY),
    )
    assert await attempts(compliance, uprn) == (1, 1)
    [failed] = await published("access-failed", uprn)
    assert (failed["check_id"], failed["attempt_number"]) == (check["id"], 1)
    assert datetime.fromisoformat(failed["attempted_at"]) == at
    after = await gas_check(compliance, uprn)
    assert after["next_no_access_step_on"] == at.astimezone(LONDON).date().isoformat()


async def test_a_visit_only_offered_the_check_or_an_officer_side_reason_records_none(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A visit the check was offered to but that did not name it took no engineer; an
    officer-side reason (unsafe to enter) is not the household's failure."""
    offered_home = await a_gas_home(compliance, london_today() + timedelta(days=20))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    offered = a_full_visit(offered_home, start)
    await handle_twice(compliance_database, programme, offered)
    check = await gas_check(compliance, offered_home)
    assert check["paired_visit_id"] == str(offered.data.visit_id)  # offered, not booked
    await handle_twice(
        compliance_database,
        programme,
        no_access(offered_home, offered.data.visit_id, start, NoAccessReason.NO_ANSWER),
    )
    assert await attempts(compliance, offered_home) == (0, 0)

    booked_home = await a_gas_home(compliance, london_today() + timedelta(days=40))
    booked_check = await gas_check(compliance, booked_home)
    booked = a_full_visit(booked_home, start, paired_check_id=uuid.UUID(booked_check["id"]))
    await handle_twice(compliance_database, programme, booked)
    await handle_twice(
        compliance_database,
        programme,
        no_access(booked_home, booked.data.visit_id, start, NoAccessReason.UNSAFE_TO_ENTER),
    )
    assert await attempts(compliance, booked_home) == (0, 0)
    assert await published("access-failed", offered_home) == []
    assert await published("access-failed", booked_home) == []


async def test_a_visit_time_ahead_of_this_clock_is_still_the_gas_checks_failed_attempt(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """Visits refuses a visited_at in the future against its own clock, so one ahead of
    compliance's is a clock apart, not a visit to come: the attempt was made by the time
    its event was published and is recorded then, as repairs starts a clock from such an
    event (clock_start). Dropped, the failure was recorded nowhere and the gas check's
    no-access ladder never started."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=40))
    check = await gas_check(compliance, uprn)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visit = a_full_visit(uprn, start, paired_check_id=uuid.UUID(check["id"]))
    await handle_twice(compliance_database, programme, visit)
    published_at = datetime.now(UTC).replace(microsecond=0)
    event = no_access(
        uprn, visit.data.visit_id, published_at + timedelta(minutes=5), NoAccessReason.NO_ANSWER
    )
    event = Envelope(data=event.data, id=event.id, time=published_at)
    await handle_twice(compliance_database, programme, event)
    assert await attempts(compliance, uprn) == (1, 1)
    [failed] = await published("access-failed", uprn)
    assert datetime.fromisoformat(failed["attempted_at"]) == published_at
