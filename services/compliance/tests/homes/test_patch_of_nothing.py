"""A PATCH that changes nothing (an empty body, or every field sent with the value the
entry holds) is answered 200 with the entry as it is and its ETag, and raises no
version, announces nothing (no property-updated) and writes nothing to the outbox
(ADR 0127). Before, it raised the version (the office's next PATCH with the ETag it
held got 412) and published property-updated to every consumer for nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_block, a_record, a_uprn, london_today
from services.compliance.tests.gas_safety_records.test_alarm_tests_and_the_register import (
    a_let_gas_home,
    home_of,
)
from services.compliance.tests.homes.test_missing_alarms_counted import patch


async def outbox_rows(database: Database) -> int:
    """Every row in the service's outbox (no other test of this module runs meanwhile)."""
    async with database.sessionmaker() as session:
        return int(
            (await session.execute(select(func.count()).select_from(outbox_message))).scalar_one()
        )


async def a_gas_home(compliance: httpx.AsyncClient) -> dict[str, Any]:
    uprn = a_uprn()
    registered = await compliance.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "12 Mare Street",
            "address_line_2": None,
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "house",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "storeys_with_living_space": 2,
            "smoke_alarm_storeys": [1, 0],
            "co_alarm_rooms": ["Kitchen"],
            "appliances": [
                {"appliance_type": "boiler", "location": "Kitchen"},
                {"appliance_type": "gas_fire", "location": "Lounge", "landlord_owned": False},
            ],
        },
    )
    assert registered.status_code == 201, registered.text
    body: dict[str, Any] = registered.json()
    return body


async def test_a_home_patched_with_nothing_new_is_left_as_it_is(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    home = await a_gas_home(compliance)
    uprn = home["uprn"]
    same: dict[str, Any] = {
        "address_line_1": "12 Mare Street",
        "address_line_2": None,
        "town": "London",
        "postcode": "e8 1dy",  # the same postcode, as the register holds it once read
        "property_type": "house",
        "tenure": "general_needs",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "storeys_with_living_space": 2,
        "smoke_alarm_storeys": [0, 1],
        "co_alarm_rooms": ["Kitchen"],
        # the same appliances in another order
        "appliances": [
            {"appliance_type": "gas_fire", "location": "Lounge", "landlord_owned": False},
            {"appliance_type": "boiler", "location": "Kitchen"},
        ],
    }
    rows = await outbox_rows(compliance_database)
    for body in ({}, same, {"town": "London"}):
        response = await compliance.patch(
            f"/v1/homes/{uprn}", json=body, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"1"'
        assert response.json()["version"] == 1
        assert response.json()["updated_at"] is None
        assert response.json()["appliances"] == home["appliances"]
    assert await outbox_rows(compliance_database) == rows
    read = await compliance.get(f"/v1/homes/{uprn}")
    assert (read.headers["ETag"], read.json()) == ('"1"', home)

    # still the caller must have seen the current version, and a real change still counts
    stale = await compliance.patch(f"/v1/homes/{uprn}", json={}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412, stale.text
    assert (await compliance.patch(f"/v1/homes/{uprn}", json={})).status_code == 428
    changed = await compliance.patch(
        f"/v1/homes/{uprn}", json={**same, "town": "Hackney"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert await outbox_rows(compliance_database) == rows + 1  # its property-updated
    # the appliances sent again as they are keep their ids
    assert changed.json()["appliances"] == home["appliances"]


async def test_a_block_patched_with_nothing_new_is_left_as_it_is(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    block = await a_block(compliance, communal_boiler=True)
    held = (await compliance.get(f"/v1/blocks/{block}")).json()
    rows = await outbox_rows(compliance_database)
    same = {"name": "Hollis House", "estate_id": None, "communal_boiler": True, "has_lift": False}
    for body in ({}, same):
        response = await compliance.patch(
            f"/v1/blocks/{block}", json=body, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"1"'
        assert response.json() == held
    assert await outbox_rows(compliance_database) == rows
    read = await compliance.get(f"/v1/blocks/{block}")
    assert (read.headers["ETag"], read.json()) == ('"1"', held)


async def test_alarm_lists_sent_as_held_are_not_the_offices_word(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """A PATCH that sends the alarm lists as the register holds them tells it nothing, so
    an earlier visit's record uploaded after it is still taken into the register (ADR
    0127 amending 0121): the storey the engineer found without its alarm opens its row
    and its one repair. Before, the unchanged PATCH stamped alarms_noted_at and the
    record's finding left the register saying the alarm was fitted."""
    uprn = await a_let_gas_home(
        compliance,
        storeys_with_living_space=2,
        smoke_alarm_storeys=[0, 1],
        co_alarm_rooms=["kitchen"],
    )
    await patch(compliance, uprn, {"smoke_alarm_storeys": [1, 0]})
    assert (await home_of(compliance, uprn))["version"] == 1

    # yesterday's visit, uploaded after the PATCH
    body = a_record(
        uprn,
        london_today() - timedelta(days=1),
        alarm_tests=[{"kind": "smoke", "location": "landing", "storey": 1, "result": "missing"}],
    )
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 201, response.text

    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["storeys_missing_smoke_alarm"]) == ([0], [1])
    assert len(await published("required-alarm-missing", uprn)) == 1
    assert await published("safety-defect-found", uprn) == []
