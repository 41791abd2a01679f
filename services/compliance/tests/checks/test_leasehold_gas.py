"""A leasehold or shared ownership home is in the landlord's gas programme only for a
gas appliance the landlord owns there: not for a live supply alone. The register, the
home's compliance read, property-registered/updated's needs_gas_safety_check, the
cross-check and BS01 all follow checks.rules.gas_status; a home that leaves the
programme (a right to buy sale) has its open gas check withdrawn, and migration 0011
withdraws those raised under the old rule."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text, update
from sqlmodel import col

from compliance.models import Home
from compliance.settings import MIGRATIONS_DIR
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from services.compliance.tests.factories import london_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def the_flat(uprn: str, **overrides: object) -> dict[str, object]:
    """The reviewer's repro: a leasehold flat with a live supply, no landlord appliance."""
    return {
        "uprn": uprn,
        "address_line_1": "1 Mare Street",
        "town": "London",
        "postcode": "E8 1HR",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "tenure": "leasehold",
        **overrides,
    }


async def register(compliance: httpx.AsyncClient, body: dict[str, object]) -> dict[str, Any]:
    response = await compliance.post("/v1/homes", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def measures(compliance: httpx.AsyncClient) -> dict[str, tuple[int, int]]:
    response = await compliance.get(
        "/v1/compliance/figures", params={"to": london_today().isoformat()}
    )
    assert response.status_code == 200, response.text
    return {m["code"]: (m["numerator"], m["denominator"]) for m in response.json()["measures"]}


async def gas_checks(compliance: httpx.AsyncClient, uprn: str) -> list[str]:
    response = await compliance.get(f"/v1/compliance/homes/{uprn}")
    assert response.status_code == 200, response.text
    return [c["status"] for c in response.json()["checks"] if c["check_type"] == "gas_safety"]


async def cross_check_lists(compliance: httpx.AsyncClient, uprn: str) -> bool:
    cursor: str | None = None
    while True:
        params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        page = (await compliance.get("/v1/compliance/cross-check", params=params)).json()
        if any(item["uprn"] == uprn for item in page["items"]):
            return True
        cursor = page.get("next_cursor")
        if cursor is None:
            return False


async def test_a_leasehold_flat_with_a_live_supply_is_out_of_the_gas_programme_and_bs01(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    before = await measures(compliance)
    rented, flat, shared = a_uprn(), a_uprn(), a_uprn()
    await register(compliance, the_flat(rented, tenure="general_needs"))
    home = await register(compliance, the_flat(flat))
    assert (home["gas_status"], home["needs_gas_safety_check"]) == ("leaseholder", False)
    owned = await register(compliance, the_flat(shared, tenure="shared_ownership"))
    assert owned["gas_status"] == "leaseholder"

    read = (await compliance.get(f"/v1/compliance/homes/{flat}")).json()
    assert (read["gas_status"], read["gas_check_status"]) == ("leaseholder", None)
    assert read["checks"] == []  # no gas check, and no EICR: the installation is theirs
    assert (await compliance.get(f"/v1/homes/{flat}")).json()["gas_status"] == "leaseholder"
    [registered] = await published("property-registered", flat)
    assert registered["needs_gas_safety_check"] is False
    assert not await cross_check_lists(compliance, flat)

    after = await measures(compliance)
    # only the rented home joins BS01 (overdue: no certificate yet)
    assert after["BS01"] == (before["BS01"][0], before["BS01"][1] + 1)
    # only the rented home gets an EICR (a leased home's installation is the leaseholder's)
    electrical = "compliance.electrical_in_date"
    assert after[electrical][1] == before[electrical][1] + 1


async def test_a_landlord_gas_appliance_keeps_a_leasehold_home_in_the_programme(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    before = await measures(compliance)
    body = the_flat(
        uprn,
        appliances=[{"appliance_type": "communal_boiler", "location": "cupboard"}],
        gas_certificate_expires_on=(london_today() + timedelta(days=200)).isoformat(),
    )
    home = await register(compliance, body)
    assert (home["gas_status"], home["needs_gas_safety_check"]) == ("annual", True)
    assert await gas_checks(compliance, uprn) == ["in_date"]
    [registered] = await published("property-registered", uprn)
    assert registered["needs_gas_safety_check"] is True
    after = await measures(compliance)
    assert after["BS01"] == (before["BS01"][0] + 1, before["BS01"][1] + 1)


async def test_a_right_to_buy_sale_withdraws_the_open_gas_check(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = a_uprn()
    expired = (london_today() - timedelta(days=20)).isoformat()
    await register(
        compliance, the_flat(uprn, tenure="general_needs", gas_certificate_expires_on=expired)
    )
    assert await gas_checks(compliance, uprn) == ["overdue"]
    before = await measures(compliance)

    sold = await compliance.patch(
        f"/v1/homes/{uprn}", json={"tenure": "leasehold"}, headers={"If-Match": '"1"'}
    )
    assert sold.status_code == 200, sold.text
    assert sold.json()["gas_status"] == "leaseholder"
    assert await gas_checks(compliance, uprn) == ["withdrawn"]
    [updated] = await published("property-updated", uprn)
    assert updated["needs_gas_safety_check"] is False
    after = await measures(compliance)
    # held at the end of today no more: out of BS01 and the overdue count
    assert after["BS01"] == (before["BS01"][0], before["BS01"][1] - 1)
    # its gas check and its EICR (due at once: none was known) both leave the count
    assert after["compliance.overdue"][0] == before["compliance.overdue"][0] - 2
    assert not await cross_check_lists(compliance, uprn)

    # the landlord fits its own boiler there: back in the programme
    fitted = await compliance.patch(
        f"/v1/homes/{uprn}",
        json={"appliances": [{"appliance_type": "boiler", "location": "kitchen"}]},
        headers={"If-Match": '"2"'},
    )
    assert fitted.json()["gas_status"] == "annual"
    assert sorted(await gas_checks(compliance, uprn)) == ["overdue", "withdrawn"]


async def test_the_migration_withdraws_gas_checks_raised_for_leased_homes_under_the_old_rule(
    compliance: httpx.AsyncClient, compliance_database: Database, compliance_db_url: str
) -> None:
    """Homes registered before the fix: a leasehold home with only a supply holds an open
    gas check (made here by changing the tenure under the programme's feet); 0011
    withdraws it and leaves a leasehold home with a landlord boiler, and a rented one,
    alone."""
    supply_only, with_boiler, rented = a_uprn(), a_uprn(), a_uprn()
    boiler = [{"appliance_type": "boiler", "location": "kitchen"}]
    for uprn, appliances in ((supply_only, []), (with_boiler, boiler), (rented, [])):
        await register(compliance, the_flat(uprn, tenure="general_needs", appliances=appliances))
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Home)
            .where(col(Home.uprn).in_([supply_only, with_boiler]))
            .values(tenure="leasehold")
        )
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await session.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    # 0011 alone: the later migrations are in place already
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0011")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": head}
        )
    assert await gas_checks(compliance, supply_only) == ["withdrawn"]
    assert await gas_checks(compliance, with_boiler) == ["overdue"]
    assert await gas_checks(compliance, rented) == ["overdue"]


