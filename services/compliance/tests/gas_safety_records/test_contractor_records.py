"""A contractor's gas safety records (/v1/contractor/gas-safety-records): it reads back
the record it made at the Location it is given (another contractor's is a 404), and a
refusal never tells it which homes are in the landlord's register."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_records import a_gas_home, a_uprn, gas_check
from tests.harness.tokens import InternalTokenAuth

RECORDS = "/v1/contractor/gas-safety-records"


def a_contractor() -> tuple[str, InternalTokenAuth]:
    contractor_id = f"GAS-{uuid.uuid4().hex[:8]}"
    return contractor_id, InternalTokenAuth(
        "compliance", scopes={"contractor"}, contractor_id=contractor_id
    )


async def assigned_gas_home(compliance: httpx.AsyncClient, contractor: str) -> str:
    uprn = await a_gas_home(compliance)
    check = await gas_check(compliance, uprn)
    response = await compliance.put(
        f"/v1/compliance/checks/{check['id']}/contractor",
        json={"contractor_id": contractor},
        headers={"If-Match": f'"{check["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return uprn


async def test_a_contractor_reads_back_its_own_record_at_its_location(
    compliance: httpx.AsyncClient,
) -> None:
    gasco, gasco_token = a_contractor()
    _, other_token = a_contractor()
    uprn = await assigned_gas_home(compliance, gasco)
    made = await compliance.post(RECORDS, json=a_record(uprn, london_today()), auth=gasco_token)
    assert made.status_code == 201, made.text
    record = made.json()
    assert made.headers["Location"] == f"{RECORDS}/{record['id']}"

    again = await compliance.get(made.headers["Location"], auth=gasco_token)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == record["id"]
    assert again.json()["contractor_id"] == gasco

    hidden = await compliance.get(f"{RECORDS}/{record['id']}", auth=other_token)
    assert hidden.status_code == 404
    assert hidden.json()["instance"] == f"{RECORDS}/{record['id']}"
    # the staff route stays closed to a contractor
    staff_route = await compliance.get(f"/v1/gas-safety-records/{record['id']}", auth=gasco_token)
    assert staff_route.status_code == 403


async def test_a_refusal_does_not_say_whether_the_home_is_registered(
    compliance: httpx.AsyncClient,
) -> None:
    _, gasco_token = a_contractor()
    registered = await a_gas_home(compliance)  # its gas check is assigned to no one
    unregistered = a_uprn()
    answers: list[dict[str, Any]] = []
    for uprn in (registered, unregistered):
        response = await compliance.post(
            RECORDS, json=a_record(uprn, london_today()), auth=gasco_token
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert [e["field"] for e in problem["errors"]] == ["uprn"]
        assert uprn not in response.text
        answers.append({k: problem[k] for k in ("status", "title", "detail", "type")})
    assert answers[0] == answers[1]
    assert (await gas_check(compliance, registered))["completed_at"] is None


async def test_another_contractors_same_key_and_body_never_replays_its_record(
    compliance: httpx.AsyncClient,
) -> None:
    """Every contractor posts records to the one path, and two integrations may share a
    token subject and pick the same key (a job number): the key is each contractor's
    own, so the other's request is judged as its own (not assigned: 422) and never
    answered with the first's stored record (its id, engineer, certificate)."""
    gasco, _ = a_contractor()
    other, _ = a_contractor()
    shared = "contractor-integration-platform"
    gasco_token = InternalTokenAuth(
        "compliance", scopes={"contractor"}, subject=shared, contractor_id=gasco
    )
    other_token = InternalTokenAuth(
        "compliance", scopes={"contractor"}, subject=shared, contractor_id=other
    )
    uprn = await assigned_gas_home(compliance, gasco)
    record = a_record(uprn, london_today())
    key = {"Idempotency-Key": "job-889"}

    made = await compliance.post(RECORDS, json=record, headers=key, auth=gasco_token)
    theirs = await compliance.post(RECORDS, json=record, headers=key, auth=other_token)
    replayed = await compliance.post(RECORDS, json=record, headers=key, auth=gasco_token)

    assert made.status_code == 201, made.text
    assert theirs.status_code == 422, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert made.json()["id"] not in theirs.text
    assert "A. Engineer" not in theirs.text
    assert "location" not in theirs.headers
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == made.json()
