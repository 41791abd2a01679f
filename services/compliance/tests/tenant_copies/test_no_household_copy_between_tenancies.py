"""A gas check or EICR done while a home stands empty between tenancies owes no copy to
"the household of the day": there is none. Before, one was owed anyway; engagement found
nobody to send it to, and the copy stayed overdue for good (compliance.
tenant_copies_overdue, the gauge and its alert, against tenant_copies_on_time). The
next tenants are asked their own copy before moving in (ADR 0094). Compliance keeps the
latest tenancy's end from income's tenancy-ended (migration 0022)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from compliance.checks.service import ProgrammeService
from compliance.tenant_copies.rules import household_owed_copy
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyEnded, TenancyEndReason
from hearth_kit.db import Database
from services.compliance.tests.factories import london_today
from services.compliance.tests.tenant_copies.test_tenant_copies import (
    a_gas_home,
    a_gas_record,
    handle,
    tenancy_v1,
)


def ended(uprn: str, days_ago: int) -> Envelope[TenancyEnded]:
    return Envelope(
        data=TenancyEnded(
            tenancy_id=uuid.uuid4(),
            uprn=uprn,
            end_date=london_today() - timedelta(days=days_ago),
            reason=TenancyEndReason.NOTICE_GIVEN,
            closing_balance_pence=0,
        )
    )


async def household_copies(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, object]]:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return [c for c in home["tenant_copies"] if c["tenancy_id"] is None]


async def test_a_record_made_while_the_home_stands_empty_owes_no_household_copy(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    empty = await a_gas_home(compliance)
    await handle(
        compliance_database,
        programme,
        tenancy_v1(empty, london_today() - timedelta(days=400), [uuid.uuid4()]),
    )
    await handle(compliance_database, programme, ended(empty, 10))
    await handle(compliance_database, programme, ended(empty, 30))  # older, late: no change
    await a_gas_record(compliance, empty, london_today())
    assert await household_copies(compliance, empty) == []

    lived_in = await a_gas_home(compliance)
    await handle(
        compliance_database,
        programme,
        tenancy_v1(lived_in, london_today() - timedelta(days=400), [uuid.uuid4()]),
    )
    await a_gas_record(compliance, lived_in, london_today())
    assert len(await household_copies(compliance, lived_in)) == 1


def test_the_household_of_the_day_is_owed_unless_the_home_stands_empty() -> None:
    today = london_today()
    day = timedelta(days=1)
    assert household_owed_copy(today, None, None)  # no end known: as always
    assert household_owed_copy(today, today - 400 * day, today)  # its last day
    assert not household_owed_copy(today, today - 400 * day, today - day)  # empty
    assert household_owed_copy(today, today - 5 * day, today - 10 * day)  # let again
    assert household_owed_copy(today, today + 7 * day, today - 10 * day)  # moving in soon
