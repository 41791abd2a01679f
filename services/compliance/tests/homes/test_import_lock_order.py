"""The stock import takes a home's locks in the order every other path takes them: the
home, then its checks.

A row that changes a registered home and its certificate expiry moved the home's open
check (an UPDATE of the check, flushed first) and then rewrote the home. A gas record
or an access attempt for the same home locks the home and then its open check: each
waited for the other (PostgreSQL's deadlock_detected, a 503 for one of them). And the
import rewrote the home from what it had read before waiting for it, so a change of
the home committed meanwhile (a PATCH) was written over. The import now locks the homes
it changes (FOR NO KEY UPDATE, in UPRN order) before it reads their checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
import pytest

from compliance.checks import repository as checks
from compliance.checks.service import ProgrammeService
from compliance.homes import repository as homes
from compliance.homes.schemas import HomeUpdate
from compliance.homes.service import HomeService
from compliance.settings import Programme
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from tests.harness.days import days_from_today
from tests.harness.locks import until_a_backend_waits_for_a_lock

from .test_endpoints import a_home, a_uprn
from .test_import import HEADER, post_file


def a_row_moving_the_gas_expiry(uprn: str, town: str, gas_expires_on: date) -> str:
    """An import row for a registered home: a new town (a change of the register
    entry) and a new gas certificate expiry (its open check's dates move)."""
    return (
        f"{uprn},12 Mare Street,,{town},E8 1DY,flat,general_needs,gas,live,,,"
        f"{gas_expires_on.isoformat()},"
    )


async def a_registered_home(compliance: httpx.AsyncClient) -> str:
    uprn = a_uprn()
    # expiries from the day the test runs: the register refuses one further back than
    # its history (ADR 0070)
    home = a_home(uprn, gas_certificate_expires_on=days_from_today(61).isoformat())
    assert (await compliance.post("/v1/homes", json=home)).status_code == 201
    return uprn


async def test_an_import_waits_for_a_home_a_gas_record_holds_before_moving_its_check(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    """A gas record holds the home and then takes its open check; an import of a row
    for that home arriving between the two waits at the home, not holding the check."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn = await a_registered_home(compliance)
    moved_to = days_from_today(89)
    file = f"{HEADER}\n{a_row_moving_the_gas_expiry(uprn, 'Hackney', moved_to)}\n"
    async with compliance_database.sessionmaker() as record, record.begin():
        assert await homes.get(record, uprn, for_update=True) is not None  # the record's first
        imported = asyncio.create_task(post_file(compliance, file))
        await until_a_backend_waits_for_a_lock(compliance_database)
        # the record's second lock: the home's open gas check
        check = await checks.open_of_type(record, uprn, CheckType.GAS_SAFETY, for_update=True)
        assert check is not None
    response = await imported
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    entry = (await compliance.get(f"/v1/homes/{uprn}")).json()
    assert entry["town"] == "Hackney"
    status = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [gas] = [c for c in status["checks"] if c["check_type"] == "gas_safety"]
    assert gas["due_by"] == moved_to.isoformat()


async def test_an_import_does_not_write_over_a_change_of_the_home_made_while_it_waited(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    """A change of the home (PATCH) committed while the import waited for the home is
    kept: the import reads the home once it holds it."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn = await a_registered_home(compliance)
    file = f"{HEADER}\n{a_row_moving_the_gas_expiry(uprn, 'Hackney', days_from_today(89))}\n"
    service = HomeService(ProgrammeService(Programme()))
    async with compliance_database.sessionmaker() as change, change.begin():
        await service.update(
            change,
            uprn,
            HomeUpdate(address_line_2="Flat 3"),
            if_match="*",
            now=datetime.now(UTC),
        )
        imported = asyncio.create_task(post_file(compliance, file))
        await until_a_backend_waits_for_a_lock(compliance_database)
    response = await imported
    assert response.status_code == 200, response.text
    entry = await compliance.get(f"/v1/homes/{uprn}")
    assert entry.json()["address_line_2"] == "Flat 3"
    assert entry.json()["town"] == "Hackney"
    assert entry.headers["ETag"] == '"3"'  # registered 1, the change 2, the import 3
