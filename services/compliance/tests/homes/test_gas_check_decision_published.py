"""property-registered and property-updated carry compliance's own decision on a home's
annual gas safety check (`needs_gas_safety_check`), on every path that publishes them
(register, PATCH, the stock import), so visits never works it out again from the gas
supply: a capped supply with a landlord gas appliance still gets the check."""

from __future__ import annotations

import random
from typing import Any

import httpx

from services.compliance.tests.homes.test_import import HEADER, post_file
from services.compliance.tests.homes.test_register import a_home

LANDLORD_GAS_FIRE = {"appliance_type": "gas_fire", "location": "living room"}


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def import_row(uprn: str, fuel: str, supply: str, town: str = "London") -> str:
    return f"{uprn},1 Mare Street,,{town},E8 1DY,flat,general_needs,{fuel},{supply},,,,"


async def test_registering_a_home_publishes_whether_it_gets_an_annual_gas_check(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    capped_with_gas_fire, electric, tenants_own_fire = a_uprn(), a_uprn(), a_uprn()
    homes = {
        capped_with_gas_fire: a_home(
            capped_with_gas_fire,
            heating_fuel="electric",
            gas_supply="capped",
            appliances=[LANDLORD_GAS_FIRE],
        ),
        electric: a_home(electric, heating_fuel="electric", gas_supply="none"),
        tenants_own_fire: a_home(
            tenants_own_fire,
            heating_fuel="electric",
            gas_supply="capped",
            appliances=[{**LANDLORD_GAS_FIRE, "landlord_owned": False}],
        ),
    }
    for body in homes.values():
        response = await compliance.post("/v1/homes", json=body)
        assert response.status_code == 201, response.text
    expected = {capped_with_gas_fire: True, electric: False, tenants_own_fire: False}
    for uprn, needs in expected.items():
        [event] = await published("property-registered", uprn)
        assert event["needs_gas_safety_check"] is needs, uprn
        entry = (await compliance.get(f"/v1/homes/{uprn}")).json()
        assert entry["needs_gas_safety_check"] is needs  # the same decision as the API's


async def test_a_landlord_gas_appliance_fitted_or_removed_publishes_the_new_decision(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    await compliance.post(
        "/v1/homes", json=a_home(uprn, heating_fuel="electric", gas_supply="capped")
    )
    fitted = await compliance.patch(
        f"/v1/homes/{uprn}", json={"appliances": [LANDLORD_GAS_FIRE]}, headers={"If-Match": '"1"'}
    )
    assert fitted.status_code == 200, fitted.text
    removed = await compliance.patch(
        f"/v1/homes/{uprn}", json={"appliances": []}, headers={"If-Match": '"2"'}
    )
    assert removed.status_code == 200, removed.text
    [registered] = await published("property-registered", uprn)
    assert registered["needs_gas_safety_check"] is False
    updates = await published("property-updated", uprn)
    assert [u["needs_gas_safety_check"] for u in updates] == [True, False]


async def test_the_stock_import_publishes_the_decision_for_new_and_changed_homes(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    live, electric, capped_no_appliance, capped_with_gas_fire = (a_uprn() for _ in range(4))
    await compliance.post(
        "/v1/homes",
        json=a_home(
            capped_with_gas_fire,
            heating_fuel="gas",
            gas_supply="live",
            appliances=[LANDLORD_GAS_FIRE],
        ),
    )
    text = "\n".join(
        [
            HEADER,
            import_row(live, "gas", "live"),
            import_row(electric, "electric", "none"),
            import_row(capped_no_appliance, "gas", "capped"),
            # already registered: the file caps its supply, its landlord gas fire stays
            import_row(capped_with_gas_fire, "gas", "capped", town="Hackney"),
        ]
    )
    response = await post_file(compliance, text)
    assert response.status_code == 200, response.text
    assert (response.json()["registered"], response.json()["updated"]) == (3, 1)
    for uprn, needs in {live: True, electric: False, capped_no_appliance: False}.items():
        [event] = await published("property-registered", uprn)
        assert event["needs_gas_safety_check"] is needs, uprn
    [updated] = await published("property-updated", capped_with_gas_fire)
    assert (updated["gas_supply"], updated["needs_gas_safety_check"]) == ("capped", True)
