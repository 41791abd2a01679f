"""compliance's hazard-found: a hazard the engineer saw at a gas safety check opens an
Awaab's Law case like one found on a home visit, its clock from the check (when the
engineer saw it), once however often the event comes."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckType, HazardFoundAtCheck
from hearth_contracts.events.visits import HazardSeverity, HazardType
from hearth_kit.db import Database
from repairs.handlers import build_handlers
from repairs.work_orders.service import RepairService

handlers = build_handlers(RepairService())


def found_at_check(
    uprn: str, hazard_type: HazardType, severity: HazardSeverity
) -> Envelope[HazardFoundAtCheck]:
    return Envelope(
        data=HazardFoundAtCheck(
            hazard_id=uuid.uuid4(),
            uprn=uprn,
            check_id=uuid.uuid4(),
            record_id=uuid.uuid4(),
            check_type=CheckType.GAS_SAFETY,
            hazard_type=hazard_type,
            severity=severity,
            identified_at=datetime(2026, 11, 9, 0, tzinfo=UTC),
        )
    )


async def handle_twice(db: Database, envelope: Envelope[HazardFoundAtCheck]) -> None:
    handler = handlers.get(envelope.type)
    assert handler is not None
    for _ in range(2):  # re-published under a new event id
        async with db.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=envelope.data))


async def test_damp_and_mould_seen_at_a_gas_check_opens_one_case_from_the_checks_day(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    await handle_twice(
        repairs_database,
        found_at_check(uprn, HazardType.DAMP_AND_MOULD, HazardSeverity.SIGNIFICANT),
    )
    [case] = (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"]
    assert case["became_aware_at"] == "2026-11-09T00:00:00Z"
    assert (case["source"], case["severity"]) == ("safety_check", "significant")


async def test_a_hazard_outside_awaabs_law_opens_no_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    await handle_twice(
        repairs_database, found_at_check(uprn, HazardType.DAMP_AND_MOULD, HazardSeverity.MINOR)
    )
    await handle_twice(
        repairs_database, found_at_check(uprn, HazardType.FALLS, HazardSeverity.SIGNIFICANT)
    )
    assert (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"] == []
