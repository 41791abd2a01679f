"""Homes whose register shows a required alarm missing are counted: the figures'
compliance.homes_missing_alarms and the idle sweep's gauge. DOMAIN.md: a smoke alarm on
every storey with living space, a CO alarm in every room with a fixed combustion
appliance. Before, the home's read listed the storeys and rooms without one, but no
figure or gauge counted them, so managers saw none unless they read every home."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from compliance import metrics
from compliance.checks.service import ProgrammeService
from compliance.settings import MIGRATIONS_DIR, Programme
from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from hearth_kit.scheduler import ScheduledJob, run_until_done
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_home(uprn: str, **overrides: object) -> dict[str, Any]:
    return {
        "uprn": uprn,
        "address_line_1": "12 Mare Street",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "house",
        "heating_fuel": "electric",
        "gas_supply": "none",
        **overrides,
    }


async def homes_missing_alarms(compliance: httpx.AsyncClient) -> int:
    response = await compliance.get("/v1/compliance/figures")
    assert response.status_code == 200, response.text
    measure = next(
        m for m in response.json()["measures"] if m["code"] == "compliance.homes_missing_alarms"
    )
    return int(measure["numerator"])


async def patch(compliance: httpx.AsyncClient, uprn: str, body: dict[str, Any]) -> None:
    etag = (await compliance.get(f"/v1/homes/{uprn}")).headers["ETag"]
    response = await compliance.patch(f"/v1/homes/{uprn}", json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


async def test_a_home_missing_an_alarm_is_counted_until_the_register_shows_it_fitted(
    compliance: httpx.AsyncClient,
) -> None:
    before = await homes_missing_alarms(compliance)
    uprn = a_uprn()
    registered = await compliance.post(
        "/v1/homes", json=a_home(uprn, storeys_with_living_space=2, smoke_alarm_storeys=[0])
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["storeys_missing_smoke_alarm"] == [1]
    assert await homes_missing_alarms(compliance) == before + 1
    await patch(compliance, uprn, {"smoke_alarm_storeys": [0, 1]})
    assert await homes_missing_alarms(compliance) == before
    # a boiler fitted in a room without a CO alarm: missing again, once per home
    await patch(
        compliance,
        uprn,
        {
            "appliances": [
                {"appliance_type": "boiler", "location": "Kitchen"},
                {"appliance_type": "gas_fire", "location": "Lounge"},
            ]
        },
    )
    assert await homes_missing_alarms(compliance) == before + 1
    await patch(compliance, uprn, {"co_alarm_rooms": ["kitchen", "lounge"]})
    assert await homes_missing_alarms(compliance) == before


async def test_a_gas_cooker_needs_no_co_alarm_and_a_leaseholders_home_is_not_counted(
    compliance: httpx.AsyncClient,
) -> None:
    before = await homes_missing_alarms(compliance)
    cooker = a_uprn()
    response = await compliance.post(
        "/v1/homes",
        json=a_home(cooker, appliances=[{"appliance_type": "gas_cooker", "location": "Kitchen"}]),
    )
    assert response.status_code == 201, response.text
    leasehold = a_uprn()
    response = await compliance.post(
        "/v1/homes", json=a_home(leasehold, tenure="leasehold", storeys_with_living_space=1)
    )
    assert response.status_code == 201, response.text
    assert await homes_missing_alarms(compliance) == before


async def test_the_idle_sweep_sets_the_gauge(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    uprn = a_uprn()
    response = await compliance.post(
        "/v1/homes", json=a_home(uprn, storeys_with_living_space=3, smoke_alarm_storeys=[0])
    )
    assert response.status_code == 201, response.text
    service = ProgrammeService(Programme())
    job = ScheduledJob("compliance-sweep", timedelta(days=1), service.sweep)
    await run_until_done(compliance_database, job, datetime.now(UTC))
    assert metrics.HOMES_MISSING_ALARMS._value.get() == await homes_missing_alarms(compliance)
    assert metrics.HOMES_MISSING_ALARMS._value.get() >= 1


async def test_the_migration_counts_the_alarms_homes_were_already_missing(
    databases: DatabaseFactory,
) -> None:
    """0019 backfills home.alarms_missing from the lists the register held."""
    url = await migrated_database(databases, "compliance")
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0018")

    homes = {  # uprn: (storeys, smoke alarm storeys, CO alarm rooms, appliances, missing)
        a_uprn(): (2, "[0]", '["kitchen"]', [("boiler", " Kitchen ")], 1),
        a_uprn(): (None, "[]", "[]", [("gas_fire", "Lounge"), ("gas_cooker", "Kitchen")], 1),
        a_uprn(): (1, "[0]", "[]", [("gas_cooker", "Kitchen")], 0),
        a_uprn(): (3, "[]", "[]", [("combi_boiler", "Hall")], 4),
    }
    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
            for uprn, (storeys, smoke, co, appliances, _) in homes.items():
                await connection.execute(
                    text(
                        "INSERT INTO home (uprn, address_line_1, town, postcode, property_type,"
                        " tenure, heating_fuel, gas_supply, registered_at, version,"
                        " storeys_with_living_space, smoke_alarm_storeys, co_alarm_rooms,"
                        " no_access_history) VALUES (:uprn, '1 Mare Street', 'London',"
                        " 'E8 1DY', 'house', 'general_needs', 'gas', 'live', :at, 1, :storeys,"
                        " :smoke, :co, false)"
                    ),
                    {
                        "uprn": uprn,
                        "at": datetime.now(UTC),
                        "storeys": storeys,
                        "smoke": smoke,
                        "co": co,
                    },
                )
                for kind, location in appliances:
                    await connection.execute(
                        text(
                            "INSERT INTO appliance (id, uprn, appliance_type, location,"
                            " landlord_owned) VALUES (:id, :uprn, :kind, :location, true)"
                        ),
                        {"id": uuid.uuid4(), "uprn": uprn, "kind": kind, "location": location},
                    )
        await upgrade(MIGRATIONS_DIR, url)
        async with engine.connect() as connection:
            found = dict(
                (await connection.execute(text("SELECT uprn, alarms_missing FROM home"))).all()
            )
        assert found == {uprn: home[4] for uprn, home in homes.items()}
    finally:
        await engine.dispose()
