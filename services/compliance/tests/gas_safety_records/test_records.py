"""Gas safety records: the expiry by the 2-month rule, check-completed, defects and
faulty alarms to repairs, contractors only for their own checks, bad input refused
with the field named and nothing changed."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from compliance.checks.service import ProgrammeService
from compliance.handlers import build_handlers
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairCompleted, RepairPriority, RepairSource
from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from services.compliance.tests.factories import a_record, london_today
from tests.harness.tokens import InternalTokenAuth


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_gas_home(compliance: httpx.AsyncClient, expires_on: date | None = None) -> str:
    uprn = a_uprn()
    body: dict[str, Any] = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
    }
    if expires_on is not None:
        body["gas_certificate_expires_on"] = expires_on.isoformat()
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    return uprn


async def gas_check(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    return next(c for c in checks if c["check_type"] == "gas_safety" and not c["completed_at"])


async def test_a_check_in_the_window_keeps_the_anniversary_and_publishes_check_completed(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    expiry = london_today() + timedelta(days=30)
    uprn = await a_gas_home(compliance, expiry)
    before = await gas_check(compliance, uprn)
    response = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["expires_on"] == expiry.replace(year=expiry.year + 1).isoformat()
    assert record["copy_to_tenant_by"] == (london_today() + timedelta(days=28)).isoformat()
    assert record["outcome"] == "satisfactory"
    after = await gas_check(compliance, uprn)
    assert after["id"] != before["id"]
    assert after["due_by"] == record["expires_on"]
    completed = await published("check-completed", uprn)
    assert [(c["check_id"], c["next_due_by"]) for c in completed] == [
        (before["id"], record["expires_on"])
    ]


async def test_dangerous_defects_and_faulty_alarms_go_to_repairs(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance)
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(
            uprn,
            london_today() - timedelta(days=1),
            defects=[
                {
                    "appliance_index": 0,
                    "location": "kitchen",
                    "classification": "immediately_dangerous",
                    "description": "Flue spilling combustion products",
                    "made_safe": True,
                },
                {
                    "location": "hall",
                    "classification": "not_to_current_standard",
                    "description": "Meter not labelled",
                    "made_safe": False,
                },
            ],
            alarm_tests=[
                {"kind": "smoke", "location": "ground floor hall", "result": "working"},
                {"kind": "carbon_monoxide", "location": "kitchen", "result": "faulty"},
            ],
        ),
    )
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "unsatisfactory"
    defects = await published("safety-defect-found", uprn)
    assert sorted((d["classification"], d["priority"], d["trade"]) for d in defects) == [
        ("alarm_faulty_or_missing", "urgent", "electrical"),
        ("immediately_dangerous", "emergency", "gas"),
    ]


async def bad(compliance: httpx.AsyncClient, body: dict[str, object]) -> list[str]:
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def test_hazards_seen_at_the_check_are_published_dated_the_checks_day(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """Every visit counts: damp and mould the engineer saw goes to repairs (hazard-found,
    which opens an Awaab's Law case there), its clock from the check's day, not the
    upload; the engineer's description stays here."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    checked_on = london_day(datetime.now(UTC)) - timedelta(days=2)
    hazards = [
        {
            "hazard_type": "damp_and_mould",
            "severity": "significant",
            "location": "back bedroom",
            "description": "Black mould on the outside wall behind the wardrobe",
        },
        {"hazard_type": "pests", "severity": "minor", "location": "kitchen"},
    ]
    response = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, checked_on, hazards=hazards)
    )
    assert response.status_code == 201, response.text
    record = response.json()
    kept = [{k: v for k, v in h.items() if k != "id"} for h in record["hazards"]]
    assert kept == [hazards[0], {**hazards[1], "description": None}]
    found = await published("hazard-found", uprn)
    assert [(e["hazard_id"], e["hazard_type"], e["severity"]) for e in found] == [
        (h["id"], h["hazard_type"], h["severity"]) for h in record["hazards"]
    ]
    aware = start_of_london_day(checked_on)
    assert {datetime.fromisoformat(e["identified_at"]) for e in found} == {aware}
    assert {(e["check_id"], e["record_id"]) for e in found} == {(record["check_id"], record["id"])}
    assert all("description" not in e for e in found)
    again = (await compliance.get(f"/v1/gas-safety-records/{record['id']}")).json()
    assert again["hazards"] == record["hazards"]


