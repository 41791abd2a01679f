"""Every withdrawal the service makes is announced (check-withdrawn), once per check,
so visits stops pairing visits with the check and closes any officer visit asked for
access: a right to buy sale (PATCH), a landlord appliance removed, and the stock
import; `hearth compliance announce-withdrawn-checks` announces those the migrations
withdrew without a word."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from compliance.models import Check
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from services.compliance.tests.factories import london_today
from services.compliance.tests.test_cli import hearth
from tests.harness.days import days_from_today

BOILER = [{"appliance_type": "boiler", "location": "kitchen"}]


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_home(compliance: httpx.AsyncClient, **overrides: object) -> str:
    uprn = a_uprn()
    body = {
        "uprn": uprn,
        "address_line_1": "1 Mare Street",
        "town": "London",
        "postcode": "E8 1HR",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "gas_certificate_expires_on": (london_today() - timedelta(days=20)).isoformat(),
        "electrical_certificate_expires_on": "2031-01-01",
        **overrides,
    }
    response = await compliance.post("/v1/homes", json=body)
    assert response.status_code == 201, response.text
    return uprn


async def withdrawn_checks(compliance: httpx.AsyncClient, uprn: str) -> dict[str, str]:
    """The home's withdrawn checks: id to check type."""
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return {c["id"]: c["check_type"] for c in home["checks"] if c["status"] == "withdrawn"}


async def test_a_right_to_buy_sale_announces_each_check_it_withdraws_once(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_home(compliance)
    sold = await compliance.patch(
        f"/v1/homes/{uprn}", json={"tenure": "leasehold"}, headers={"If-Match": '"1"'}
    )
    assert sold.status_code == 200, sold.text
    withdrawn = await withdrawn_checks(compliance, uprn)
    assert "gas_safety" in withdrawn.values()
    events = await published("check-withdrawn", uprn)
    assert {e["check_id"]: e["check_type"] for e in events} == withdrawn
    assert len(events) == len(withdrawn)
    assert {(e["uprn"], e["reason"]) for e in events} == {(uprn, "no_longer_needed")}
    # a change that withdraws nothing more announces nothing more
    again = await compliance.patch(
        f"/v1/homes/{uprn}", json={"town": "Hackney"}, headers={"If-Match": '"2"'}
    )
    assert again.status_code == 200, again.text
    assert len(await published("check-withdrawn", uprn)) == len(events)


async def test_removing_the_landlords_appliance_announces_the_gas_check_withdrawn(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_home(compliance, tenure="shared_ownership", appliances=BOILER)
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [gas] = [c for c in home["checks"] if c["check_type"] == "gas_safety"]
    removed = await compliance.patch(
        f"/v1/homes/{uprn}", json={"appliances": []}, headers={"If-Match": '"1"'}
    )
    assert removed.status_code == 200, removed.text
    [event] = await published("check-withdrawn", uprn)
    assert (event["check_id"], event["check_type"]) == (gas["id"], "gas_safety")


async def test_the_import_announces_the_checks_it_withdraws(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    header = (
        "uprn,address_line_1,address_line_2,town,postcode,property_type,tenure,heating_fuel,"
        "gas_supply,block_id,estate_id,gas_certificate_expires_on,"
        "electrical_certificate_expires_on"
    )

    expires_on = days_from_today(61)  # within the 24 months the register goes back

    async def import_row(supply: str) -> None:
        text = (
            f"{header}\n{uprn},1 Mare Street,,London,E8 1DY,flat,general_needs,gas,{supply},,"
            f"EST1,{expires_on},\n"
        )
        response = await compliance.post(
            "/v1/homes/import", content=text.encode(), headers={"Content-Type": "text/csv"}
        )
        assert response.status_code == 200, response.text

    await import_row("live")
    assert await published("check-withdrawn", uprn) == []
    await import_row("capped")
    withdrawn = await withdrawn_checks(compliance, uprn)
    assert list(withdrawn.values()) == ["gas_safety"]
    [event] = await published("check-withdrawn", uprn)
    assert event["check_id"] in withdrawn
    await import_row("capped")  # the same file again: nothing more
    assert len(await published("check-withdrawn", uprn)) == 1


async def test_the_command_announces_checks_withdrawn_without_a_word(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    compliance_db_url: str,
    published: Any,
) -> None:
    """As migrations 0011 to 0013 did: the check closed with no record, nothing
    published; the command announces it, dated when it was withdrawn."""
    uprn = await a_home(compliance, tenure="leasehold", appliances=BOILER)
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [gas] = [c for c in home["checks"] if c["check_type"] == "gas_safety"]
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Check)
            .where(col(Check.uprn) == uprn, col(Check.check_type) == CheckType.GAS_SAFETY)
            .values(completed_at=col(Check.created_at))
        )
    assert await published("check-withdrawn", uprn) == []
    assert await hearth(compliance_db_url, "compliance", "announce-withdrawn-checks") == 0
    [event] = await published("check-withdrawn", uprn)
    assert (event["check_id"], event["check_type"]) == (gas["id"], "gas_safety")
    withdrawn = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [closed] = [c for c in withdrawn["checks"] if c["id"] == gas["id"]]
    assert closed["status"] == "withdrawn"
    assert datetime.fromisoformat(event["withdrawn_at"]) == datetime.fromisoformat(
        closed["completed_at"]
    )
