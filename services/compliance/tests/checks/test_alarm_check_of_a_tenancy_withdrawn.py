"""ADR 0111: a tenancy income withdraws before its first day (the offer fell through)
takes its first-day smoke and CO alarm check with it (check-withdrawn): nobody moves in
that day. The next household's tenancy, starting before the withdrawn one would have,
gets its own first-day check: compliance had kept the withdrawn start as the home's
newest, and took the earlier one for an older tenancy arriving late."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, update

from compliance.checks.rules import due_by_for_day
from compliance.checks.service import ProgrammeService
from compliance.models import Check, CheckType
from compliance.tenant_copies import repository as tenant_copy_figures
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
    alarm_checks,
)
from services.compliance.tests.checks.test_programme import a_gas_home, gas_check, handle_twice
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.tenant_copies.test_no_household_copy_between_tenancies import ended
from services.compliance.tests.tenant_copies.test_tenant_copies import a_gas_record, copy_sent


async def withdraw(
    compliance_database: Database,
    programme: ProgrammeService,
    uprn: str,
    start: date,
    tenancy_id: uuid.UUID | None = None,
    withdrawn_at: datetime | None = None,
) -> None:
    """tenancy-withdrawn for the tenancy (another's when not named), handled twice."""
    event = Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy_id or uuid.uuid4(),
            uprn=uprn,
            start_date=start,
            withdrawn_at=withdrawn_at or datetime.now(UTC),
        )
    )
    await handle_twice(compliance_database, programme, event)


async def withdrawn_announced(compliance_database: Database, uprn: str) -> int:
    async with compliance_database.sessionmaker() as session:
        rows = await session.execute(
            outbox_message.select().where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.compliance.check-withdrawn.v1",
            )
        )
        return len(rows.all())


