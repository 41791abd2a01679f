"""damp-mould-case-opened names the hazard's kind, so a consumer (visits' damp history)
counts only damp and mould: an emergency electrical or gas case is not damp. Cases
opened through the API and from hazards seen on a visit or at a gas check alike."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckType, HazardFoundAtCheck
from hearth_contracts.events.visits import HazardIdentified, HazardSeverity, HazardType
from hearth_kit.db import Database
from repairs.handlers import build_handlers
from repairs.work_orders.service import RepairService
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_work_orders import published_data


async def cases_opened(db: Database, uprn: str) -> list[dict[str, object]]:
    return await published_data(db, uprn, "uk.hearth.repairs.damp-mould-case-opened.v1")


async def test_each_case_opened_names_its_hazard_type(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    aware = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    reported = [
        {"severity": "emergency", "hazard_type": "electrical"},
        {"severity": "emergency", "hazard_type": "Gas_or_carbon_monoxide"},
        {"severity": "significant"},  # the default type: damp and mould
        {"severity": "significant", "hazard_type": "black mould in bathroom"},
        {"severity": "emergency", "hazard_type": "a collapsed ceiling"},
    ]
    # the second significant case at another home: one damp case a home (ADR 0217)
    other_uprn = str(random.randint(10**9, 10**12 - 1))
    for home, body in zip([uprn, uprn, uprn, other_uprn, uprn], reported, strict=True):
        response = await staff.post(
            "/v1/awaab-cases",
            json={"uprn": home, "became_aware_at": aware, **body},
            auth=manager(),
        )
        assert response.status_code == 201, response.text
    opened = await cases_opened(repairs_database, uprn)
    assert [event["hazard_type"] for event in opened] == [
        "electrical",
        "gas_or_carbon_monoxide",
        "damp_and_mould",
        "other",
    ]
    [elsewhere] = await cases_opened(repairs_database, other_uprn)
    assert elsewhere["hazard_type"] == "damp_and_mould"


async def test_cases_opened_from_hazards_seen_on_a_visit_or_at_a_check_name_their_type(
    repairs_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    seen = datetime.now(UTC) - timedelta(hours=1)
    on_visit = [
        HazardIdentified(
            hazard_id=uuid.uuid4(),
            uprn=uprn,
            visit_id=uuid.uuid4(),
            hazard_type=kind,
            severity=severity,
            location="hall",
            description="Seen on the visit",
            identified_at=seen,
        )
        for kind, severity in (
            (HazardType.ELECTRICAL, HazardSeverity.EMERGENCY),
            (HazardType.DAMP_AND_MOULD, HazardSeverity.SIGNIFICANT),
        )
    ]
    at_check = HazardFoundAtCheck(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        check_id=uuid.uuid4(),
        record_id=uuid.uuid4(),
        check_type=CheckType.GAS_SAFETY,
        hazard_type=HazardType.GAS_OR_CARBON_MONOXIDE,
        severity=HazardSeverity.EMERGENCY,
        identified_at=seen,
    )
    handlers = build_handlers(RepairService())
    for hazard in (*on_visit, at_check):
        handler = handlers.get(hazard.type)
        assert handler is not None
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=hazard))
    opened = await cases_opened(repairs_database, uprn)
    assert [(event["source"], event["hazard_type"]) for event in opened] == [
        ("home_visit", "electrical"),
        ("home_visit", "damp_and_mould"),
        ("safety_check", "gas_or_carbon_monoxide"),
    ]
