"""GET /v1/visits: one statement for a page of visits and everything they found, shown
exactly as GET /v1/visits/{id} shows each visit."""

from __future__ import annotations

import httpx

from services.visits.tests.factories import a_uprn, a_visit
from services.visits.tests.reports.test_drafts import complete_draft, save, submit


async def test_a_home_s_visits_are_listed_with_every_kind_of_finding_as_each_is_shown_alone(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    reported = (await visits.post("/v1/visits", json=a_visit(uprn))).json()
    assert (await save(visits, reported["id"], complete_draft())).status_code == 200
    assert (await submit(visits, reported["id"], "k-" + reported["id"])).status_code == 201
    booked = (
        await visits.post("/v1/visits", json=a_visit(uprn, scheduled_for="2026-12-02T10:00:00Z"))
    ).json()
    await visits.post("/v1/visits", json=a_visit(a_uprn()))

    listed = (await visits.get("/v1/visits", params={"uprn": uprn})).json()

    alone = [(await visits.get(f"/v1/visits/{v}")).json() for v in (booked["id"], reported["id"])]
    assert listed == {"items": alone, "next_cursor": None}
    visit = alone[1]
    assert [r["room"] for r in visit["rooms"]] == ["bathroom", "kitchen"]
    assert visit["rooms"][1]["photos"] == ["ph-1"]
    assert [r["severity"] for r in visit["repairs_found"]] == ["serious", "minor"]
    assert [len(visit[part]) for part in ("hazards_found", "tenancy_concerns")] == [1, 1]
    assert [len(visit[part]) for part in ("communal_issues", "customer_actions")] == [1, 1]
    assert alone[0]["rooms"] == alone[0]["repairs_found"] == alone[0]["customer_actions"] == []


async def test_a_page_counts_visits_not_findings(visits: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    ids = []
    for day in ("01", "02", "03"):
        visit = (
            await visits.post(
                "/v1/visits", json=a_visit(uprn, scheduled_for=f"2026-12-{day}T10:00:00Z")
            )
        ).json()
        assert (await save(visits, visit["id"], complete_draft())).status_code == 200
        assert (await submit(visits, visit["id"], "k-" + visit["id"])).status_code == 201
        ids.append(visit["id"])

    first = (await visits.get("/v1/visits", params={"uprn": uprn, "limit": 2})).json()
    second = (
        await visits.get(
            "/v1/visits", params={"uprn": uprn, "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()

    assert [v["id"] for v in first["items"]] == ids[:0:-1]
    assert [v["id"] for v in second["items"]] == ids[:1]
    assert second["next_cursor"] is None
    assert all(len(v["repairs_found"]) == 2 for v in first["items"] + second["items"])