async def checks_open(compliance: httpx.AsyncClient, uprn: str) -> list[str]:
    response = await compliance.get(f"/v1/compliance/homes/{uprn}")
    assert response.status_code == 200, response.text
    return sorted(c["check_type"] for c in response.json()["checks"] if not c["completed_at"])


async def test_a_leased_home_gets_no_eicr_and_a_right_to_buy_withdraws_it(
    compliance: httpx.AsyncClient,
) -> None:
    """The installation inside a leasehold or shared ownership home is the
    leaseholder's: registered, imported or sold under right to buy, it holds no EICR;
    bought back and let, it gets one."""
    flat, sold = a_uprn(), a_uprn()
    await register(compliance, the_flat(flat, gas_supply="none", heating_fuel="electric"))
    assert await checks_open(compliance, flat) == []
    await register(compliance, the_flat(sold, tenure="general_needs"))
    assert await checks_open(compliance, sold) == ["electrical", "gas_safety"]
    patched = await compliance.patch(
        f"/v1/homes/{sold}", json={"tenure": "shared_ownership"}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert await checks_open(compliance, sold) == []
    let_again = await compliance.patch(
        f"/v1/homes/{sold}", json={"tenure": "general_needs"}, headers={"If-Match": '"2"'}
    )
    assert let_again.status_code == 200, let_again.text
    assert await checks_open(compliance, sold) == ["electrical", "gas_safety"]

    imported = a_uprn()
    text_file = (
        "uprn,address_line_1,town,postcode,property_type,tenure,heating_fuel,gas_supply\n"
        f"{imported},2 Mare Street,London,E8 1HR,flat,leasehold,electric,none\n"
    )
    response = await compliance.post(
        "/v1/homes/import", content=text_file.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.json()["registered"] == 1, response.text
    assert await checks_open(compliance, imported) == []


async def test_migration_0013_withdraws_the_eicr_of_leased_homes(
    compliance: httpx.AsyncClient, compliance_database: Database, compliance_db_url: str
) -> None:
    leased, rented = a_uprn(), a_uprn()
    for uprn in (leased, rented):
        await register(compliance, the_flat(uprn, tenure="general_needs"))
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Home).where(col(Home.uprn) == leased).values(tenure="leasehold")
        )
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await session.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0013")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": head}
        )
    assert "electrical" not in await checks_open(compliance, leased)
    assert "electrical" in await checks_open(compliance, rented)
