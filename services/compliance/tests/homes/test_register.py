"""The asset register: blocks and appliances decide the checks, PATCH with If-Match,
bad input names the field and changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from compliance.checks.rules import add_months
from hearth_kit.working_days import london_day
from tests.harness.days import days_from_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_home(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "address_line_1": "12 Mare Street",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
        **overrides,
    }


async def checks_of(compliance: httpx.AsyncClient, uprn: str) -> dict[str, dict[str, Any]]:
    response = await compliance.get(f"/v1/compliance/homes/{uprn}")
    assert response.status_code == 200, response.text
    return {c["check_type"]: c for c in response.json()["checks"] if c["completed_at"] is None}


async def test_a_gas_home_gets_an_annual_gas_check_and_an_eicr(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    expires_on = days_from_today(90)  # the register refuses an expiry out of its window
    response = await compliance.post(
        "/v1/homes", json=a_home(uprn, gas_certificate_expires_on=expires_on.isoformat())
    )
    assert response.status_code == 201, response.text
    assert response.json()["gas_status"] == "annual"
    checks = await checks_of(compliance, uprn)
    assert set(checks) == {"gas_safety", "electrical"}
    assert checks["gas_safety"]["due_by"] == expires_on.isoformat()
    due_from = expires_on - timedelta(days=60)  # 60 days ahead
    assert checks["gas_safety"]["due_from"] == due_from.isoformat()


@pytest.mark.parametrize(
    ("field", "months"),
    [("gas_certificate_expires_on", 14), ("electrical_certificate_expires_on", 60)],
)
async def test_an_expiry_later_than_a_certificate_held_today_can_have_is_refused(
    compliance: httpx.AsyncClient, field: str, months: int
) -> None:
    """Gas: 12 months + the 2-month renewal window from today at most; an EICR 5 years."""
    latest = add_months(london_day(datetime.now(UTC)), months)
    for too_late in (latest + timedelta(days=1), datetime(2099, 1, 1).date()):
        uprn = a_uprn()
        response = await compliance.post("/v1/homes", json=a_home(uprn, **{field: str(too_late)}))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 404
    uprn = a_uprn()
    response = await compliance.post("/v1/homes", json=a_home(uprn, **{field: str(latest)}))
    assert response.status_code == 201, response.text


async def test_a_home_in_an_unknown_block_is_refused_naming_block_id(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    response = await compliance.post("/v1/homes", json=a_home(uprn, block_id=a_uprn()))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["block_id"]
    assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 404


async def test_a_block_has_its_own_uprn_and_communal_checks(compliance: httpx.AsyncClient) -> None:
    block = a_uprn()
    created = await compliance.post(
        "/v1/blocks",
        json={"uprn": block, "name": "Hollis House", "communal_boiler": True, "has_lift": True},
    )
    assert created.status_code == 201, created.text
    checks = await checks_of(compliance, block)
    assert {"gas_safety", "fire_risk_assessment", "asbestos", "water", "lift"} <= set(checks)
    home = await compliance.post("/v1/homes", json=a_home(a_uprn(), block_id=block))
    assert home.status_code == 201
    assert home.json()["block_id"] == block


async def test_an_unknown_appliance_type_is_refused_naming_the_field(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    response = await compliance.post(
        "/v1/homes",
        json=a_home(uprn, appliances=[{"appliance_type": "toaster", "location": "kitchen"}]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "appliances.0.appliance_type"


async def test_alarms_missing_are_listed_per_storey_and_room(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    response = await compliance.post(
        "/v1/homes",
        json=a_home(
            uprn,
            storeys_with_living_space=2,
            smoke_alarm_storeys=[0],
            appliances=[
                {"appliance_type": "combi_boiler", "location": "kitchen"},
                {"appliance_type": "gas_cooker", "location": "kitchen"},
                {"appliance_type": "gas_fire", "location": "living room"},
            ],
            co_alarm_rooms=["kitchen"],
        ),
    )
    body = response.json()
    assert body["storeys_missing_smoke_alarm"] == [1]
    assert body["rooms_missing_co_alarm"] == ["living room"]


async def test_patch_needs_the_current_etag_and_a_stale_one_changes_nothing(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    await compliance.post("/v1/homes", json=a_home(uprn))
    got = await compliance.get(f"/v1/homes/{uprn}")
    etag = got.headers["etag"]
    assert etag == '"1"'
    without = await compliance.patch(f"/v1/homes/{uprn}", json={"town": "Hackney"})
    assert without.status_code == 428
    changed = await compliance.patch(
        f"/v1/homes/{uprn}", json={"town": "Hackney"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    stale = await compliance.patch(
        f"/v1/homes/{uprn}", json={"town": "Islington"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    assert (await compliance.get(f"/v1/homes/{uprn}")).json()["town"] == "Hackney"
    updates = await published("property-updated", uprn)
    assert [u["town"] for u in updates] == ["Hackney"]


async def test_capping_withdraws_the_gas_check_and_uncapping_raises_it_due_at_once(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    await compliance.post(
        "/v1/homes",
        json=a_home(
            uprn,
            heating_fuel="electric",
            gas_certificate_expires_on=days_from_today(180).isoformat(),
        ),
    )
    capped = await compliance.patch(
        f"/v1/homes/{uprn}", json={"gas_supply": "capped"}, headers={"If-Match": '"1"'}
    )
    assert capped.json()["gas_status"] == "capped"
    assert "gas_safety" not in await checks_of(compliance, uprn)
    every = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    assert [c["status"] for c in every if c["check_type"] == "gas_safety"] == ["withdrawn"]
    assert await published("check-due", uprn) == []
    uncapped = await compliance.patch(
        f"/v1/homes/{uprn}", json={"gas_supply": "live"}, headers={"If-Match": '"2"'}
    )
    assert uncapped.status_code == 200
    gas = (await checks_of(compliance, uprn))["gas_safety"]
    assert gas["status"] == "overdue"  # needed from today: a check before the gas is used
    raised = await published("check-due", uprn)
    assert [(e["check_id"], e["check_type"]) for e in raised] == [(gas["id"], "gas_safety")]


async def test_replacing_appliances_decides_the_gas_status(compliance: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    await compliance.post(
        "/v1/homes", json=a_home(uprn, heating_fuel="electric", gas_supply="capped")
    )
    response = await compliance.patch(
        f"/v1/homes/{uprn}",
        json={"appliances": [{"appliance_type": "gas_fire", "location": "living room"}]},
        headers={"If-Match": '"1"'},
    )
    assert response.json()["gas_status"] == "annual"
    assert [a["appliance_type"] for a in response.json()["appliances"]] == ["gas_fire"]
