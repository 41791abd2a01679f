"""The contractor API of the programme (/v1/contractor/compliance/checks): a contractor
lists the checks assigned to it (it has no other way to learn them), and every Location
and problem it gets back names its own URLs, never a staff route it may not call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_records import a_gas_home
from tests.harness.tokens import InternalTokenAuth

CHECKS = "/v1/contractor/compliance/checks"


def a_contractor() -> tuple[str, InternalTokenAuth]:
    """A contractor of its own (the module's database is shared by its tests)."""
    contractor_id = f"GAS-{uuid.uuid4().hex[:8]}"
    return contractor_id, InternalTokenAuth(
        "compliance", scopes={"contractor"}, contractor_id=contractor_id
    )


async def open_checks(compliance: httpx.AsyncClient, uprn: str) -> dict[str, dict[str, Any]]:
    """The home's open checks by type."""
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    return {c["check_type"]: c for c in checks if not c["completed_at"]}


async def assign(compliance: httpx.AsyncClient, check: dict[str, Any], contractor: str) -> None:
    response = await compliance.put(
        f"/v1/compliance/checks/{check['id']}/contractor",
        json={"contractor_id": contractor},
        headers={"If-Match": f'"{check["version"]}"'},
    )
    assert response.status_code == 200, response.text


async def test_a_contractor_lists_only_the_checks_assigned_to_it(
    compliance: httpx.AsyncClient,
) -> None:
    gasco, gasco_token = a_contractor()
    _, other_token = a_contractor()
    overdue_home = await a_gas_home(compliance, london_today() - timedelta(days=3))
    due_home = await a_gas_home(compliance, london_today() + timedelta(days=20))
    unassigned_home = await a_gas_home(compliance, london_today() + timedelta(days=20))
    overdue = (await open_checks(compliance, overdue_home))["gas_safety"]
    due = (await open_checks(compliance, due_home))["gas_safety"]
    electrical = (await open_checks(compliance, due_home))["electrical"]
    for check in (overdue, due, electrical):
        await assign(compliance, check, gasco)

    listed = await compliance.get(CHECKS, auth=gasco_token)
    assert listed.status_code == 200, listed.text
    assert {c["id"] for c in listed.json()["items"]} == {overdue["id"], due["id"], electrical["id"]}
    assert unassigned_home not in {c["uprn"] for c in listed.json()["items"]}
    assert {c["contractor_id"] for c in listed.json()["items"]} == {gasco}

    due_gas = {"status": "due", "type": "gas"}
    due_only = await compliance.get(CHECKS, params=due_gas, auth=gasco_token)
    assert [c["id"] for c in due_only.json()["items"]] == [due["id"]]
    overdue_gas = {"status": "overdue", "type": "gas"}
    overdue_only = await compliance.get(CHECKS, params=overdue_gas, auth=gasco_token)
    assert [c["id"] for c in overdue_only.json()["items"]] == [overdue["id"]]
    gas_only = await compliance.get(CHECKS, params={"type": "gas"}, auth=gasco_token)
    assert {c["id"] for c in gas_only.json()["items"]} == {overdue["id"], due["id"]}

    # cursor-paged like every other list
    first = (await compliance.get(CHECKS, params={"limit": 2}, auth=gasco_token)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = await compliance.get(
        CHECKS, params={"limit": 2, "cursor": first["next_cursor"]}, auth=gasco_token
    )
    paged = [c["id"] for c in first["items"] + rest.json()["items"]]
    assert sorted(paged) == sorted([overdue["id"], due["id"], electrical["id"]])

    assert (await compliance.get(CHECKS, auth=other_token)).json()["items"] == []
    bad = await compliance.get(CHECKS, params={"status": "late"}, auth=gasco_token)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


async def test_staff_use_the_staff_list_not_the_contractors(
    compliance: httpx.AsyncClient,
) -> None:
    """Without a contractor the query would not be filtered: the contractor routes
    refuse a staff token (the staff list is /v1/compliance/checks)."""
    staff = await compliance.get(CHECKS, auth=InternalTokenAuth("compliance"))
    assert staff.status_code == 403
    assert "contractor" in staff.json()["detail"]


async def test_locations_and_problems_name_the_contractors_urls(
    compliance: httpx.AsyncClient,
) -> None:
    gasco, gasco_token = a_contractor()
    _, other_token = a_contractor()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    checks = await open_checks(compliance, uprn)
    gas, electrical = checks["gas_safety"], checks["electrical"]
    await assign(compliance, gas, gasco)
    await assign(compliance, electrical, gasco)

    attempt = await compliance.post(
        f"{CHECKS}/{gas['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
            "card_left": True,
        },
        auth=gasco_token,
    )
    assert attempt.status_code == 201, attempt.text
    assert attempt.headers["Location"] == f"{CHECKS}/{gas['id']}"
    assert (await compliance.get(attempt.headers["Location"], auth=gasco_token)).status_code == 200

    certificate = await compliance.post(
        f"{CHECKS}/{electrical['id']}/certificates",
        json={
            "done_on": (london_today() - timedelta(days=1)).isoformat(),
            "certificate_reference": "EICR-9",
            "outcome": "satisfactory",
        },
        auth=gasco_token,
    )
    assert certificate.status_code == 201, certificate.text
    assert certificate.headers["Location"] == f"{CHECKS}/{electrical['id']}"

    hidden = await compliance.get(f"{CHECKS}/{gas['id']}", auth=other_token)
    assert hidden.status_code == 404
    assert hidden.json()["instance"] == f"{CHECKS}/{gas['id']}"


async def test_a_certificate_for_a_gas_check_points_each_caller_to_its_own_route(
    compliance: httpx.AsyncClient,
) -> None:
    """A gas check is recorded as a gas safety record, not a certificate: the 422 says
    where, and a contractor is sent to /v1/contractor/gas-safety-records (staff's
    /v1/gas-safety-records answers its token 403)."""
    gasco, gasco_token = a_contractor()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    gas = (await open_checks(compliance, uprn))["gas_safety"]
    await assign(compliance, gas, gasco)
    body = {
        "done_on": london_today().isoformat(),
        "certificate_reference": "CP12-1",
        "outcome": "satisfactory",
    }

    theirs = await compliance.post(
        f"{CHECKS}/{gas['id']}/certificates", json=body, auth=gasco_token
    )
    assert theirs.status_code == 422, theirs.text
    assert [e["field"] for e in theirs.json()["errors"]] == ["check_id"]
    assert "POST /v1/contractor/gas-safety-records" in theirs.json()["detail"]

    staff = await compliance.post(f"/v1/compliance/checks/{gas['id']}/certificates", json=body)
    assert staff.status_code == 422, staff.text
    assert "POST /v1/gas-safety-records" in staff.json()["detail"]


async def test_another_contractor_can_neither_change_nor_find_a_check_or_its_record(
    compliance: httpx.AsyncClient,
) -> None:
    """Contractor isolation on every contractor route of the programme, by guessing the
    id or filtering by the UPRN: another's check is a 404 to read, to record an attempt
    at and to certify (nothing changed), its gas safety record is a 404 and not in the
    list filtered by the home's UPRN, and a record of its own for that home is refused
    as not assigned to it."""
    gasco, gasco_token = a_contractor()
    _, rogue_token = a_contractor()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    checks = await open_checks(compliance, uprn)
    gas, electrical = checks["gas_safety"], checks["electrical"]
    await assign(compliance, gas, gasco)
    await assign(compliance, electrical, gasco)
    made = await compliance.post(
        "/v1/contractor/gas-safety-records",
        json=a_record(uprn, london_today()),
        auth=gasco_token,
    )
    assert made.status_code == 201, made.text
    before = await open_checks(compliance, uprn)

    attempt = await compliance.post(
        f"{CHECKS}/{electrical['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "attempted_by": "ENG-666",
            "outcome": "no_access",
            "card_left": False,
        },
        auth=rogue_token,
    )
    certificate = await compliance.post(
        f"{CHECKS}/{electrical['id']}/certificates",
        json={
            "done_on": (london_today() - timedelta(days=1)).isoformat(),
            "certificate_reference": "EICR-ROGUE",
            "outcome": "satisfactory",
        },
        auth=rogue_token,
    )
    assert (attempt.status_code, certificate.status_code) == (404, 404)
    assert (
        await compliance.get(f"{CHECKS}/{electrical['id']}", auth=rogue_token)
    ).status_code == 404
    assert await open_checks(compliance, uprn) == before

    record = f"/v1/contractor/gas-safety-records/{made.json()['id']}"
    assert (await compliance.get(record, auth=rogue_token)).status_code == 404
    listed = await compliance.get(
        "/v1/contractor/gas-safety-records", params={"uprn": uprn}, auth=rogue_token
    )
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    own = await compliance.post(
        "/v1/contractor/gas-safety-records",
        json=a_record(uprn, london_today(), certificate_reference="LGSR-ROGUE"),
        auth=rogue_token,
    )
    assert own.status_code == 422
    assert own.json()["errors"][0]["field"] == "uprn"
