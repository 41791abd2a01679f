"""Recording a certificate locks the home before its check, the order every other path
takes (a gas record, an access attempt, a change of the home: the home, then its checks).

A certificate locked only its check, completed it and opened the next cycle's check. A
change of the home at the same moment (a right to buy sale: leasehold, so no EICR any
more) locked the home, read its open checks without the new cycle's (not yet committed)
and waited to withdraw the one being completed; once the record committed there was
nothing left for it to withdraw, and the new cycle's EICR stayed open for a home that
no longer needs one. The certificate now locks the home first, so the change waits and
then reads the checks as the record left them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from compliance.checks.schemas import CertificateCreate
from compliance.checks.service import ProgrammeService
from hearth_contracts.events.compliance import CheckOutcome
from hearth_kit.auth import Caller
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.locks import until_a_backend_waits_for_a_lock

from ..homes.test_endpoints import a_home, a_uprn


async def test_a_home_sold_while_its_eicr_is_recorded_keeps_no_open_eicr(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(uprn))).status_code == 201
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    [eicr] = [c for c in checks if c["check_type"] == "electrical"]
    now = datetime.now(UTC)
    async with compliance_database.sessionmaker() as record, record.begin():
        await programme.record_certificate(
            record,
            uuid.UUID(eicr["id"]),
            CertificateCreate(
                done_on=london_day(now) - timedelta(days=1),
                certificate_reference="EICR-SOLD-1",
                outcome=CheckOutcome.SATISFACTORY,
            ),
            Caller(subject="officer-1", scopes=frozenset()),
            now,
        )
        sold = asyncio.create_task(
            compliance.patch(
                f"/v1/homes/{uprn}", json={"tenure": "leasehold"}, headers={"If-Match": "*"}
            )
        )
        await until_a_backend_waits_for_a_lock(compliance_database)
    response = await sold
    assert response.status_code == 200, response.text
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    open_eicrs = [c for c in checks if c["check_type"] == "electrical" and not c["completed_at"]]
    assert open_eicrs == []