async def test_a_withdrawn_tenancys_alarm_check_goes_and_the_next_start_gets_its_own(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    offered = london_today() + timedelta(days=30)
    tenancy_id = await a_tenancy_from(compliance_database, programme, uprn, offered)
    (raised,) = await alarm_checks(compliance, uprn)
    assert raised["completed_at"] is None

    await withdraw(compliance_database, programme, uprn, offered, tenancy_id)

    (gone,) = await alarm_checks(compliance, uprn)
    assert gone["completed_at"] is not None
    assert await withdrawn_announced(compliance_database, uprn) == 1  # once, however often

    sooner = london_today() + timedelta(days=10)
    await a_tenancy_from(compliance_database, programme, uprn, sooner)
    checks = await alarm_checks(compliance, uprn)
    assert [c["due_by"] for c in checks if c["completed_at"] is None] == [
        due_by_for_day(sooner).isoformat()
    ]


async def test_another_days_alarm_check_stays(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = london_today() + timedelta(days=5)
    await a_tenancy_from(compliance_database, programme, uprn, start)

    await withdraw(compliance_database, programme, uprn, start + timedelta(days=1))

    (still,) = await alarm_checks(compliance, uprn)
    assert still["completed_at"] is None


async def test_a_withdrawn_tenancys_copies_not_sent_are_owed_to_nobody(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """Its tenants were asked a copy of the home's gas safety record before moving in;
    nobody moves in, so it is not owed: not listed, and never overdue (before, it stood
    owed and from the start day overdue for good, in the count, its gauge and alert). A
    copy sent already to another withdrawn tenancy stays, as it went."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_gas_record(compliance, uprn, london_today() - timedelta(days=60))
    offered = london_today() + timedelta(days=30)
    tenancy_id = await a_tenancy_from(compliance_database, programme, uprn, offered)
    [asked] = await published("tenant-copy-requested", uprn)
    assert asked["tenancy_id"] == str(tenancy_id)
    first_late_day = offered + timedelta(days=1)
    overdue_before = await overdue_on(compliance_database, first_late_day)

    await withdraw(compliance_database, programme, uprn, offered, tenancy_id)

    copies = await copies_of(compliance, uprn)
    assert [c for c in copies if c["tenancy_id"] is not None] == []
    assert await overdue_on(compliance_database, first_late_day) == overdue_before - 1
    # the household living there (no end known) is still owed its copy of the record
    assert [c["tenancy_id"] for c in copies] == [None]

    # another tenancy, whose copy went before it was withdrawn: kept, sent on time
    later = offered + timedelta(days=7)
    sent_one = await a_tenancy_from(compliance_database, programme, uprn, later)
    [_, asked_again] = await published("tenant-copy-requested", uprn)
    sent_at = start_of_london_day(later - timedelta(days=2)) + timedelta(hours=9)
    await handle_twice(
        compliance_database, programme, copy_sent(asked_again["copy_id"], uprn, sent_at)
    )
    await withdraw(compliance_database, programme, uprn, later, sent_one)
    [kept] = [c for c in await copies_of(compliance, uprn) if c["tenancy_id"] is not None]
    assert (kept["id"], kept["standing"]) == (asked_again["copy_id"], "sent_on_time")


async def test_a_record_made_in_the_empty_home_owes_no_copy_once_the_next_tenancy_goes(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """A gas check done while the home stood empty, with the next tenancy announced
    ahead, was owed to that household (by its start date). With that tenancy
    withdrawn, the home is empty again, and the copy owed to nobody, as one made with no
    tenancy announced (d0595fa); before, it stood owed and then overdue for good."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, london_today() - timedelta(days=400))
    await handle_twice(compliance_database, programme, ended(uprn, 10))
    offered = london_today() + timedelta(days=20)
    tenancy_id = await a_tenancy_from(compliance_database, programme, uprn, offered)
    record = await a_gas_record(compliance, uprn, london_today() - timedelta(days=2))
    [owed] = [c for c in await copies_of(compliance, uprn) if c["tenancy_id"] is None]
    assert (owed["record_id"], owed["copy_by"]) == (record["id"], offered.isoformat())

    await withdraw(compliance_database, programme, uprn, offered, tenancy_id)

    assert await copies_of(compliance, uprn) == []


async def test_a_start_handled_after_its_withdrawal_changes_nothing(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A tenancy-started replayed late (a dead letter) after tenancy-withdrawn: no
    first-day alarm check, no copies asked for people who never moved in."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_gas_record(compliance, uprn, london_today() - timedelta(days=60))
    offered = london_today() + timedelta(days=30)
    tenancy_id = uuid.uuid4()

    await withdraw(compliance_database, programme, uprn, offered, tenancy_id)
    await a_tenancy_from(compliance_database, programme, uprn, offered, tenancy_id)

    assert await alarm_checks(compliance, uprn) == []
    assert await published("tenant-copy-requested", uprn) == []
    assert [c for c in await copies_of(compliance, uprn) if c["tenancy_id"] is not None] == []
    # the next household's tenancy, whenever it starts, is the home's newest
    sooner = london_today() + timedelta(days=40)
    await a_tenancy_from(compliance_database, programme, uprn, sooner)
    assert [c["due_by"] for c in await alarm_checks(compliance, uprn)] == [
        due_by_for_day(sooner).isoformat()
    ]


async def test_the_household_living_there_keeps_its_first_day_after_a_withdrawal(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """A failure to give access noted before the household living there moved in is not
    its history, before and after the next tenancy, announced ahead, is withdrawn: its
    next gas check starts at the usual lead time (60 days), not the longer one (90).
    Before, the withdrawal forgot the home's tenancy start, and every failure ever
    noted at the home counted as the household's."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    check = await gas_check(compliance, uprn)
    attempt = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) - timedelta(days=20)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
        },
    )
    assert attempt.status_code == 201, attempt.text
    await a_tenancy_from(compliance_database, programme, uprn, london_today() - timedelta(days=10))
    offered = london_today() + timedelta(days=30)
    next_one = await a_tenancy_from(compliance_database, programme, uprn, offered)
    await withdraw(compliance_database, programme, uprn, offered, next_one)

    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert recorded.status_code == 201, recorded.text
    following = await gas_check(compliance, uprn)
    assert following["id"] != check["id"]
    lead = date.fromisoformat(following["due_by"]) - date.fromisoformat(following["due_from"])
    assert lead.days == 60


async def copies_of(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    copies: list[dict[str, Any]] = home["tenant_copies"]
    return copies


async def overdue_on(compliance_database: Database, day: date) -> int:
    """The copies the sweep would count overdue on `day` (tenant_copies_overdue)."""
    async with compliance_database.sessionmaker() as session:
        return await tenant_copy_figures.overdue_count(session, day)


async def test_the_check_goes_when_the_tenancy_was_withdrawn_not_when_compliance_heard(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """Handled late (a lagging partition, a replay), the withdrawal closes the first-day
    check as of the event's withdrawn_at: it was not open, and not overdue, on the days
    between the offer falling through and compliance hearing of it."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    offered = london_today() + timedelta(days=30)
    tenancy_id = await a_tenancy_from(compliance_database, programme, uprn, offered)
    async with compliance_database.sessionmaker() as session, session.begin():
        # the first-day check raised a week ago, when the tenancy was announced
        await session.execute(
            update(Check)
            .where(col(Check.uprn) == uprn, col(Check.check_type) == CheckType.SMOKE_CO_ALARMS)
            .values(created_at=datetime.now(UTC) - timedelta(days=7))
        )
    fell_through = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)

    await withdraw(compliance_database, programme, uprn, offered, tenancy_id, fell_through)

    (gone,) = await alarm_checks(compliance, uprn)
    assert datetime.fromisoformat(gone["completed_at"]) == fell_through


async def test_a_withdrawal_handled_late_never_closes_the_check_before_it_was_raised(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """The tenancy's start handled late too (raised now), its withdrawal three days ago
    closes the check as it was raised, never before it existed."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    offered = london_today() + timedelta(days=30)
    tenancy_id = await a_tenancy_from(compliance_database, programme, uprn, offered)

    await withdraw(
        compliance_database,
        programme,
        uprn,
        offered,
        tenancy_id,
        datetime.now(UTC) - timedelta(days=3),
    )

    (gone,) = await alarm_checks(compliance, uprn)
    async with compliance_database.sessionmaker() as session:
        check = await session.get(Check, uuid.UUID(gone["id"]))
    assert check is not None
    assert check.completed_at == check.created_at
