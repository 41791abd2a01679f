"""The figures of a period count each home, and each visit, by the tenure in force then
(ADR 0130), not today's (ADR 0115 kept only today's). A home sold under the right to buy
in July 2025 was in the programme for half of 2025: it is among 2025's homes in the
programme and its March visit counts, while its September visit on request does not,
and it is not among the homes of a period wholly after the sale. A home leasehold until
bought back in 2026 is in none of 2025's measures. Before, both homes were judged by
today's tenure all through 2025. Tests on PostgreSQL, events through the service's
handlers (the sale delivered before the registration: the history does not depend on
the order)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_completed_report, a_uprn, an_area
from services.visits.tests.test_handlers import handle, registered, updated

REGISTERED = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
SOLD = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
BOUGHT_BACK = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


async def visited(visits: httpx.AsyncClient, uprn: str, at: str, **report: object) -> None:
    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": at}
    )
    assert booked.status_code == 201, booked.text
    reported = await visits.post(
        f"/v1/visits/{booked.json()['id']}/report",
        json=a_completed_report(at, **report),
    )
    assert reported.status_code == 201, reported.text


async def area_measures(
    visits: httpx.AsyncClient, area: str, first: str, last: str
) -> dict[str, dict[str, Any]]:
    response = await visits.get("/v1/visits/figures", params={"from": first, "to": last})
    assert response.status_code == 200, response.text
    return {m["code"]: m for m in response.json()["breakdowns"].get(f"area:{area}", [])}


def ratio(measure: dict[str, Any]) -> tuple[int, int]:
    return measure["numerator"], measure["denominator"]


async def test_a_home_whose_tenure_changed_mid_year_is_counted_by_its_tenure_then(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    postcode = f"{area} 1AA"
    sold, tenanted, bought_back = a_uprn(), a_uprn(), a_uprn()
    await handle(visits_database, updated(sold, "gas", SOLD, postcode=postcode, tenure="leasehold"))
    await handle(visits_database, registered(sold, postcode=postcode, registered_at=REGISTERED))
    await handle(visits_database, registered(tenanted, postcode=postcode, registered_at=REGISTERED))
    await handle(
        visits_database,
        registered(bought_back, postcode=postcode, tenure="leasehold", registered_at=REGISTERED),
    )
    await handle(
        visits_database,
        updated(bought_back, "gas", BOUGHT_BACK, postcode=postcode, tenure="general_needs"),
    )
    repair = {"description": "Loose handrail", "location": "Stairs", "trade": "carpentry"}
    await visited(visits, sold, "2025-03-03T10:00:00+00:00")
    await visited(visits, bought_back, "2025-05-05T10:00:00+00:00", repairs_found=[repair])
    await visited(visits, sold, "2025-09-01T10:00:00+00:00", repairs_found=[repair])
    await visited(visits, tenanted, "2025-10-06T10:00:00+00:00")
    await visited(visits, tenanted, "2026-03-02T10:00:00+00:00")

    # 2025: the sold home was in the programme until July (its March visit counts, its
    # September one on request does not); the bought-back one, leasehold all year, was not
    year = await area_measures(visits, area, "2025-01-01", "2025-12-31")
    assert ratio(year["visits.homes_visited"]) == (2, 2)
    assert year["visits.completed"]["value"] == 2
    assert ratio(year["visits.repairs_per_first_visit"]) == (0, 2)
    first_half = await area_measures(visits, area, "2025-01-01", "2025-06-30")
    assert ratio(first_half["visits.homes_visited"]) == (1, 2)  # the sold and tenanted
    assert ratio(first_half["visits.repairs_per_first_visit"]) == (0, 1)  # the sold's March
    # wholly after the sale and before the buy-back: the tenanted home alone
    between = await area_measures(visits, area, "2025-08-01", "2026-01-31")
    assert ratio(between["visits.homes_visited"]) == (1, 1)
    assert between["visits.completed"]["value"] == 1
    # since the buy-back: the tenanted and bought-back homes, as today
    spring = await area_measures(visits, area, "2026-03-01", "2026-03-31")
    assert ratio(spring["visits.homes_visited"]) == (1, 2)
