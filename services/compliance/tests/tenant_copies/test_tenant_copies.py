"""The tenant's copy of a safety record: owed when the record arrives (28 days),
stamped sent when engagement says so (tenant-copy-sent), shown in the home's view and
the record's, counted in the figures; a new tenancy in a home with a current gas safety
record asks engagement for a copy before moving in (tenant-copy-requested), once, for
tenancy-started v1 and v2 alike."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, text, update
from sqlmodel import col

from compliance import metrics
from compliance.checks.service import ProgrammeService
from compliance.handlers import build_handlers
from compliance.models import TenantCopy
from compliance.settings import MIGRATIONS_DIR, ComplianceSettings
from compliance.tenant_copies.rules import CopyStanding, standing
from hearth_contracts import Envelope
from hearth_contracts.events.base import Event
from hearth_contracts.events.compliance import retest_copy_id
from hearth_contracts.events.engagement import ContactChannel, TenantCopySent
from hearth_contracts.events.income import (
    TenancyStarted,
    TenancyStartedV2,
    TenancyType,
    Tenant,
    TenantOfTenancy,
)
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from hearth_kit.migrations import upgrade
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.factories import a_record, london_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_gas_home(compliance: httpx.AsyncClient) -> str:
    uprn = a_uprn()
    body: dict[str, Any] = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "gas_certificate_expires_on": (london_today() + timedelta(days=30)).isoformat(),
    }
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    return uprn


async def a_gas_record(
    compliance: httpx.AsyncClient, uprn: str, check_date: date, **changes: Any
) -> dict[str, Any]:
    """A gas safety record received for the home (a re-test: another certificate_reference
    the same day)."""
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, check_date, **changes),
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def handle(
    db: Database, programme: ProgrammeService, envelope: Envelope[Event], times: int = 2
) -> None:
    """Run the service's handler for an event (twice by default, as a redelivery)."""
    handler = build_handlers(programme).get(envelope.type)
    assert handler is not None
    for _ in range(times):
        async with db.sessionmaker() as session, session.begin():
            await handler(session, envelope)


def copy_sent(copy_id: str, uprn: str, sent_at: datetime) -> Envelope[TenantCopySent]:
    return Envelope(
        data=TenantCopySent(
            copy_id=uuid.UUID(copy_id),
            message_id=uuid.uuid4(),
            resident_id=uuid.uuid4(),
            uprn=uprn,
            channel=ContactChannel.LETTER,
            sent_at=sent_at,
        )
    )


async def household_copy(compliance: httpx.AsyncClient, uprn: str, check_id: str) -> Any:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return next(c for c in home["checks"] if c["id"] == check_id), home["tenant_copies"]


async def test_a_copy_sent_in_time_is_stamped_and_shown_once(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance)
    record = await a_gas_record(compliance, uprn, london_today())
    check, copies = await household_copy(compliance, uprn, record["check_id"])
    assert check["tenant_copy_by"] == (london_today() + timedelta(days=28)).isoformat()
    assert check["tenant_copy_sent_at"] is None
    assert [(c["id"], c["standing"], c["tenancy_id"]) for c in copies] == [
        (record["check_id"], "owed", None)
    ]

    first = datetime.now(UTC).replace(microsecond=0)
    await handle(compliance_database, programme, copy_sent(record["check_id"], uprn, first))
    # a joint tenant's copy going out later does not move the stamp
    later = copy_sent(record["check_id"], uprn, first + timedelta(days=40))
    await handle(compliance_database, programme, later, times=1)

    check, copies = await household_copy(compliance, uprn, record["check_id"])
    assert datetime.fromisoformat(check["tenant_copy_sent_at"]) == first
    assert check["tenant_copy_sent_on_time"] is True
    assert copies[0]["standing"] == "sent_on_time"
    shown = (await compliance.get(f"/v1/gas-safety-records/{record['id']}")).json()
    assert datetime.fromisoformat(shown["tenant_copy_sent_at"]) == first
    assert shown["tenant_copy_sent_on_time"] is True


