"""The home's compliance read (`GET /v1/compliance/homes/{uprn}`) in one statement on a
read connection gives the same answer as the ORM reads it replaced, on PostgreSQL and
on SQLite (the embedded default): a home with checks and tenants' copies of several
kinds, a home with none, a block, and a UPRN with neither."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from compliance.checks.rules import ApplianceFact, gas_status
from compliance.checks.schemas import HomeCompliance
from compliance.checks.service import (
    ProgrammeService,
    gas_check_status,
    read_home_compliance,
)
from compliance.homes import repository as homes
from compliance.models import Appliance, ApplianceType, Block, Check, Home, Subject, TenantCopy
from compliance.settings import Programme
from compliance.tenant_copies import service as tenant_copies
from hearth_contracts.events.compliance import (
    CheckType,
    GasSupply,
    HeatingFuel,
    PropertyType,
    Tenure,
)
from hearth_kit.db import Database
from hearth_kit.problems import NotFound
from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TODAY = london_day(NOW)


async def before(db: Database, uprn: str) -> HomeCompliance:
    """The answer as the route gave it before the fast read: the ORM session, a query
    per part (compliance.checks.service.home_compliance as it was)."""
    async with db.sessionmaker() as session:
        home = await homes.get(session, uprn)
        if home is None and await homes.get_block(session, uprn) is None:
            raise NotFound(f"No home or block with UPRN {uprn}")
        listed = await ProgrammeService(Programme()).for_home(session, uprn, NOW)
        copies = await tenant_copies.for_home(session, uprn, TODAY)
        household = {copy.id: copy for copy in copies if copy.tenancy_id is None}
        for check in listed:
            if (copy := household.get(check.id)) is not None:
                check.tenant_copy_by = copy.copy_by
                check.tenant_copy_sent_at = copy.tenant_copy_sent_at
                check.tenant_copy_sent_on_time = copy.sent_on_time
        status = None
        if home is not None:
            status = gas_status(
                home.heating_fuel,
                home.gas_supply,
                [
                    ApplianceFact(a.appliance_type.value, a.landlord_owned, a.location)
                    for a in await homes.appliances_of(session, uprn)
                ],
            )
        return HomeCompliance(
            uprn=uprn,
            gas_status=status,
            gas_check_status=gas_check_status(listed),
            checks=listed,
            tenant_copies=copies,
        )


async def after(db: Database, uprn: str) -> HomeCompliance:
    async with db.read_engine.connect() as connection:
        return await read_home_compliance(connection, uprn, NOW)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def database(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    if request.param == "postgresql":
        if not databases.is_postgresql:
            pytest.skip("no PostgreSQL server for this run (HEARTH_TEST_DATABASE_URL unset)")
        url = await migrated_database(databases, "compliance")
    else:
        url = await migrated_database(
            DatabaseFactory(None, tmp_path_factory.mktemp("sqlite")), "compliance"
        )
    async with opened_database(url) as db:
        yield db


def a_uprn() -> str:
    return str(random.randint(10**10, 10**12 - 1))


def home(uprn: str, *, heating_fuel: HeatingFuel, gas_supply: GasSupply) -> Home:
    return Home(
        uprn=uprn,
        address_line_1="1 Test Street",
        town="Leeds",
        postcode="LS1 1AA",
        property_type=PropertyType.HOUSE,
        tenure=Tenure.GENERAL_NEEDS,
        heating_fuel=heating_fuel,
        gas_supply=gas_supply,
        registered_at=NOW - timedelta(days=800),
    )


def check(uprn: str, check_type: CheckType, due_by: date, **values: object) -> Check:
    values.setdefault("subject", Subject.HOME)
    return Check(
        uprn=uprn,
        check_type=check_type,
        due_by=due_by,
        due_from=due_by - timedelta(days=60),
        escalate_on=due_by + timedelta(days=14),
        created_at=NOW - timedelta(days=400),
        **values,
    )


async def a_home_with_everything(db: Database) -> str:
    """A gas home with appliances (landlord's and tenant's), open checks (due, overdue
    and escalated with a contractor and a paired visit, on the no-access ladder),
    completed ones (with tenants' copies sent, owed and overdue) and a withdrawn one."""
    uprn = a_uprn()
    gas_done = check(
        uprn,
        CheckType.GAS_SAFETY,
        TODAY - timedelta(days=20),
        completed_at=NOW - timedelta(days=25),
        completed_on=TODAY - timedelta(days=25),
        record_id=uuid.uuid4(),
        certificate_expires_on=TODAY - timedelta(days=20),
        last_certificate_reference="GS-2025-1",
    )
    eicr_done = check(
        uprn,
        CheckType.ELECTRICAL,
        TODAY - timedelta(days=10),
        completed_at=NOW - timedelta(days=12),
        completed_on=TODAY - timedelta(days=12),
        record_id=uuid.uuid4(),
    )
    async with db.sessionmaker() as session:
        session.add(home(uprn, heating_fuel=HeatingFuel.ELECTRIC, gas_supply=GasSupply.CAPPED))
        session.add_all(
            [
                Appliance(
                    uprn=uprn,
                    appliance_type=ApplianceType.COMBI_BOILER,
                    location="kitchen",
                    landlord_owned=True,
                ),
                Appliance(
                    uprn=uprn,
                    appliance_type=ApplianceType.GAS_COOKER,
                    location="kitchen",
                    landlord_owned=False,
                ),
            ]
        )
        session.add_all(
            [
                gas_done,
                eicr_done,
                check(
                    uprn,
                    CheckType.GAS_SAFETY,
                    TODAY + timedelta(days=20),
                    certificate_expires_on=TODAY + timedelta(days=20),
                    last_certificate_reference="GS-2026-2",
                    access_attempts=2,
                    no_access_attempts=1,
                    ladder_started_on=TODAY - timedelta(days=5),
                    ladder_steps_taken=1,
                    ladder_next_step_on=TODAY + timedelta(days=3),
                    paired_visit_id=uuid.uuid4(),
                    appointment_start=NOW + timedelta(days=2),
                    appointment_end=NOW + timedelta(days=2, hours=2),
                ),
                check(
                    uprn,
                    CheckType.SMOKE_CO_ALARMS,
                    TODAY - timedelta(days=30),
                    escalated_at=NOW - timedelta(days=10),
                    contractor_id="acme-gas",
                ),
                check(uprn, CheckType.ELECTRICAL, TODAY + timedelta(days=5 * 365)),
                check(
                    uprn,
                    CheckType.WATER,
                    TODAY - timedelta(days=100),
                    completed_at=NOW - timedelta(days=90),
                ),
            ]
        )
        session.add_all(
            [
                TenantCopy(
                    id=gas_done.id,
                    check_id=gas_done.id,
                    record_id=gas_done.record_id,
                    uprn=uprn,
                    check_type=CheckType.GAS_SAFETY,
                    copy_by=TODAY + timedelta(days=3),
                    owed_from=NOW - timedelta(days=25),
                    sent_at=NOW - timedelta(days=20),
                    sent_on_time=True,
                ),
                TenantCopy(
                    id=eicr_done.id,
                    check_id=eicr_done.id,
                    record_id=eicr_done.record_id,
                    uprn=uprn,
                    check_type=CheckType.ELECTRICAL,
                    copy_by=TODAY + timedelta(days=16),
                    owed_from=NOW - timedelta(days=12),
                ),
                TenantCopy(
                    id=uuid.uuid5(gas_done.id, "tenancy"),
                    check_id=gas_done.id,
                    record_id=gas_done.record_id,
                    uprn=uprn,
                    check_type=CheckType.GAS_SAFETY,
                    tenancy_id=uuid.uuid4(),
                    copy_by=TODAY - timedelta(days=2),
                    owed_from=NOW - timedelta(days=9),
                ),
            ]
        )
        await session.commit()
    return uprn


async def test_a_home_with_checks_and_copies_of_every_kind_reads_as_before(
    database: Database,
) -> None:
    uprn = await a_home_with_everything(database)
    answer = await after(database, uprn)
    assert answer == await before(database, uprn)
    assert answer.gas_status == "annual"
    assert len(answer.checks) == 6
    assert len(answer.tenant_copies) == 3
    assert {c.tenant_copy_sent_on_time for c in answer.checks} == {True, None}


async def test_a_home_with_no_checks_and_a_block_read_as_before(database: Database) -> None:
    bare, block = a_uprn(), a_uprn()
    async with database.sessionmaker() as session:
        session.add(home(bare, heating_fuel=HeatingFuel.ELECTRIC, gas_supply=GasSupply.NONE))
        session.add(Block(uprn=block, name="Tower", registered_at=NOW - timedelta(days=900)))
        session.add(
            check(
                block,
                CheckType.FIRE_RISK_ASSESSMENT,
                TODAY + timedelta(days=40),
                subject=Subject.BLOCK,
            )
        )
        await session.commit()
    empty = await after(database, bare)
    assert empty == await before(database, bare)
    assert (empty.gas_status, empty.checks, empty.tenant_copies) == ("none", [], [])
    communal = await after(database, block)
    assert communal == await before(database, block)
    assert communal.gas_status is None
    assert [c.check_type for c in communal.checks] == [CheckType.FIRE_RISK_ASSESSMENT]


async def test_a_uprn_with_no_home_or_block_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound, match="No home or block with UPRN"):
        await after(database, a_uprn())


async def test_the_route_answers_an_unknown_uprn_with_a_404_problem(
    compliance: httpx.AsyncClient,
) -> None:
    response = await compliance.get("/v1/compliance/homes/999999999998")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "No home or block with UPRN 999999999998"
