"""A home's checks and the listings, access attempts and the no-access ladder, the
cross-check, and the handlers (tenancy-started, visit-scheduled, visit-no-access)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlmodel import col

from compliance.checks.rules import add_months
from compliance.checks.service import ProgrammeService, to_public
from compliance.handlers import build_handlers
from compliance.models import Check
from hearth_contracts import Envelope
from hearth_contracts.events.base import Event
from hearth_contracts.events.compliance import CheckType
from hearth_contracts.events.income import TenancyStarted, TenancyType, Tenant
from hearth_contracts.events.visits import (
    NoAccessReason,
    VisitChannel,
    VisitKind,
    VisitNoAccess,
    VisitScheduled,
)
from hearth_kit.db import Database
from hearth_kit.working_days import LONDON, end_of_london_day, london_day
from services.compliance.tests.factories import london_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_gas_home(
    compliance: httpx.AsyncClient, expires_on: date | None, **overrides: object
) -> str:
    uprn = a_uprn()
    body: dict[str, Any] = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "electrical_certificate_expires_on": "2031-01-01",
        **overrides,
    }
    if expires_on is not None:
        body["gas_certificate_expires_on"] = expires_on.isoformat()
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    return uprn


async def gas_check(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return next(c for c in body["checks"] if c["check_type"] == "gas_safety")


def a_full_visit(
    uprn: str,
    start: datetime,
    *,
    scheduled_at: datetime | None = None,
    paired_check_id: uuid.UUID | None = None,
) -> Envelope[VisitScheduled]:
    """visit-scheduled for a full visit in the home, an hour from `start`, booked now
    unless `scheduled_at` says when."""
    return Envelope(
        data=VisitScheduled(
            visit_id=uuid.uuid4(),
            uprn=uprn,
            kind=VisitKind.FULL,
            channel=VisitChannel.IN_HOME,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
            paired_check_id=paired_check_id,
            scheduled_at=scheduled_at or datetime.now(UTC),
        )
    )


async def listed(compliance: httpx.AsyncClient, status: str) -> set[str]:
    uprns: set[str] = set()
    cursor = None
    while True:
        params: dict[str, Any] = {"status": status, "type": "gas_safety", "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await compliance.get("/v1/compliance/checks", params=params)).json()
        uprns |= {c["uprn"] for c in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return uprns


async def handle_twice(
    db: Database, programme: ProgrammeService, envelope: Envelope[Event]
) -> None:
    """Run the service's handler for an event twice, as a redelivery would."""
    handler = build_handlers(programme).get(envelope.type)
    assert handler is not None
    for _ in range(2):
        async with db.sessionmaker() as session, session.begin():
            await handler(session, envelope)


