"""The statements compliance runs on its tables that grow without bound (a check per
home, type and cycle; a record per check; a copy per record) are served by an index,
as PostgreSQL plans them with sequential scans off (tests/harness/plans.py): the list
routes with their filters and cursor order, the home's compliance read, the sweeps and
the look-ups of the record and copy handlers. PostgreSQL only (its planner)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks import repository as checks
from compliance.gas_safety_records import repository as gas_records
from compliance.models import Check, Subject
from compliance.tenant_copies import repository as tenant_copies
from compliance.tenant_copies.rules import CopyStanding
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from tests.harness.plans import Action, assert_served_by_indexes, case, postgresql_plans

GROWING = {
    "compliance_check",
    "gas_safety_record",
    "certificate_record",
    "tenant_copy",
    "safety_defect",
    "access_attempt",
}
TODAY = date(2026, 12, 1)
UPRN = "100023336956"
CONTRACTOR = "GAS-0001"
AFTER_DAY = (date(2026, 6, 1), uuid.UUID(int=7))
AFTER_MOMENT = (datetime(2026, 6, 1, 9, tzinfo=UTC), uuid.UUID(int=7))
A_CHECK = Check(
    id=uuid.UUID(int=1),
    uprn=UPRN,
    subject=Subject.HOME,
    check_type=CheckType.GAS_SAFETY,
    due_by=TODAY,
    due_from=TODAY,
    escalate_on=TODAY,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
)

A_DONE_CHECK = Check(
    **(
        A_CHECK.model_dump()
        | {
            "completed_at": datetime(2026, 6, 1, 9, tzinfo=UTC),
            "completed_on": date(2026, 6, 1),
            "record_id": uuid.UUID(int=2),
        }
    )
)


async def checks_page(session: AsyncSession, **filters: object) -> object:
    arguments: dict[str, object] = {
        "today": TODAY,
        "status": None,
        "check_type": None,
        "after": None,
        "limit": 51,
    }
    return await checks.page(session, **(arguments | filters))


CASES = [
    # The home's compliance (GET /v1/homes/{uprn}/compliance, the home overview's gas).
    case(
        "home compliance read",
        lambda _s, reader: checks.home_compliance_rows(reader, UPRN),
        "ix_compliance_check_home",
    ),
    case("a home's checks", lambda s, _r: checks.for_home(s, UPRN), "ix_compliance_check_home"),
    case(
        "when a check's cycle began",
        lambda s, _r: checks.cycle_began(s, A_CHECK),
        "ix_compliance_check_home",
    ),
    case(
        "when a completed check's cycle began (an attempt recorded late, ADR 0160)",
        lambda s, _r: checks.cycle_began(s, A_DONE_CHECK),
        "ix_compliance_check_home",
    ),
    case("a home's open checks", lambda s, _r: checks.open_for(s, UPRN)),
    # GET /v1/checks: open checks by due date, with each filter and a cursor.
    case("checks", lambda s, _r: checks_page(s), "ix_compliance_check_open_due"),
    case(
        "checks after a cursor",
        lambda s, _r: checks_page(s, after=AFTER_DAY),
        "ix_compliance_check_open_due",
        seek="compliance_check",
    ),
    case("checks overdue", lambda s, _r: checks_page(s, status="overdue")),
    case("checks due", lambda s, _r: checks_page(s, status="due")),
    case("checks expired", lambda s, _r: checks_page(s, status="expired")),
    case("checks of a type", lambda s, _r: checks_page(s, check_type=CheckType.ELECTRICAL)),
    case(
        "a contractor's checks",
        lambda s, _r: checks_page(s, contractor_id=CONTRACTOR, after=AFTER_DAY),
        "ix_compliance_check_contractor_due",
        seek="compliance_check",
    ),
    # GET /v1/compliance/checks/{check_id}/access-attempts: a check's attempts (ADR 0194).
    case(
        "a check's access attempts after a cursor",
        lambda s, _r: checks.attempts_page(s, uuid.UUID(int=1), after=AFTER_MOMENT, limit=51),
        "ix_access_attempt_check_id",
    ),
    # The sweep (scheduled): due, expired, escalation, no-access ladder.
    case("sweep: checks due", lambda s, _r: checks.due_to_raise(s, TODAY, 100)),
    case("sweep: certificates expired", lambda s, _r: checks.expired_to_raise(s, TODAY, 100)),
    case(
        "sweep: an earlier tenancy's alarm check, the next tenancy begun",
        lambda s, _r: checks.first_days_come(s, TODAY, 100),
    ),
    case("sweep: escalations", lambda s, _r: checks.escalations_to_raise(s, TODAY, 100)),
    case("sweep: access ladder", lambda s, _r: checks.ladder_steps_due(s, TODAY, 100)),
    # GET /v1/gas-safety-records and the contractor's own records.
    case(
        "gas safety records",
        lambda s, _r: gas_records.page(s, uprn=None, contractor_id=None, after=None, limit=51),
        "ix_gas_safety_record_recorded",
    ),
    case(
        "gas safety records after a cursor",
        lambda s, _r: gas_records.page(
            s, uprn=None, contractor_id=None, after=AFTER_MOMENT, limit=51
        ),
        "ix_gas_safety_record_recorded",
        seek="gas_safety_record",
    ),
    case(
        "a home's gas safety records",
        lambda s, _r: gas_records.page(s, uprn=UPRN, contractor_id=None, after=None, limit=51),
    ),
    case(
        "a contractor's gas safety records",
        lambda s, _r: gas_records.page(
            s, uprn=None, contractor_id=CONTRACTOR, after=AFTER_MOMENT, limit=51
        ),
        "ix_gas_safety_record_contractor",
        seek="gas_safety_record",
    ),
    # Recording a gas check: the home's latest record, a reference already held.
    case("a home's latest gas record", lambda s, _r: gas_records.latest_for(s, UPRN)),
    case("a home's current gas record", lambda s, _r: gas_records.current_for(s, UPRN, TODAY)),
    case("a gas reference held", lambda s, _r: gas_records.reference_held(s, UPRN, "CP12-1")),
    # A new tenancy: the home's current EICR (its copy before moving in, ADR 0094).
    case(
        "a home's current EICR",
        lambda s, _r: checks.current_certificate(s, UPRN, CheckType.ELECTRICAL, TODAY),
    ),
    case(
        "a certificate held",
        lambda s, _r: checks.certificate_held(s, UPRN, CheckType.ELECTRICAL, "EICR-1"),
    ),
    # Tenant copies: the list, a home's, and the household's copies of a record
    # (tenant-copy-sent and a record's re-test look them up).
    case(
        "tenant copies after a cursor",
        lambda s, _r: tenant_copies.page(
            s, today=TODAY, standing=None, uprn=None, after=AFTER_DAY, limit=51
        ),
        "ix_tenant_copy_deadline",
        seek="tenant_copy",
    ),
    case(
        "tenant copies sent late",
        lambda s, _r: tenant_copies.page(
            s, today=TODAY, standing=CopyStanding.SENT_LATE, uprn=None, after=AFTER_DAY, limit=51
        ),
        "ix_tenant_copy_deadline",
        seek="tenant_copy",
    ),
    case(
        "tenant copies owed",
        lambda s, _r: tenant_copies.page(
            s, today=TODAY, standing=CopyStanding.OWED, uprn=None, after=AFTER_DAY, limit=51
        ),
        "ix_tenant_copy_unsent_deadline",
        seek="tenant_copy",
    ),
    case(
        "tenant copies overdue",
        lambda s, _r: tenant_copies.page(
            s, today=TODAY, standing=CopyStanding.OVERDUE, uprn=None, after=AFTER_DAY, limit=51
        ),
        "ix_tenant_copy_unsent_deadline",
        seek="tenant_copy",
    ),
    # The sweep's gauge and the figures: copies overdue, copies due in a period.
    case(
        "tenant copies overdue count",
        lambda s, _r: tenant_copies.overdue_count(s, TODAY),
        "ix_tenant_copy_unsent_deadline",
    ),
    case(
        "tenant copies due in a period",
        lambda s, _r: tenant_copies.on_time_share(s, date(2026, 4, 1), TODAY, TODAY),
        "ix_tenant_copy_deadline",
    ),
    case("a home's tenant copies", lambda s, _r: tenant_copies.for_uprn(s, UPRN)),
    # BS01: the programme's gas checks held that day, and the homes the register shows
    # needing one that it held none for (ADR 0188).
    case(
        "BS01 with the homes missing from the gas programme",
        lambda s, _r: checks.gas_homes_in_date_share(s, TODAY),
    ),
    case(
        "the household's copies of records",
        lambda s, _r: tenant_copies.household_copies_of(s, [uuid.UUID(int=2), uuid.UUID(int=3)]),
        "ix_tenant_copy_record",
    ),
]


@pytest.fixture(scope="module")
async def planned(compliance_db_url: str) -> AsyncIterator[Database]:
    async with postgresql_plans(compliance_db_url) as db:
        yield db


@pytest.mark.parametrize(("action", "indexes", "seek"), CASES)
async def test_an_index_serves_the_statement(
    planned: Database, action: Action, indexes: tuple[str, ...], seek: str | None
) -> None:
    await assert_served_by_indexes(planned, action, indexes, seek, GROWING)
