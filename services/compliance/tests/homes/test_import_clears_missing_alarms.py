"""A stock import that sells a let home to its leaseholder clears its missing alarms (the
alarms are the leaseholder's now), and one that lets it again raises them, as a PATCH of
the tenure does (ADR 0109). Before, the import compared register columns, none of them
an alarm, so the rows stayed open (and counted in the sweep's view) until the home's
next PATCH."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from hearth_kit.db import Database
from services.compliance.tests.conftest import Published
from services.compliance.tests.homes.test_import import HEADER, post_file
from services.compliance.tests.homes.test_missing_alarms_counted import a_home, a_uprn


def a_row(uprn: str, tenure: str) -> str:
    return f"{uprn},12 Mare Street,,London,E8 1DY,house,{tenure},electric,none,,,,"


async def open_missing_alarms(database: Database, uprn: str) -> int:
    async with database.sessionmaker() as session:
        found = await session.execute(
            text("SELECT count(*) FROM missing_alarm WHERE uprn = :u AND cleared_at IS NULL"),
            {"u": uprn},
        )
        return int(found.scalar_one())


async def test_an_import_that_sells_a_home_clears_its_missing_alarms(
    compliance: httpx.AsyncClient, compliance_database: Database, published: Published
) -> None:
    uprn = a_uprn()
    response = await compliance.post("/v1/homes", json=a_home(uprn, storeys_with_living_space=1))
    assert response.status_code == 201, response.text
    assert await open_missing_alarms(compliance_database, uprn) == 1

    sold = await post_file(compliance, f"{HEADER}\n{a_row(uprn, 'leasehold')}\n")
    assert sold.status_code == 200, sold.text
    assert sold.json()["updated"] == 1

    assert await open_missing_alarms(compliance_database, uprn) == 0
    assert len(await published("required-alarm-missing", uprn)) == 1

    let_again = await post_file(compliance, f"{HEADER}\n{a_row(uprn, 'general_needs')}\n")
    assert let_again.status_code == 200, let_again.text
    assert await open_missing_alarms(compliance_database, uprn) == 1
    assert len(await published("required-alarm-missing", uprn)) == 2
