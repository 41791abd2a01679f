"""A leasehold or shared ownership home is not in the visit programme (ADR 0115): the
annual home visit is the landlord's visit to its tenants. Visits keeps the tenure
compliance's property events carry; such a home is never ranked, never counted beyond
its interval (the alert's count), nor in the figures, and a home sold under the right to
buy leaves the ranking when compliance says so. A visit can still be booked there on
request. Tests on PostgreSQL, events through the service's handlers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from services.visits.tests.factories import a_completed_report, a_uprn, an_area
from services.visits.tests.test_handlers import handle, registered, updated
from visits.models import ProgrammeScore
from visits.programme import repository

LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
"""Registered years ago and never visited: beyond its interval (100 points)."""


async def a_registered_home(db: Database, area: str, tenure: str) -> str:
    uprn = a_uprn()
    await handle(
        db, registered(uprn, postcode=f"{area} 1AA", tenure=tenure, registered_at=LONG_AGO)
    )
    return uprn


async def stored_score(db: Database, uprn: str) -> ProgrammeScore | None:
    async with db.sessionmaker() as session:
        return (
            await session.execute(select(ProgrammeScore).where(ProgrammeScore.uprn == uprn))
        ).scalar_one_or_none()


async def ranking(visits: httpx.AsyncClient, area: str) -> dict[str, Any]:
    response = await visits.get("/v1/programme/homes", params={"area": area, "limit": 10})
    assert response.status_code == 200, response.text
    programme: dict[str, Any] = response.json()
    return programme


async def test_a_leasehold_or_shared_ownership_home_is_never_ranked_nor_beyond_its_interval(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    tenanted = await a_registered_home(visits_database, area, "general_needs")
    sheltered = await a_registered_home(visits_database, area, "sheltered")
    leasehold = await a_registered_home(visits_database, area, "leasehold")
    shared = await a_registered_home(visits_database, area, "shared_ownership")
    programme = await ranking(visits, area)
    assert sorted(home["uprn"] for home in programme["items"]) == sorted([tenanted, sheltered])
    assert (programme["homes_ranked"], programme["beyond_interval"]) == (2, 2)
    for uprn in (leasehold, shared):
        assert await stored_score(visits_database, uprn) is None
        # explained on request, for a visit booked there, but said to be out of it
        home = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
        assert home["in_programme"] is False
    assert (await visits.get(f"/v1/programme/homes/{tenanted}")).json()["in_programme"] is True


async def test_the_job_does_not_take_a_leased_home_for_one_never_scored(
    visits_database: Database,
) -> None:
    """A leased home keeps no score: the re-scoring job's "never scored" must not find it
    again every round (the job runs until a round finds nothing)."""
    leasehold = await a_registered_home(visits_database, an_area(), "leasehold")
    async with visits_database.sessionmaker() as session:
        never = await repository.never_scored(session, limit=100_000)
    assert leasehold not in never


async def test_a_home_sold_under_the_right_to_buy_leaves_the_ranking_and_one_bought_back_joins(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    uprn = await a_registered_home(visits_database, area, "general_needs")
    assert [home["uprn"] for home in (await ranking(visits, area))["items"]] == [uprn]
    sold = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    await handle(
        visits_database, updated(uprn, "gas", sold, postcode=f"{area} 1AA", tenure="leasehold")
    )
    programme = await ranking(visits, area)
    assert (programme["items"], programme["homes_ranked"], programme["beyond_interval"]) == (
        [],
        0,
        0,
    )
    assert await stored_score(visits_database, uprn) is None
    bought_back = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    await handle(
        visits_database,
        updated(uprn, "gas", bought_back, postcode=f"{area} 1AA", tenure="general_needs"),
    )
    assert [home["uprn"] for home in (await ranking(visits, area))["items"]] == [uprn]


async def test_a_visit_on_request_at_a_leasehold_home_is_booked_but_not_in_the_figures(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    tenanted = await a_registered_home(visits_database, area, "general_needs")
    leasehold = await a_registered_home(visits_database, area, "leasehold")
    for uprn in (tenanted, leasehold):
        booked = await visits.post(
            "/v1/visits",
            json={"uprn": uprn, "kind": "full", "scheduled_for": "2025-02-03T10:00:00Z"},
        )
        assert booked.status_code == 201, booked.text
        reported = await visits.post(
            f"/v1/visits/{booked.json()['id']}/report",
            json=a_completed_report("2025-02-03T10:30:00Z"),
        )
        assert reported.status_code == 201, reported.text
    # the report re-scored the leasehold home: still out of the ranking
    assert await stored_score(visits_database, leasehold) is None
    response = await visits.get(
        "/v1/visits/figures", params={"from": "2025-02-01", "to": "2025-02-28"}
    )
    assert response.status_code == 200, response.text
    measures = {m["code"]: m for m in response.json()["breakdowns"][f"area:{area}"]}
    assert (
        measures["visits.homes_visited"]["numerator"],
        measures["visits.homes_visited"]["denominator"],
    ) == (1, 1)
    assert measures["visits.completed"]["value"] == 1