async def test_the_lists_show_due_overdue_and_expired_checks(
    compliance: httpx.AsyncClient,
) -> None:
    due = await a_gas_home(compliance, london_today() + timedelta(days=20))
    expired = await a_gas_home(compliance, london_today() - timedelta(days=5))
    first = await a_gas_home(compliance, None)  # never checked: overdue, no certificate
    in_date = await a_gas_home(compliance, london_today() + timedelta(days=200))
    assert due in await listed(compliance, "due")
    overdue = await listed(compliance, "overdue")
    assert {expired, first} <= overdue
    assert due not in overdue
    assert in_date not in overdue
    expired_list = await listed(compliance, "expired")
    assert expired in expired_list
    assert first not in expired_list
    check = await gas_check(compliance, expired)
    assert check["status"] == "overdue"
    assert check["days_overdue"] == 5
    home = (await compliance.get(f"/v1/compliance/homes/{expired}")).json()
    assert home["gas_status"] == "annual"
    assert home["gas_check_status"] == "overdue"
    bad = await compliance.get("/v1/compliance/checks", params={"status": "late"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


async def test_type_gas_lists_the_gas_checks_as_gas_safety_does(
    compliance: httpx.AsyncClient,
) -> None:
    """Issue 7 spells the filter `type=gas`; `gas_safety` (the check type) works too."""
    overdue = await a_gas_home(compliance, london_today() - timedelta(days=5))
    by_type = {}
    for spelling in ("gas", "gas_safety"):
        response = await compliance.get(
            "/v1/compliance/checks", params={"status": "overdue", "type": spelling, "limit": 200}
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert {c["check_type"] for c in items} == {"gas_safety"}
        by_type[spelling] = [c["id"] for c in items]
    assert by_type["gas"] == by_type["gas_safety"]
    assert overdue in {c["uprn"] for c in items}
    bad = await compliance.get("/v1/compliance/checks", params={"type": "gas_check"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["type"]


async def test_no_access_starts_the_ladder_and_each_step_is_raised_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    assert check["status"] == "in_date"  # 80 days out: not yet at the 60-day lead time
    attempted_at = datetime.now(UTC) - timedelta(hours=1)
    response = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": attempted_at.isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
            "card_left": True,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["attempt_number"] == 1
    assert len(await published("access-failed", uprn)) == 1
    after = await gas_check(compliance, uprn)
    assert after["status"] == "due"  # a no-access history: 90 days ahead
    # The ladder's first step is on the day of the attempt (London), which an hour ago
    # may have been yesterday.
    assert after["next_no_access_step_on"] == attempted_at.astimezone(LONDON).date().isoformat()

    async def climb(now: datetime) -> int:
        total = 0
        while True:
            async with compliance_database.sessionmaker() as session, session.begin():
                handled = await programme.climb_ladder(session, now)
            if not handled:
                return total
            total += handled

    now = datetime.now(UTC)
    await climb(now)
    await climb(now)
    steps = [e["step"] for e in await published("access-escalated", uprn)]
    assert steps == ["appointment_letter"]
    # Each step its gap after the one before was raised: a run 30 days on raises the
    # second appointment alone (14 days after the letter), the final warning comes 14
    # days after that (its 28 less the second appointment's 14).
    await climb(now + timedelta(days=30))
    steps = [e["step"] for e in await published("access-escalated", uprn)]
    assert steps == ["appointment_letter", "second_appointment"]
    assert (await gas_check(compliance, uprn))["next_no_access_step_on"] == (
        london_day(now + timedelta(days=44)).isoformat()
    )
    await climb(now + timedelta(days=44))
    steps = [e["step"] for e in await published("access-escalated", uprn)]
    assert steps == ["appointment_letter", "second_appointment", "final_warning"]
    gained = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": datetime.now(UTC).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "access_gained",
        },
    )
    assert gained.status_code == 201
    await climb(now + timedelta(days=60))
    assert len(await published("access-escalated", uprn)) == 3  # the ladder stopped


async def test_a_backdated_failure_climbs_the_ladder_one_step_a_run_not_all_at_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A failed attempt recorded 4.5 months late: the next run raises the appointment
    letter alone (its day long past), and each later step comes its configured gap
    after the one before was raised, never every letter and legal action together."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    now = datetime.now(UTC)
    body = {
        "attempted_at": (now - timedelta(days=137)).isoformat(),
        "attempted_by": "ENG-7",
        "outcome": "no_access",
    }
    attempts = f"/v1/compliance/checks/{check['id']}/access-attempts"
    assert (await compliance.post(attempts, json=body)).status_code == 201

    async def climb(on: datetime) -> list[str]:
        async with compliance_database.sessionmaker() as session, session.begin():
            while await programme.climb_ladder(session, on):
                pass
        return [e["step"] for e in await published("access-escalated", uprn)]

    assert await climb(now) == ["appointment_letter"]
    after = await gas_check(compliance, uprn)
    assert after["no_access_step"] == 1
    assert after["next_no_access_step_on"] == london_day(now + timedelta(days=14)).isoformat()
    assert await climb(now + timedelta(days=13)) == ["appointment_letter"]
    expected = ["appointment_letter", "second_appointment"]
    assert await climb(now + timedelta(days=14)) == expected
    for day, step in ((28, "final_warning"), (35, "housing_officer_visit")):
        expected.append(step)
        assert await climb(now + timedelta(days=day)) == expected
    assert await climb(now + timedelta(days=41)) == expected
    assert await climb(now + timedelta(days=42)) == [*expected, "legal_action"]


async def test_a_failure_after_access_was_gained_starts_the_ladder_again(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    attempts = f"/v1/compliance/checks/{check['id']}/access-attempts"

    async def attempt(outcome: str, at: datetime) -> None:
        body = {"attempted_at": at.isoformat(), "attempted_by": "ENG-7", "outcome": outcome}
        assert (await compliance.post(attempts, json=body)).status_code == 201

    now = datetime.now(UTC)
    await attempt("no_access", now - timedelta(days=3))
    async with compliance_database.sessionmaker() as session, session.begin():
        await programme.climb_ladder(session, now)  # the appointment letter
    await attempt("access_gained", now - timedelta(days=2))
    assert (await gas_check(compliance, uprn))["next_no_access_step_on"] is None
    failed_again = now - timedelta(minutes=5)
    await attempt("no_access", failed_again)
    after = await gas_check(compliance, uprn)
    assert after["no_access_attempts"] == 2
    assert after["no_access_step"] == 0
    assert after["next_no_access_step_on"] == failed_again.astimezone(LONDON).date().isoformat()
    async with compliance_database.sessionmaker() as session, session.begin():
        await programme.climb_ladder(session, now)
    steps = [(e["step"], e["step_number"]) for e in await published("access-escalated", uprn)]
    assert steps == [("appointment_letter", 1), ("appointment_letter", 1)]


async def test_an_attempt_in_the_future_is_refused(compliance: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    check = await gas_check(compliance, uprn)
    response = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attempted_at"
    assert (await gas_check(compliance, uprn))["access_attempts"] == 0


async def test_a_new_tenancy_raises_an_alarm_check_on_its_first_day_once(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = london_today() + timedelta(days=3)
    event = Envelope(
        data=TenancyStarted(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-1",
            uprn=uprn,
            tenants=[Tenant(person_id=uuid.uuid4(), full_name="A Tenant")],
            start_date=start,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10000,
        )
    )
    await handle_twice(compliance_database, programme, event)
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    alarms = [c for c in body["checks"] if c["check_type"] == "smoke_co_alarms"]
    # due by the first day: in time on it, overdue from the next (ADR 0221)
    assert [a["due_by"] for a in alarms] == [start.isoformat()]


async def test_an_alarm_check_is_not_overdue_on_the_tenancys_first_day(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """DOMAIN.md: alarms are checked on the first day of a tenancy. On that day the
    check is due, not overdue (nor on the overdue list); from the next day it is late."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = date(2026, 3, 2)
    event = Envelope(
        data=TenancyStarted(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-2",
            uprn=uprn,
            tenants=[Tenant(person_id=uuid.uuid4(), full_name="A Tenant")],
            start_date=start,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10000,
        )
    )
    await handle_twice(compliance_database, programme, event)
    async with compliance_database.sessionmaker() as session:
        checks = [
            c
            for c in (await session.execute(select(Check).where(col(Check.uprn) == uprn)))
            .scalars()
            .all()
            if c.check_type is CheckType.SMOKE_CO_ALARMS
        ]
    assert len(checks) == 1
    assert to_public(checks[0], start).status == "due"
    assert to_public(checks[0], start + timedelta(days=1)).status == "overdue"


async def test_a_visit_near_the_gas_due_date_is_offered_as_one_appointment_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    near = await a_gas_home(compliance, london_today() + timedelta(days=40))
    far = await a_gas_home(compliance, london_today() + timedelta(days=300))
    start = datetime.now(UTC) + timedelta(days=7)
    for uprn in (near, far):
        await handle_twice(compliance_database, programme, a_full_visit(uprn, start))
    offers = await published("combined-appointment-offered", near)
    check = await gas_check(compliance, near)
    assert [(o["check_id"], o["visit_id"]) for o in offers] == [
        (check["id"], str(check["paired_visit_id"]))
    ]
    assert await published("combined-appointment-offered", far) == []


async def test_a_phone_or_video_visit_is_never_offered_with_the_gas_check(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    start = datetime.now(UTC) + timedelta(days=7)
    for channel in (VisitChannel.PHONE, VisitChannel.VIDEO):
        uprn = await a_gas_home(compliance, london_today() + timedelta(days=40))
        check = await gas_check(compliance, uprn)
        for paired_check_id in (None, uuid.UUID(check["id"])):
            visit = Envelope(
                data=VisitScheduled(
                    visit_id=uuid.uuid4(),
                    uprn=uprn,
                    kind=VisitKind.LITE,
                    channel=channel,
                    scheduled_start=start,
                    scheduled_end=start + timedelta(hours=1),
                    paired_check_id=paired_check_id,
                    scheduled_at=datetime.now(UTC),
                )
            )
            await handle_twice(compliance_database, programme, visit)
        assert await published("combined-appointment-offered", uprn) == []
        after = await gas_check(compliance, uprn)
        assert (after["paired_visit_id"], after["appointment_start"]) == (None, None)


async def test_a_visit_with_no_access_gives_the_household_the_longer_lead_time(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
    event = Envelope(
        data=VisitNoAccess(
            visit_id=uuid.uuid4(),
            uprn=uprn,
            kind=VisitKind.FULL,
            attempted_at=datetime.now(UTC),
            reason=NoAccessReason.NO_ANSWER,
            attempt_number=1,
        )
    )
    await handle_twice(compliance_database, programme, event)
    check = await gas_check(compliance, uprn)
    assert check["due_from"] == (london_today() + timedelta(days=80 - 90)).isoformat()
    assert check["status"] == "due"


async def test_only_a_household_not_giving_access_to_a_full_visit_is_a_no_access_history(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """An unanswered phone call (lite visit), an officer who found it unsafe to enter, or
    an unstated reason leave the household's checks at the usual lead time."""
    ignored = [
        (VisitKind.LITE, NoAccessReason.NO_ANSWER),
        (VisitKind.FULL, NoAccessReason.UNSAFE_TO_ENTER),
        (VisitKind.FULL, NoAccessReason.OTHER),
    ]
    for kind, reason in ignored:
        uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
        event = Envelope(
            data=VisitNoAccess(
                visit_id=uuid.uuid4(),
                uprn=uprn,
                kind=kind,
                attempted_at=datetime.now(UTC),
                reason=reason,
                attempt_number=1,
            )
        )
        await handle_twice(compliance_database, programme, event)
        check = await gas_check(compliance, uprn)
        assert check["due_from"] == (london_today() + timedelta(days=80 - 60)).isoformat(), (
            kind,
            reason,
        )
        assert check["status"] == "in_date", (kind, reason)
    for reason in (NoAccessReason.RESIDENT_AWAY, NoAccessReason.APPOINTMENT_CANCELLED_LATE):
        uprn = await a_gas_home(compliance, london_today() + timedelta(days=80))
        event = Envelope(
            data=VisitNoAccess(
                visit_id=uuid.uuid4(),
                uprn=uprn,
                kind=VisitKind.FULL,
                attempted_at=datetime.now(UTC),
                reason=reason,
                attempt_number=1,
            )
        )
        await handle_twice(compliance_database, programme, event)
        assert (await gas_check(compliance, uprn))["status"] == "due", reason


async def test_a_visit_after_the_gas_due_date_is_not_offered_unless_the_check_is_overdue(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """Inside the pairing window but after the due date: the check would be done after
    the certificate lapsed, so no offer; an overdue check takes the visit booked."""
    due_soon = await a_gas_home(compliance, london_today() + timedelta(days=5))
    overdue = await a_gas_home(compliance, london_today() - timedelta(days=3))
    start = datetime.now(UTC) + timedelta(days=20)
    for uprn in (due_soon, overdue):
        await handle_twice(compliance_database, programme, a_full_visit(uprn, start))
    assert await published("combined-appointment-offered", due_soon) == []
    assert (await gas_check(compliance, due_soon))["paired_visit_id"] is None
    offers = await published("combined-appointment-offered", overdue)
    assert [o["check_id"] for o in offers] == [(await gas_check(compliance, overdue))["id"]]


async def test_a_visit_booked_before_the_check_fell_overdue_is_judged_as_when_it_was_booked(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """The overdue exception is judged on the day the visit was booked (its
    scheduled_at), not on the day the event is processed: a visit booked while the
    check was still in date, for a day after its expiry, is not offered even when
    the booking reaches compliance after the check fell overdue."""
    uprn = await a_gas_home(compliance, london_today() - timedelta(days=3))
    booked_at = datetime.now(UTC) - timedelta(days=10)  # the check was still in date
    start = datetime.now(UTC) + timedelta(days=20)
    visit = a_full_visit(uprn, start, scheduled_at=booked_at)
    await handle_twice(compliance_database, programme, visit)
    assert await published("combined-appointment-offered", uprn) == []
    assert (await gas_check(compliance, uprn))["paired_visit_id"] is None


async def test_the_cross_check_lists_gas_homes_missing_from_the_programme(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    check = await gas_check(compliance, uprn)
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Check)
            .where(col(Check.id) == uuid.UUID(check["id"]))
            .values(completed_at=datetime.now(UTC))
        )
    listed_uprns: set[str] = set()
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await compliance.get("/v1/compliance/cross-check", params=params)).json()
        listed_uprns |= {item["uprn"] for item in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert uprn in listed_uprns


async def test_the_figures_give_bs01_overdue_bands_and_due_soon(
    compliance: httpx.AsyncClient,
) -> None:
    await a_gas_home(compliance, london_today() + timedelta(days=20))
    await a_gas_home(compliance, london_today() - timedelta(days=100))
    response = await compliance.get("/v1/compliance/figures")
    assert response.status_code == 200, response.text
    body = response.json()
    measures = {m["code"]: m for m in body["measures"]}
    assert {"BS01", "BS02", "BS03", "BS04", "BS05"} <= set(measures)
    bs01 = measures["BS01"]
    assert 0 < bs01["numerator"] < bs01["denominator"]
    assert measures["compliance.due_in_30_days"]["numerator"] >= 1
    bands = {m["code"]: m["numerator"] for m in body["breakdowns"]["overdue_by_age"]}
    assert bands["compliance.overdue.91_180_days"] >= 1
    assert body["to"] == london_today().isoformat()
    wrong = await compliance.get(
        "/v1/compliance/figures", params={"from": "2026-05-01", "to": "2026-04-01"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "to"


async def test_a_visit_naming_the_gas_check_books_it_into_the_visits_slot(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=40))
    check = await gas_check(compliance, uprn)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    visit = a_full_visit(uprn, start, paired_check_id=uuid.UUID(check["id"]))
    await handle_twice(compliance_database, programme, visit)
    paired = await gas_check(compliance, uprn)
    assert paired["paired_visit_id"] == str(visit.data.visit_id)
    assert datetime.fromisoformat(paired["appointment_start"]) == start


async def test_an_eicr_with_a_c2_opens_the_next_in_5_years_and_asks_for_a_28_day_repair(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    eicr = next(c for c in body["checks"] if c["check_type"] == "electrical")
    done_on = london_today() - timedelta(days=2)
    future = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json={
            "done_on": (london_today() + timedelta(days=1)).isoformat(),
            "certificate_reference": "EICR-1",
            "outcome": "unsatisfactory",
        },
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "done_on"
    response = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json={
            "done_on": done_on.isoformat(),
            "certificate_reference": "EICR-1",
            "outcome": "unsatisfactory",
            "defects": [
                {
                    "classification": "potentially_dangerous",
                    "location": "consumer unit",
                    "description": "No RCD protection on socket circuits",
                },
                {
                    "classification": "improvement_recommended",
                    "location": "hall",
                    "description": "Old cable colours",
                },
            ],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["expires_on"] == done_on.replace(year=done_on.year + 5).isoformat()
    defects = await published("safety-defect-found", uprn)
    assert [(d["classification"], d["priority"], d["trade"]) for d in defects] == [
        ("potentially_dangerous", "urgent", "electrical")
    ]
    # 28 days starting with the inspection's day (ADR 0102): the 28th is 27 days after
    # it, and the whole of it counts (a deadline is met before the next London day
    # begins), so remedy_by is that day's end, as a repair's target is
    remedy_by = datetime.fromisoformat(defects[0]["remedy_by"])
    assert remedy_by == end_of_london_day(done_on + timedelta(days=27))
    completed = await published("check-completed", uprn)
    assert [c["check_type"] for c in completed] == ["electrical"]
    gas = await gas_check(compliance, uprn)
    wrong = await compliance.post(
        f"/v1/compliance/checks/{gas['id']}/certificates",
        json={
            "done_on": london_today().isoformat(),
            "certificate_reference": "X",
            "outcome": "satisfactory",
        },
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "check_id"


async def test_the_same_certificate_sent_to_the_next_cycle_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """An EICR sent again, without its Idempotency-Key, to the cycle the first opened:
    a 409 naming certificate_reference, and the new cycle stays open."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    eicr = next(c for c in body["checks"] if c["check_type"] == "electrical")
    certificate = {
        "done_on": (london_today() - timedelta(days=1)).isoformat(),
        "certificate_reference": f"EICR-{uprn}",
        "outcome": "satisfactory",
    }
    first = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates", json=certificate
    )
    assert first.status_code == 201, first.text
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    following = next(
        c for c in body["checks"] if c["check_type"] == "electrical" and not c["completed_at"]
    )
    again = await compliance.post(
        f"/v1/compliance/checks/{following['id']}/certificates", json=certificate
    )
    assert again.status_code == 409, again.text
    assert [e["field"] for e in again.json()["errors"]] == ["certificate_reference"]
    assert f"EICR-{uprn}" not in again.text
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    still = next(c for c in body["checks"] if c["id"] == following["id"])
    assert still["completed_at"] is None
    completed = await published("check-completed", uprn)
    assert len([e for e in completed if e["check_type"] == "electrical"]) == 1


async def test_a_certificate_dated_before_the_last_one_of_its_type_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """The open EICR cycle follows the last certificate (done 300 days ago): an older one
    sent to it late (two years before that, within the 60 months the register goes back,
    ADR 0070) would complete it before it began and set the next expiry from then (three
    years before the one the newer certificate gave), making the home overdue on old
    paper. 422 naming done_on; the cycle stays open with its dates, nothing is published;
    a later certificate still completes it. Days from the day the test runs: fixed ones
    fall out of the register's history on a later day."""
    last_done = london_today() - timedelta(days=300)
    next_due = add_months(last_done, 60).isoformat()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    eicr = next(c for c in body["checks"] if c["check_type"] == "electrical")
    first = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json={
            "done_on": last_done.isoformat(),
            "certificate_reference": f"EICR-A-{uprn}",
            "outcome": "unsatisfactory",
            "defects": [
                {
                    "classification": "potentially_dangerous",
                    "location": "consumer unit",
                    "description": "No RCD protection",
                }
            ],
        },
    )
    assert first.status_code == 201, first.text
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    following = next(
        c for c in body["checks"] if c["check_type"] == "electrical" and not c["completed_at"]
    )
    assert following["due_by"] == next_due
    events = {
        name: await published(name, uprn) for name in ("check-completed", "safety-defect-found")
    }
    older = await compliance.post(
        f"/v1/compliance/checks/{following['id']}/certificates",
        json={
            "done_on": add_months(last_done, -24).isoformat(),
            "certificate_reference": f"EICR-OLD-{uprn}",
            "outcome": "unsatisfactory",
            "defects": [
                {
                    "classification": "danger_present",
                    "location": "kitchen",
                    "description": "Exposed live conductors",
                }
            ],
        },
    )
    assert older.status_code == 422, older.text
    assert [e["field"] for e in older.json()["errors"]] == ["done_on"]
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    still = next(c for c in body["checks"] if c["id"] == following["id"])
    assert (still["completed_at"], still["due_by"]) == (None, next_due)
    assert {name: await published(name, uprn) for name in events} == events
    later = await compliance.post(
        f"/v1/compliance/checks/{following['id']}/certificates",
        json={
            "done_on": (last_done + timedelta(days=22)).isoformat(),
            "certificate_reference": f"EICR-B-{uprn}",
            "outcome": "satisfactory",
        },
    )
    assert later.status_code == 201, later.text
