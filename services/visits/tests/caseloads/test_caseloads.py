"""Officers' caseloads (the York pilot): placed by tenancy events, referred to the
sustainable tenancy caseload from a visit with a review date, and handed back."""

from __future__ import annotations

import uuid
from datetime import date

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, submit
from services.visits.tests.test_handlers import handle, registered, started


async def caseload_of(visits: httpx.AsyncClient, officer: str) -> dict[str, dict[str, object]]:
    response = await visits.get(f"/v1/caseloads/{officer}", params={"limit": 200})
    assert response.status_code == 200, response.text
    return {entry["tenancy_id"]: entry for entry in response.json()["items"]}


async def test_a_complex_case_is_referred_with_a_review_date_and_handed_back(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    assert str(tenancy_id) in await caseload_of(visits, "officer-e8")
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-11-01T10:00:00+00:00"}
        )
    ).json()
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(
        piece(
            "tenancy_concern",
            "c1",
            1,
            {
                "concern": "hoarding",
                "refer_to_sustainable_tenancy": True,
                "review_on": "2027-02-01",
            },
        )
    )
    await save(visits, visit["id"], draft)
    assert (await submit(visits, visit["id"], "k-" + visit["id"])).status_code == 201
    referred = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert (referred["caseload"], referred["review_on"], referred["returns_to"]) == (
        "sustainable_tenancy",
        "2027-02-01",
        "community",
    )
    assert str(tenancy_id) not in await caseload_of(visits, "officer-e8")
    back = await visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back")
    assert back.status_code == 200, back.text
    assert (back.json()["caseload"], back.json()["officer"]) == ("community", "officer-e8")
    assert (await visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back")).status_code == 409


async def test_a_referral_without_a_review_date_is_refused_naming_the_field(
    visits: httpx.AsyncClient,
) -> None:
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": a_uprn(), "scheduled_for": "2026-11-01T10:00:00+00:00"}
        )
    ).json()
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(
        piece(
            "tenancy_concern",
            "c1",
            1,
            {"concern": "hoarding", "refer_to_sustainable_tenancy": True},
        )
    )
    await save(visits, visit["id"], draft)
    response = await submit(visits, visit["id"], "k-" + visit["id"])
    assert response.status_code == 422
    assert response.json()["field"] == "draft.tenancy_concern.review_on"