async def test_a_copy_sent_after_its_deadline_is_late_and_counted(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    before = {
        m["code"]: m for m in (await compliance.get("/v1/compliance/figures")).json()["measures"]
    }
    uprn = await a_gas_home(compliance)
    record = await a_gas_record(compliance, uprn, london_today() - timedelta(days=40))
    assert record["copy_to_tenant_by"] == (london_today() - timedelta(days=12)).isoformat()
    after = {
        m["code"]: m for m in (await compliance.get("/v1/compliance/figures")).json()["measures"]
    }
    overdue = "compliance.tenant_copies_overdue"
    assert after[overdue]["numerator"] == before[overdue]["numerator"] + 1
    on_time = "compliance.tenant_copies_on_time"
    assert after[on_time]["denominator"] == before[on_time]["denominator"] + 1
    assert after[on_time]["numerator"] == before[on_time]["numerator"]

    await handle(
        compliance_database, programme, copy_sent(record["check_id"], uprn, datetime.now(UTC))
    )
    check, copies = await household_copy(compliance, uprn, record["check_id"])
    assert check["tenant_copy_sent_on_time"] is False
    assert copies[0]["standing"] == "sent_late"
    final = {
        m["code"]: m for m in (await compliance.get("/v1/compliance/figures")).json()["measures"]
    }
    assert final[overdue]["numerator"] == before[overdue]["numerator"]


async def test_a_copy_due_today_not_yet_sent_is_not_counted_late(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    # Its deadline is the last day it is in time (London's): until it ends, an unsent copy
    # is owed, not late (as the overdue count and list read it). The on-time share took
    # every copy due up to today, so one due today and sent this evening counted late
    # all day.
    on_time = "compliance.tenant_copies_on_time"

    async def share() -> tuple[int, int]:
        measures = (await compliance.get("/v1/compliance/figures")).json()["measures"]
        [found] = [m for m in measures if m["code"] == on_time]
        return found["numerator"], found["denominator"]

    before = await share()
    uprn = await a_gas_home(compliance)
    record = await a_gas_record(compliance, uprn, london_today() - timedelta(days=28))
    assert record["copy_to_tenant_by"] == london_today().isoformat()
    assert await share() == before

    await handle(
        compliance_database, programme, copy_sent(record["check_id"], uprn, datetime.now(UTC))
    )
    assert await share() == (before[0] + 1, before[1] + 1)


async def test_a_copy_compliance_does_not_track_changes_nothing(
    compliance_database: Database, programme: ProgrammeService
) -> None:
    await handle(
        compliance_database,
        programme,
        copy_sent(str(uuid.uuid4()), a_uprn(), datetime.now(UTC)),
    )


def tenancy_v1(uprn: str, start: date, people: list[uuid.UUID]) -> Envelope[TenancyStarted]:
    return Envelope(
        data=TenancyStarted(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-1",
            uprn=uprn,
            tenants=[Tenant(person_id=p, full_name="A Tenant") for p in people],
            start_date=start,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10000,
        )
    )


def tenancy_v2(uprn: str, start: date, people: list[uuid.UUID]) -> Envelope[TenancyStartedV2]:
    return Envelope(
        data=TenancyStartedV2(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-2",
            uprn=uprn,
            tenants=[
                TenantOfTenancy(person_id=p, lead=i == 0, joint=len(people) > 1)
                for i, p in enumerate(people)
            ],
            start_date=start,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10000,
        )
    )


@pytest.mark.parametrize("version", [1, 2])
async def test_a_new_tenancy_asks_for_the_gas_record_copy_before_moving_in_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
    version: int,
) -> None:
    uprn = await a_gas_home(compliance)
    record = await a_gas_record(compliance, uprn, london_today() - timedelta(days=60))
    start = london_today() + timedelta(days=5)
    people = [uuid.uuid4(), uuid.uuid4()]
    make = tenancy_v1 if version == 1 else tenancy_v2
    tenancy = make(uprn, start, people)
    await handle(compliance_database, programme, tenancy)

    [asked] = await published("tenant-copy-requested", uprn)
    assert asked["check_id"] == record["check_id"]
    assert asked["record_id"] == record["id"]
    assert asked["tenancy_id"] == str(tenancy.data.tenancy_id)
    assert asked["person_ids"] == [str(p) for p in people]
    assert asked["copy_by"] == start.isoformat()
    assert asked["expires_on"] == record["expires_on"]
    assert not {"full_name", "name", "address_line_1"} & set(asked)

    _, copies = await household_copy(compliance, uprn, record["check_id"])
    new_tenancy = next(c for c in copies if c["tenancy_id"] is not None)
    assert new_tenancy["id"] == asked["copy_id"]
    assert new_tenancy["copy_by"] == start.isoformat()
    assert new_tenancy["standing"] == "owed"

    # engagement sent it on the day before the start: in time
    sent_at = start_of_london_day(start - timedelta(days=1)) + timedelta(hours=9)
    await handle(compliance_database, programme, copy_sent(asked["copy_id"], uprn, sent_at))
    _, copies = await household_copy(compliance, uprn, record["check_id"])
    new_tenancy = next(c for c in copies if c["tenancy_id"] is not None)
    assert new_tenancy["sent_on_time"] is True
    household = next(c for c in copies if c["tenancy_id"] is None)
    assert household["tenant_copy_sent_at"] is None  # a different copy


async def test_a_new_tenancy_in_a_home_without_a_current_record_asks_for_nothing(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    never_checked = await a_gas_home(compliance)
    await handle(
        compliance_database, programme, tenancy_v2(never_checked, london_today(), [uuid.uuid4()])
    )
    lapsed = await a_gas_home(compliance)
    await a_gas_record(compliance, lapsed, london_today() - timedelta(days=300))
    await handle(
        compliance_database,
        programme,
        tenancy_v2(lapsed, london_today() + timedelta(days=70), [uuid.uuid4()]),
    )
    assert await published("tenant-copy-requested", never_checked) == []
    assert await published("tenant-copy-requested", lapsed) == []


def test_a_copy_stands_owed_then_overdue_or_sent_on_time_or_late() -> None:
    day = date(2026, 3, 29)  # the clocks go forward: London days, not UTC ones
    assert standing(day, None, day) is CopyStanding.OWED
    assert standing(day, None, day + timedelta(days=1)) is CopyStanding.OVERDUE
    last_minute = start_of_london_day(day + timedelta(days=1)) - timedelta(minutes=1)
    assert standing(day, last_minute, day + timedelta(days=9)) is CopyStanding.SENT_ON_TIME
    next_morning = start_of_london_day(day + timedelta(days=1))
    assert standing(day, next_morning, day) is CopyStanding.SENT_LATE


async def test_copies_not_sent_by_their_deadline_are_listed(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance)
    late = await a_gas_record(compliance, uprn, london_today() - timedelta(days=40))
    listed = await compliance.get(
        "/v1/compliance/tenant-copies", params={"status": "overdue", "uprn": uprn}
    )
    assert listed.status_code == 200, listed.text
    assert [(c["id"], c["standing"]) for c in listed.json()["items"]] == [
        (late["check_id"], "overdue")
    ]
    assert (
        await compliance.get(
            "/v1/compliance/tenant-copies", params={"status": "owed", "uprn": uprn}
        )
    ).json()["items"] == []

    await handle(
        compliance_database, programme, copy_sent(late["check_id"], uprn, datetime.now(UTC))
    )
    after = await compliance.get(
        "/v1/compliance/tenant-copies", params={"status": "overdue", "uprn": uprn}
    )
    assert after.json()["items"] == []
    sent_late = await compliance.get(
        "/v1/compliance/tenant-copies", params={"status": "sent_late", "uprn": uprn}
    )
    assert [c["id"] for c in sent_late.json()["items"]] == [late["check_id"]]


async def test_the_overdue_list_pages_by_deadline(compliance: httpx.AsyncClient) -> None:
    for days in (50, 45, 40):
        await a_gas_record(
            compliance, await a_gas_home(compliance), london_today() - timedelta(days=days)
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"status": "overdue", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await compliance.get("/v1/compliance/tenant-copies", params=params)).json()
        seen += [c["copy_by"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen)
    assert len(seen) >= 3
    bad = await compliance.get("/v1/compliance/tenant-copies", params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


async def test_the_sweep_counts_the_overdue_copies_for_the_alerts(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    await a_gas_record(
        compliance, await a_gas_home(compliance), london_today() - timedelta(days=30)
    )
    job = ScheduledJob("compliance-sweep", timedelta(minutes=5), programme.sweep)
    await run_until_done(compliance_database, job, datetime.now(UTC))
    figures = (await compliance.get("/v1/compliance/figures")).json()["measures"]
    overdue = next(m for m in figures if m["code"] == "compliance.tenant_copies_overdue")
    assert overdue["numerator"] >= 1
    assert metrics.TENANT_COPIES_OVERDUE._value.get() == overdue["numerator"]


async def test_a_same_day_retests_copy_is_owed_and_stamped_on_its_own(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """A re-test (a second record the same day, a new certificate reference) owes the
    household a copy of its own record by its own 28 days, known by the id engagement
    sends it under; the first record's copy stays of the first record."""
    before = {
        m["code"]: m for m in (await compliance.get("/v1/compliance/figures")).json()["measures"]
    }
    uprn = await a_gas_home(compliance)
    day = london_today() - timedelta(days=40)
    first = await a_gas_record(compliance, uprn, day)
    retest = await a_gas_record(compliance, uprn, day, certificate_reference=f"RT-{uprn}")
    check_id = uuid.UUID(first["check_id"])
    retest_copy = str(retest_copy_id(check_id, f"RT-{uprn}"))

    _, copies = await household_copy(compliance, uprn, first["check_id"])
    assert sorted((c["id"], c["record_id"], c["copy_by"], c["standing"]) for c in copies) == sorted(
        [
            (first["check_id"], first["id"], first["copy_to_tenant_by"], "overdue"),
            (retest_copy, retest["id"], retest["copy_to_tenant_by"], "overdue"),
        ]
    )
    overdue = "compliance.tenant_copies_overdue"
    after = {
        m["code"]: m for m in (await compliance.get("/v1/compliance/figures")).json()["measures"]
    }
    assert after[overdue]["numerator"] == before[overdue]["numerator"] + 2

    # the first record's copy went out: only it is stamped
    sent_at = datetime.now(UTC).replace(microsecond=0)
    await handle(compliance_database, programme, copy_sent(first["check_id"], uprn, sent_at))
    check, copies = await household_copy(compliance, uprn, first["check_id"])
    standings = {c["id"]: c["standing"] for c in copies}
    assert standings == {first["check_id"]: "sent_late", retest_copy: "overdue"}
    # the check names the re-test, and shows the re-test's copy
    assert check["record_id"] == retest["id"]
    assert check["tenant_copy_sent_at"] is None
    shown = {
        r["id"]: r["tenant_copy_sent_at"]
        for r in (await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})).json()[
            "items"
        ]
    }
    assert shown[retest["id"]] is None
    assert datetime.fromisoformat(shown[first["id"]]) == sent_at

    # the re-test's copy went out under its own id
    await handle(compliance_database, programme, copy_sent(retest_copy, uprn, sent_at))
    check, _ = await household_copy(compliance, uprn, first["check_id"])
    assert datetime.fromisoformat(check["tenant_copy_sent_at"]) == sent_at
    listed = await compliance.get(
        "/v1/compliance/tenant-copies", params={"status": "overdue", "uprn": uprn}
    )
    assert listed.json()["items"] == []


async def test_migration_0014_names_the_first_record_in_the_check_ids_copy(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    compliance_db_url: str,
) -> None:
    """Before, a re-test switched the unsent check-id copy to name the re-test, and the
    first record's tenant-copy-sent then stamped it: 0014 gives the copy (and its stamp)
    back to the first record; a check with one record, or a new tenancy's copy, is left
    as it was."""
    uprn, alone = await a_gas_home(compliance), await a_gas_home(compliance)
    day = london_today() - timedelta(days=3)
    first = await a_gas_record(compliance, uprn, day)
    retest = await a_gas_record(compliance, uprn, day, certificate_reference=f"RT-{uprn}")
    only = await a_gas_record(compliance, alone, day)
    sent_at = datetime.now(UTC).replace(microsecond=0)
    async with compliance_database.sessionmaker() as session, session.begin():
        # the rows as the code before left them
        await session.execute(
            delete(TenantCopy).where(
                col(TenantCopy.id) == retest_copy_id(uuid.UUID(first["check_id"]), f"RT-{uprn}")
            )
        )
        await session.execute(
            update(TenantCopy)
            .where(col(TenantCopy.id) == uuid.UUID(first["check_id"]))
            .values(record_id=uuid.UUID(retest["id"]), sent_at=sent_at, sent_on_time=True)
        )
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await session.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0014")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": head}
        )

    _, copies = await household_copy(compliance, uprn, first["check_id"])
    assert [(c["id"], c["record_id"], c["standing"]) for c in copies] == [
        (first["check_id"], first["id"], "sent_on_time")
    ]
    _, copies = await household_copy(compliance, alone, only["check_id"])
    assert [(c["id"], c["record_id"]) for c in copies] == [(only["check_id"], only["id"])]


async def test_a_new_tenancy_after_a_retest_is_asked_a_copy_of_the_retest(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """The new tenants' copy is of the home's current record: after a same-day re-test,
    the re-test's, once per tenancy, beside the household's two copies."""
    uprn = await a_gas_home(compliance)
    day = london_today() - timedelta(days=10)
    first = await a_gas_record(compliance, uprn, day)
    retest = await a_gas_record(compliance, uprn, day, certificate_reference=f"RT-{uprn}")
    tenancy = tenancy_v2(uprn, london_today() + timedelta(days=5), [uuid.uuid4()])
    await handle(compliance_database, programme, tenancy)

    [asked] = await published("tenant-copy-requested", uprn)
    assert (asked["check_id"], asked["record_id"]) == (first["check_id"], retest["id"])
    assert asked["certificate_reference"] == f"RT-{uprn}"
    _, copies = await household_copy(compliance, uprn, first["check_id"])
    assert sorted((c["tenancy_id"] is None, c["record_id"]) for c in copies) == sorted(
        [(False, retest["id"]), (True, first["id"]), (True, retest["id"])]
    )


async def test_a_tenancy_replacing_one_ended_on_its_first_day_is_asked_its_own_copy(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A tenancy entered in error and ended on its first day, then the right one started
    the same day: the new tenants are owed the record before they move in as much as
    the first were. Through the consumer's inbox, in the order income published them;
    each announced again under a new event id asks nothing more, one alarm check for
    the day, and a tenancy older than the home's newest changes nothing."""
    uprn = await a_gas_home(compliance)
    await a_gas_record(compliance, uprn, london_today() - timedelta(days=60))
    start = london_today() + timedelta(days=5)
    in_error = tenancy_v2(uprn, start, [uuid.uuid4()])
    right = tenancy_v2(uprn, start, [uuid.uuid4(), uuid.uuid4()])
    older = tenancy_v2(uprn, start - timedelta(days=30), [uuid.uuid4()])  # record in date
    settings = ComplianceSettings(environment="development")
    dead_letters = DeadLetters(settings, compliance_database)
    inbox = Inbox(settings, compliance_database, build_handlers(programme), dead_letters)
    again = [Envelope(data=tenancy.data) for tenancy in (in_error, right)]  # new event ids
    for offset, envelope in enumerate([in_error, right, *again, older]):
        async with compliance_database.sessionmaker() as session, session.begin():
            await inbox.apply(session, [(Message("t", 0, offset, None, None, ()), envelope)])

    asked = await published("tenant-copy-requested", uprn)
    assert [(a["tenancy_id"], a["person_ids"]) for a in asked] == [
        (str(t.data.tenancy_id), [str(p.person_id) for p in t.data.tenants])
        for t in (in_error, right)
    ]
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    alarms = [c for c in home["checks"] if c["check_type"] == "smoke_co_alarms"]
    # one alarm check, due by the first day (in time on it, overdue from the next)
    assert [a["due_by"] for a in alarms] == [start.isoformat()]
