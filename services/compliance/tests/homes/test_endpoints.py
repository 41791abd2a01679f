from __future__ import annotations

import random

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.outbox import outbox_headers
from hearth_kit.tables import outbox_message


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_home(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "address_line_1": "12 Mare Street",
        "town": "London",
        "postcode": "e8 1dy",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
        **overrides,
    }


async def outbox_count(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    return int(count or 0)


async def test_registering_a_home_publishes_property_registered(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    uprn = a_uprn()
    response = await compliance.post("/v1/homes", json=a_home(uprn))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["postcode"] == "E8 1DY"
    assert body["needs_gas_safety_check"] is True
    assert response.headers["location"] == f"/v1/homes/{uprn}"
    async with compliance_database.sessionmaker() as session:
        row = (
            (
                await session.execute(
                    select(outbox_message).where(outbox_message.c.message_key == uprn)
                )
            )
            .mappings()
            .one()
        )
    assert row["event_type"] == "uk.hearth.compliance.property-registered.v1"
    assert row["topic"] == "hearth.compliance.events"
    assert outbox_headers(row)["ce_subject"] == uprn


async def test_a_malformed_uprn_is_rejected_naming_the_field_and_stores_nothing(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    response = await compliance.post("/v1/homes", json=a_home("12AB45"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["uprn"]
    assert "uprn" in problem["detail"]
    assert await outbox_count(compliance_database, "12AB45") == 0


async def test_a_missing_field_is_named_in_the_problem(compliance: httpx.AsyncClient) -> None:
    home = a_home(a_uprn())
    del home["heating_fuel"]
    response = await compliance.post("/v1/homes", json=home)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "heating_fuel"


async def test_registering_the_same_home_twice_is_a_conflict(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    uprn = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(uprn))).status_code == 201
    again = await compliance.post("/v1/homes", json=a_home(uprn))
    assert again.status_code == 409
    assert await outbox_count(compliance_database, uprn) == 1


async def test_a_retried_post_with_the_same_idempotency_key_changes_nothing(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    uprn = a_uprn()
    headers = {"Idempotency-Key": f"key-{uprn}"}
    first = await compliance.post("/v1/homes", json=a_home(uprn), headers=headers)
    second = await compliance.post("/v1/homes", json=a_home(uprn), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await outbox_count(compliance_database, uprn) == 1
    other_body = await compliance.post(
        "/v1/homes", json=a_home(uprn, town="Hackney"), headers=headers
    )
    assert other_body.status_code == 422


async def test_homes_are_listed_a_page_at_a_time(compliance: httpx.AsyncClient) -> None:
    for _ in range(3):
        await compliance.post("/v1/homes", json=a_home(a_uprn(), postcode="N1 9GU"))
    first = (await compliance.get("/v1/homes", params={"limit": 2, "postcode": "N1 9GU"})).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = (
        await compliance.get(
            "/v1/homes", params={"limit": 2, "postcode": "N1 9GU", "cursor": first["next_cursor"]}
        )
    ).json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert {h["uprn"] for h in first["items"]}.isdisjoint({h["uprn"] for h in second["items"]})


async def test_an_unknown_home_is_a_404_problem(compliance: httpx.AsyncClient) -> None:
    response = await compliance.get("/v1/homes/999999999999")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


async def test_a_home_reads_back_as_registered_with_its_appliances_in_room_order(
    compliance: httpx.AsyncClient,
) -> None:
    """The GET by key's one statement (a home joined to its appliances) gives the same
    entry the registration answered, with and without appliances."""
    with_appliances = a_home(
        a_uprn(),
        appliances=[
            {"appliance_type": "combi_boiler", "location": "kitchen"},
            {"appliance_type": "gas_fire", "location": "bedroom", "landlord_owned": False},
        ],
        smoke_alarm_storeys=[0],
        co_alarm_rooms=["kitchen"],
    )
    for home in (with_appliances, a_home(a_uprn(), heating_fuel="electric", gas_supply="none")):
        registered = await compliance.post("/v1/homes", json=home)
        assert registered.status_code == 201, registered.text
        read = await compliance.get(f"/v1/homes/{home['uprn']}")
        assert read.status_code == 200
        assert read.headers["etag"] == '"1"'
        assert read.headers["content-type"] == "application/json"
        expected = registered.json()
        expected["appliances"] = sorted(expected["appliances"], key=lambda a: a["location"])
        assert read.json() == expected
    read = (await compliance.get(f"/v1/homes/{with_appliances['uprn']}")).json()
    assert [a["location"] for a in read["appliances"]] == ["bedroom", "kitchen"]
