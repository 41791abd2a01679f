"""An appliance the engineer found not safe to use is a defect found at the check, and
DOMAIN.md has such a defect raise an emergency or urgent repair. A record saying
`safe_to_use: false` with no immediately dangerous or at-risk defect naming that
appliance raised no repair at all (only `defects` are sent to repairs): the household
was left with an appliance turned off and nobody asked to fix it. Such a record is now
refused, 422 naming the appliance's `safe_to_use`, nothing kept or published: the
engineer's classification (Gas Industry Unsafe Situations Procedure) decides the
repair's priority, so Hearth does not guess it."""

from __future__ import annotations

import random
from typing import Any

import httpx

from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_records_and_the_programme import (
    a_home,
)

UNSAFE_FIRE = {
    "appliance_type": "gas_fire",
    "location": "living room",
    "outcome": "fail",
    "safe_to_use": False,
}
BOILER = {
    "appliance_type": "combi_boiler",
    "location": "kitchen",
    "outcome": "pass",
    "safe_to_use": True,
}


def a_defect(index: int | None, classification: str) -> dict[str, Any]:
    return {
        "appliance_index": index,
        "location": "living room",
        "classification": classification,
        "description": "Fire spilling products: turned off and labelled",
        "made_safe": True,
    }


async def gas_check(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return next(c for c in home["checks"] if c["check_type"] == "gas_safety")


async def test_an_unsafe_appliance_without_its_defect_is_refused(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_home(compliance)
    open_before = await gas_check(compliance, uprn)
    for defects in (
        [],
        [a_defect(0, "not_to_current_standard")],  # no repair for NCS
        [a_defect(0, "at_risk")],  # names the boiler, not the fire
        [a_defect(None, "at_risk")],  # names no appliance
    ):
        response = await compliance.post(
            "/v1/gas-safety-records",
            json=a_record(
                uprn,
                london_today(),
                certificate_reference=f"CP12-{random.randint(1, 10**9)}",
                appliances=[BOILER, UNSAFE_FIRE],
                defects=defects,
            ),
        )
        assert response.status_code == 422, (defects, response.text)
        assert response.json()["field"] == "appliances.1.safe_to_use"
    assert await gas_check(compliance, uprn) == open_before
    assert await published("check-completed", uprn) == []
    assert await published("safety-defect-found", uprn) == []


async def test_an_unsafe_appliance_with_its_defect_raises_the_repair(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_home(compliance)

    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(
            uprn,
            london_today(),
            appliances=[BOILER, UNSAFE_FIRE],
            defects=[a_defect(1, "at_risk")],
        ),
    )

    assert response.status_code == 201, response.text
    (defect,) = await published("safety-defect-found", uprn)
    assert (defect["classification"], defect["priority"]) == ("at_risk", "urgent")


async def test_a_households_own_unsafe_appliance_needs_no_landlord_repair(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """The tenant's own cooker found unsafe is theirs to put right: no defect is asked."""
    uprn = await a_home(compliance)
    own_cooker = {**UNSAFE_FIRE, "appliance_type": "gas_cooker", "landlord_owned": False}

    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, london_today(), appliances=[BOILER, own_cooker]),
    )

    assert response.status_code == 201, response.text
    assert await published("safety-defect-found", uprn) == []
