"""BS01 as at a past day does not count as missing from the programme a home whose gas
check the programme withdrew before that day (its supply capped) and whose register
changed after it (uncapped since, ADR 0223). The register keeps no history of a home's
supply, so by today's register alone the home needed a check that day, and BS01 counted
it in its homes needing one and not in date, though it was capped then and the
programme had rightly held no check. A home whose register has not changed since the day
is still counted as ADR 0188 decided (test_bs01_missing_from_programme.py). Deltas of
the figures, so other tests' homes do not matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col

from compliance.models import Check, Home
from hearth_kit.db import Database
from services.compliance.tests.checks.test_figures_as_at import measures_as_at
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import london_today

LONG_AGO = datetime.now(UTC) - timedelta(days=400)
CAPPED_AGO = datetime.now(UTC) - timedelta(days=100)


async def test_a_home_capped_then_and_uncapped_since_is_not_missing_on_that_day(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    day = london_today() - timedelta(days=10)
    before = (await measures_as_at(compliance, day))["BS01"]
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    capped = await compliance.patch(
        f"/v1/homes/{uprn}", json={"gas_supply": "capped"}, headers={"If-Match": '"1"'}
    )
    assert capped.status_code == 200, capped.text
    # registered 400 days ago, its gas check withdrawn 100 days ago when it was capped
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Home).where(col(Home.uprn) == uprn).values(registered_at=LONG_AGO)
        )
        await session.execute(
            update(Check)
            .where(col(Check.uprn) == uprn)
            .values(created_at=LONG_AGO, completed_at=CAPPED_AGO)
        )
    uncapped = await compliance.patch(
        f"/v1/homes/{uprn}", json={"gas_supply": "live"}, headers={"If-Match": '"2"'}
    )
    assert uncapped.status_code == 200, uncapped.text
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    # the withdrawn check, and the one opened today on uncapping
    gas = [c for c in home["checks"] if c["check_type"] == "gas_safety"]
    assert sorted(c["status"] for c in gas) == ["overdue", "withdrawn"]

    # capped on `day`: not a home needing a gas check then, by the programme's own word
    assert (await measures_as_at(compliance, day))["BS01"] == before


async def test_a_home_registered_capped_and_uncapped_since_is_not_missing_on_that_day(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    # A void registered with its supply capped (the programme opens no gas check for it)
    # and let, uncapped, since: the programme's word that day is that it needed none, as
    # for a home it had held a check for and withdrew (it opens one the moment the
    # register needs one). By today's register alone it was missing then.
    day = london_today() - timedelta(days=10)
    before = (await measures_as_at(compliance, day))["BS01"]
    uprn = await a_gas_home(compliance, None, gas_supply="capped")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Home).where(col(Home.uprn) == uprn).values(registered_at=LONG_AGO)
        )
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert [c for c in home["checks"] if c["check_type"] == "gas_safety"] == []
    uncapped = await compliance.patch(
        f"/v1/homes/{uprn}", json={"gas_supply": "live"}, headers={"If-Match": '"1"'}
    )
    assert uncapped.status_code == 200, uncapped.text

    assert (await measures_as_at(compliance, day))["BS01"] == before