async def test_an_unknown_hazard_type_is_refused_naming_it_and_nothing_is_kept(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    hazards = [{"hazard_type": "ghosts", "severity": "significant", "location": "attic"}]
    response = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today(), hazards=hazards)
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["hazards.0.hazard_type"]
    assert await published("hazard-found", uprn) == []
    assert await published("check-completed", uprn) == []


async def test_bad_records_name_the_field_and_change_nothing(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    before = await gas_check(compliance, uprn)
    assert await bad(compliance, a_record(uprn, london_today() + timedelta(days=1))) == [
        "check_date"
    ]
    assert await bad(compliance, a_record(uprn, london_today(), gas_safe_number="123456")) == [
        "gas_safe_number"
    ]
    assert await bad(compliance, a_record(uprn, london_today(), gas_safe_number="12345678")) == [
        "gas_safe_number"
    ]
    unknown = a_record(uprn, london_today())
    unknown["appliances"] = [
        {"appliance_type": "toaster", "location": "kitchen", "outcome": "pass", "safe_to_use": True}
    ]
    assert await bad(compliance, unknown) == ["appliances.0.appliance_type"]
    assert await bad(compliance, a_record(a_uprn(), london_today())) == ["uprn"]
    assert await gas_check(compliance, uprn) == before
    assert await published("check-completed", uprn) == []


async def test_a_contractor_records_only_the_checks_assigned_to_it(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance)
    check = await gas_check(compliance, uprn)
    contractor = InternalTokenAuth("compliance", scopes={"contractor"}, contractor_id="GASCO")
    refused = await compliance.post(
        "/v1/contractor/gas-safety-records", json=a_record(uprn, london_today()), auth=contractor
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "uprn"
    assigned = await compliance.put(
        f"/v1/compliance/checks/{check['id']}/contractor",
        json={"contractor_id": "GASCO"},
        headers={"If-Match": f'"{check["version"]}"'},
    )
    assert assigned.status_code == 200
    other = InternalTokenAuth("compliance", scopes={"contractor"}, contractor_id="OTHER")
    assert (
        await compliance.post(
            "/v1/contractor/gas-safety-records", json=a_record(uprn, london_today()), auth=other
        )
    ).status_code == 422
    taken = await compliance.post(
        "/v1/contractor/gas-safety-records", json=a_record(uprn, london_today()), auth=contractor
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["contractor_id"] == "GASCO"
    listed = await compliance.get("/v1/contractor/gas-safety-records", auth=other)
    assert listed.json()["items"] == []


async def test_a_completed_repair_marks_its_defect_remedied_once(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance)
    record = (
        await compliance.post(
            "/v1/gas-safety-records",
            json=a_record(
                uprn,
                london_today(),
                defects=[
                    {
                        "location": "kitchen",
                        "classification": "at_risk",
                        "description": "Boiler case seal broken",
                        "made_safe": True,
                    }
                ],
            ),
        )
    ).json()
    defect_id = record["defects"][0]["id"]
    done_at = datetime.now(UTC)
    event = Envelope(
        data=RepairCompleted(
            repair_id=uuid.uuid4(),
            uprn=uprn,
            trade=Trade.GAS,
            priority=RepairPriority.URGENT,
            source=RepairSource.SAFETY_CHECK,
            reported_at=done_at - timedelta(days=1),
            target_at=done_at + timedelta(days=4),
            completed_at=done_at,
            completed_on_time=True,
            right_first_time=True,
            safety_defect_id=uuid.UUID(defect_id),
        )
    )
    handler = build_handlers(programme).get(event.type)
    assert handler is not None
    for _ in range(2):
        async with compliance_database.sessionmaker() as session, session.begin():
            await handler(session, event)
    again = (await compliance.get(f"/v1/gas-safety-records/{record['id']}")).json()
    assert again["defects"][0]["repair_id"] == str(event.data.repair_id)
    assert again["defects"][0]["remedied_at"] is not None
