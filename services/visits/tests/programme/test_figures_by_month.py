"""Each month of the figures' breakdown counts its visits against the homes in the
programme in that month (ADR 0142), by ADR 0130's rule for a period: a home counts if
it was in the programme at any moment of the month. A home sold under the right to buy
on 1 July 2025 is among July's homes (it was tenanted until that morning) and not
October's; one leasehold until bought back in February 2026 is among March 2026's and
not October's. Before, every month counted against the whole period's homes, so October
showed the tenanted home's visit as one of two homes visited. On PostgreSQL, events
through the service's handlers; its own module, so its own database (a month's homes
are every area's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, an_area
from services.visits.tests.programme.test_figures_count_the_tenure_of_their_period import (
    ratio,
    visited,
)
from services.visits.tests.test_handlers import handle, registered, updated

REGISTERED = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
SOLD = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
BOUGHT_BACK = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


async def by_month(
    visits: httpx.AsyncClient, first: str, last: str
) -> dict[str, dict[str, dict[str, Any]]]:
    response = await visits.get("/v1/visits/figures", params={"from": first, "to": last})
    assert response.status_code == 200, response.text
    return {
        key.removeprefix("month:"): {m["code"]: m for m in group}
        for key, group in response.json()["breakdowns"].items()
        if key.startswith("month:")
    }


async def test_each_month_counts_against_the_homes_in_the_programme_that_month(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    postcode = f"{an_area()} 1AA"
    sold, tenanted, bought_back = a_uprn(), a_uprn(), a_uprn()
    await handle(visits_database, registered(sold, postcode=postcode, registered_at=REGISTERED))
    await handle(visits_database, updated(sold, "gas", SOLD, postcode=postcode, tenure="leasehold"))
    await handle(visits_database, registered(tenanted, postcode=postcode, registered_at=REGISTERED))
    await handle(
        visits_database,
        registered(bought_back, postcode=postcode, tenure="leasehold", registered_at=REGISTERED),
    )
    await handle(
        visits_database,
        updated(bought_back, "gas", BOUGHT_BACK, postcode=postcode, tenure="general_needs"),
    )
    await visited(visits, sold, "2025-03-03T10:00:00+00:00")
    await visited(visits, tenanted, "2025-03-04T10:00:00+00:00")
    await visited(visits, tenanted, "2025-07-14T10:00:00+00:00")
    await visited(visits, tenanted, "2025-10-06T10:00:00+00:00")
    await visited(visits, bought_back, "2026-03-02T10:00:00+00:00")

    year = await by_month(visits, "2025-01-01", "2025-12-31")
    assert sorted(year) == ["2025-03", "2025-07", "2025-10"]
    assert ratio(year["2025-03"]["visits.homes_visited"]) == (2, 2)
    # sold on the morning of 1 July: in the programme at a moment of July
    assert ratio(year["2025-07"]["visits.homes_visited"]) == (1, 2)
    # sold before October began: the tenanted home alone (it was 1 of the year's 2)
    assert ratio(year["2025-10"]["visits.homes_visited"]) == (1, 1)
    # October to March: the bought-back home counts from February, not in October
    winter = await by_month(visits, "2025-10-01", "2026-03-31")
    assert ratio(winter["2025-10"]["visits.homes_visited"]) == (1, 1)
    assert ratio(winter["2026-03"]["visits.homes_visited"]) == (1, 2)
    # a period from the middle of July: July's part of it, after the sale
    late_july = await by_month(visits, "2025-07-10", "2025-07-31")
    assert ratio(late_july["2025-07"]["visits.homes_visited"]) == (1, 1)
