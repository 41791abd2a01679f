"""A second record the same day as the latest (the engineer fails an appliance, fixes
it and issues a new certificate) is the home's latest: check-completed again under the
cycle the first completed, the household is owed a copy of each record, and no second
cycle is opened or completed and the expiry does not move. A home outside the annual gas
programme is never told of a next check (next_due_by null)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hearth_contracts.events.compliance import retest_copy_id
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_records_and_the_programme import (
    a_home,
)

FAILED_BOILER = [
    {
        "appliance_type": "combi_boiler",
        "location": "kitchen",
        "outcome": "fail",
        "safe_to_use": False,
    }
]

BOILER_AT_RISK = {
    "appliance_index": 0,
    "location": "kitchen",
    "classification": "at_risk",
    "description": "Flue seal failed: turned off with consent",
    "made_safe": True,
}


async def gas_cycles(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return [c for c in home["checks"] if c["check_type"] == "gas_safety"]


async def post(compliance: httpx.AsyncClient, body: dict[str, object]) -> dict[str, Any]:
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def test_a_pass_after_a_fail_the_same_day_is_the_latest_on_the_same_cycle(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn, today = await a_home(compliance), london_today()  # one day for both
    failed = await post(
        compliance,
        a_record(
            uprn,
            today,
            certificate_reference=f"A-{uprn}",
            appliances=FAILED_BOILER,
            defects=[BOILER_AT_RISK],
        ),
    )
    cycles_after_fail = await gas_cycles(compliance, uprn)
    passed = await post(compliance, a_record(uprn, today, certificate_reference=f"B-{uprn}"))

    assert (failed["outcome"], passed["outcome"]) == ("unsatisfactory", "satisfactory")
    assert passed["superseded"] is False
    assert passed["check_id"] == failed["check_id"]
    assert passed["expires_on"] == failed["expires_on"]
    completed = await published("check-completed", uprn)
    assert [(c["check_id"], c["outcome"], c["certificate_reference"]) for c in completed] == [
        (failed["check_id"], "unsatisfactory", f"A-{uprn}"),
        (failed["check_id"], "satisfactory", f"B-{uprn}"),
    ]
    assert {c["next_due_by"] for c in completed} == {failed["expires_on"]}
    # the same cycles: the day's cycle now names the pass; one open cycle, same dates
    cycles = await gas_cycles(compliance, uprn)
    assert len(cycles) == len(cycles_after_fail) == 2
    done = next(c for c in cycles if c["id"] == failed["check_id"])
    assert done["record_id"] == passed["id"]
    [following] = [c for c in cycles if c["completed_at"] is None]
    [before] = [c for c in cycles_after_fail if c["completed_at"] is None]
    assert (following["id"], following["due_by"]) == (before["id"], before["due_by"])
    assert following["due_by"] == passed["expires_on"]
    assert following["last_certificate_reference"] == f"B-{uprn}"
    # the household is owed a copy of each record by the same day: the fail's under the
    # check id, the pass's under the id engagement sends it by; the cycle shows the pass's
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert sorted((c["id"], c["record_id"], c["copy_by"]) for c in home["tenant_copies"]) == sorted(
        [
            (failed["check_id"], failed["id"], failed["copy_to_tenant_by"]),
            (
                str(retest_copy_id(uuid.UUID(failed["check_id"]), f"B-{uprn}")),
                passed["id"],
                failed["copy_to_tenant_by"],
            ),
        ]
    )
    cycle = next(c for c in home["checks"] if c["id"] == failed["check_id"])
    assert cycle["tenant_copy_by"] == passed["copy_to_tenant_by"]
    assert home["gas_check_status"] == "in_date"


async def test_a_second_pass_the_same_day_opens_no_second_cycle(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn, today = await a_home(compliance), london_today()  # one day for both
    first = await post(compliance, a_record(uprn, today, certificate_reference=f"A-{uprn}"))
    second = await post(compliance, a_record(uprn, today, certificate_reference=f"B-{uprn}"))
    assert second["superseded"] is False
    assert (second["check_id"], second["expires_on"]) == (first["check_id"], first["expires_on"])
    cycles = await gas_cycles(compliance, uprn)
    assert len(cycles) == 2  # the day's (completed) and the next (open)
    [following] = [c for c in cycles if c["completed_at"] is None]
    assert following["due_by"] == first["expires_on"]
    assert len(await published("check-completed", uprn)) == 2


async def test_a_home_outside_the_programme_is_told_of_no_next_check(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    shared = await a_home(compliance, tenure="shared_ownership")
    capped = await a_home(compliance, heating_fuel="electric", gas_supply="capped")
    for uprn in (shared, capped):
        today = london_today()  # one day for both
        first = await post(compliance, a_record(uprn, today, certificate_reference=f"A-{uprn}"))
        # a re-test the same day: still no cycle opened, and no next check
        second = await post(compliance, a_record(uprn, today, certificate_reference=f"B-{uprn}"))
        assert second["check_id"] == first["check_id"]
        completed = await published("check-completed", uprn)
        assert [c["next_due_by"] for c in completed] == [None, None]
        cycles = await gas_cycles(compliance, uprn)
        assert [c["id"] for c in cycles] == [first["check_id"]]
        assert cycles[0]["completed_at"] is not None


async def test_a_home_in_the_programme_is_told_its_next_check(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_home(compliance)
    record = await post(compliance, a_record(uprn, london_today()))
    [completed] = await published("check-completed", uprn)
    assert completed["next_due_by"] == record["expires_on"]
