"""No access at a combined appointment (a home visit booked with the gas check:
visit-scheduled naming it) is the gas check's failed attempt too: recorded with its
attempts, access-failed published and the no-access ladder started from its day, once
however often visit-no-access is delivered. DOMAIN.md: every attempt is recorded.
One not the household's doing (unsafe to enter, other) is kept too, as
no_access_not_household: counted, nothing against the household (ADR 0197).
Before, compliance took only the household's no-access history from it: the gas check
showed no attempt and its ladder never started, though the engineer had not got in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from compliance.checks import repository as checks
from compliance.checks.service import ProgrammeService
from compliance.models import AccessOutcome
from hearth_contracts import Envelope
from hearth_contracts.events.visits import NoAccessReason, VisitKind, VisitNoAccess
from hearth_kit.db import Database
from hearth_kit.working_days import LONDON
from services.compliance.tests.checks.test_contractor_api import a_contractor, assign
from services.compliance.tests.checks.test_first_time_access import first_time_access
from services.compliance.tests.checks.test_programme import (
    a_full_visit,
    a_gas_home,
    gas_check,
    handle_twice,
)
from services.compliance.tests.factories import a_record, london_today


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


async def test_a_visit_only_offered_the_check_records_none(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A visit the check was offered to but that did not name it took no engineer."""
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
    assert await published("access-failed", offered_home) == []


@pytest.mark.parametrize("reason", [NoAccessReason.UNSAFE_TO_ENTER, NoAccessReason.OTHER])
async def test_no_access_not_the_households_is_a_failed_attempt_and_nothing_against_them(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
    reason: NoAccessReason,
) -> None:
    """ADR 0197: a combined appointment the officer found unsafe to enter, or gave
    another reason for, is the gas check's attempt too (every attempt is recorded):
    kept once as no_access_not_household, a failed attempt, so the check done after it
    is not done at the first attempt in compliance.first_time_access. Not the
    household's failure: no access-failed (visits' no-access history), no ladder, and
    its checks stay at the usual lead time. Before, the handler returned at once: no
    attempt, and the check counted done first time."""
    before = await first_time_access(compliance)
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visit = a_full_visit(uprn, start, paired_check_id=uuid.UUID(check["id"]))
    await handle_twice(compliance_database, programme, visit)
    await handle_twice(
        compliance_database,
        programme,
        no_access(uprn, visit.data.visit_id, start + timedelta(minutes=10), reason),
    )
    assert await attempts(compliance, uprn) == (1, 1)
    async with compliance_database.sessionmaker() as session:
        [kept] = await checks.attempts_for(session, uuid.UUID(check["id"]))
    assert (kept.outcome, kept.attempted_by) == (
        AccessOutcome.NO_ACCESS_NOT_HOUSEHOLD,
        f"visit {visit.data.visit_id}",
    )
    after = await gas_check(compliance, uprn)
    assert (after["no_access_step"], after["next_no_access_step_on"]) == (0, None)
    assert after["due_from"] == check["due_from"]  # the usual lead: no no-access history
    assert after["status"] == "in_date"
    assert await published("access-failed", uprn) == []

    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert recorded.status_code == 201, recorded.text
    done = await first_time_access(compliance)
    assert (done[0] - before[0], done[1] - before[1]) == (0, 1)


async def test_a_lite_visits_no_access_is_no_attempt_at_the_gas_check(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """ADR 0197: a phone or video call unanswered took nobody to the door, so the gas
    check records no attempt, whatever visit id it names."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=40))
    check = await gas_check(compliance, uprn)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visit = a_full_visit(uprn, start, paired_check_id=uuid.UUID(check["id"]))
    await handle_twice(compliance_database, programme, visit)
    for reason in (NoAccessReason.NO_ANSWER, NoAccessReason.UNSAFE_TO_ENTER):
        lite = no_access(uprn, visit.data.visit_id, start, reason)
        lite = Envelope(data=lite.data.model_copy(update={"kind": VisitKind.LITE}))
        await handle_twice(compliance_database, programme, lite)
    assert await attempts(compliance, uprn) == (0, 0)
    assert await published("access-failed", uprn) == []


async def test_an_engineer_may_record_no_access_not_the_households(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """The same outcome through the attempts route: counted as a failed attempt, and
    nothing against the household; a ladder running goes on as it was."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    url = f"/v1/compliance/checks/{check['id']}/access-attempts"
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    kept = await compliance.post(
        url,
        json={
            "attempted_at": at.isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access_not_household",
        },
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["outcome"] == "no_access_not_household"
    after = await gas_check(compliance, uprn)
    assert (after["access_attempts"], after["no_access_attempts"]) == (1, 1)
    assert (after["next_no_access_step_on"], after["due_from"]) == (None, check["due_from"])
    assert await published("access-failed", uprn) == []

    refused = await compliance.post(
        url,
        json={
            "attempted_at": (at + timedelta(minutes=20)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "refused",
        },
    )
    assert refused.status_code == 201, refused.text
    running = (await gas_check(compliance, uprn))["next_no_access_step_on"]
    assert running is not None
    again = await compliance.post(
        url,
        json={
            "attempted_at": (at + timedelta(minutes=40)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access_not_household",
        },
    )
    assert again.status_code == 201, again.text
    last = await gas_check(compliance, uprn)
    assert (last["no_access_attempts"], last["next_no_access_step_on"]) == (3, running)
    assert len(await published("access-failed", uprn)) == 1


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


async def test_an_attempt_keeps_who_recorded_it(
    compliance: httpx.AsyncClient, compliance_database: Database, published: Any
) -> None:
    """ADR 0198: no_access_not_household publishes nothing (no access-failed naming the
    contractor), and `attempted_by` is only what the caller typed: a contractor
    recording a household's failure that way (no ladder, no history) left no trace it
    was the contractor's word. The attempt keeps the contractor and the caller's
    subject, and the 201 shows the contractor; staff's attempt names none."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    gasco, gasco_token = a_contractor()
    await assign(compliance, check, gasco)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    body = {"attempted_at": at.isoformat(), "attempted_by": "ENG-7"}

    by_contractor = await compliance.post(
        f"/v1/contractor/compliance/checks/{check['id']}/access-attempts",
        json={**body, "outcome": "no_access_not_household"},
        auth=gasco_token,
    )
    assert by_contractor.status_code == 201, by_contractor.text
    assert by_contractor.json()["contractor_id"] == gasco
    by_staff = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            **body,
            "attempted_at": (at + timedelta(minutes=5)).isoformat(),
            "outcome": "no_access_not_household",
        },
    )
    assert by_staff.status_code == 201, by_staff.text
    assert by_staff.json()["contractor_id"] is None
    assert await published("access-failed", uprn) == []

    async with compliance_database.sessionmaker() as session:
        kept = {
            a.attempt_number: (a.contractor_id, a.recorded_by is not None)
            for a in await checks.attempts_for(session, uuid.UUID(check["id"]))
        }
    assert kept == {1: (gasco, True), 2: (None, True)}
