"""A home's gas safety record needs its smoke and CO alarm tests (ADR 0110). DOMAIN.md:
the alarms are checked at each gas visit. Before, a record without them was taken (201)
and nothing showed the alarms had not been checked; now it is a 422 naming
`alarm_tests`, nothing kept, as for the record's other refusals (docs/contractors.md).
An alarm the engineer found not there is sent with result `missing` (a defect, its
repair raised). A block's communal boiler record needs none: no household lives there."""

from __future__ import annotations

import httpx

from services.compliance.tests.factories import a_block, a_record, london_today
from services.compliance.tests.gas_safety_records.test_contractor_records import (
    RECORDS,
    a_contractor,
    assigned_gas_home,
)
from services.compliance.tests.gas_safety_records.test_records import a_gas_home, a_uprn, gas_check


async def test_a_homes_record_without_alarm_tests_is_refused_naming_them_and_nothing_kept(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance)
    before = await gas_check(compliance, uprn)
    refused = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today(), alarm_tests=[])
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["alarm_tests"]
    listed = await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})
    assert listed.json()["items"] == []
    assert (await gas_check(compliance, uprn))["id"] == before["id"]  # still open

    missing = [{"kind": "smoke", "location": "hall", "result": "missing"}]
    taken = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today(), alarm_tests=missing)
    )
    assert taken.status_code == 201, taken.text
    [defect] = taken.json()["defects"]
    assert (defect["classification"], defect["priority"]) == ("alarm_faulty_or_missing", "urgent")


async def test_a_contractor_not_assigned_learns_nothing_from_it(
    compliance: httpx.AsyncClient,
) -> None:
    """The alarm tests are asked for only once the home's check is the contractor's: a
    record for another home is the same 422 naming `uprn`, registered or not."""
    gasco, gasco_token = a_contractor()
    _, other_token = a_contractor()
    uprn = await assigned_gas_home(compliance, gasco)
    for token, home in ((other_token, uprn), (other_token, a_uprn())):
        refused = await compliance.post(
            RECORDS, json=a_record(home, london_today(), alarm_tests=[]), auth=token
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["uprn"]
    refused = await compliance.post(
        RECORDS, json=a_record(uprn, london_today(), alarm_tests=[]), auth=gasco_token
    )
    assert [e["field"] for e in refused.json()["errors"]] == ["alarm_tests"]


async def test_a_blocks_communal_boiler_record_needs_none(compliance: httpx.AsyncClient) -> None:
    block = await a_block(compliance, communal_boiler=True)
    boiler = {
        "appliance_type": "communal_boiler",
        "location": "plant room",
        "outcome": "pass",
        "safe_to_use": True,
    }
    taken = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(block, london_today(), appliances=[boiler], alarm_tests=[]),
    )
    assert taken.status_code == 201, taken.text
