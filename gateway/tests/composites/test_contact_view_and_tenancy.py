"""The resident contact view and the tenancy overview: concurrent, partial with
`degraded` when a service is stopped, and only what the token may see."""

from __future__ import annotations

import time

import httpx
from gateway_stand_ins import (
    HOMELESS_RESIDENT,
    KNOWN_RESIDENT,
    KNOWN_TENANCY,
    KNOWN_UPRN,
    MERGED_RESIDENT,
    SLOW_SECONDS,
    TIMEOUT_SECONDS,
    OpenGateway,
    StandIns,
    bearer,
    bearer_with_scopes,
)

CONTACT_VIEW = f"/v1/residents/{KNOWN_RESIDENT}/contact-view"
TENANCY_OVERVIEW = f"/v1/tenancies/{KNOWN_TENANCY}/overview"


async def test_the_contact_view_shows_everything_the_contact_centre_needs(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(CONTACT_VIEW, headers=bearer("contact_centre"))
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["uprn"] == KNOWN_UPRN
    assert [r["id"] for r in view["open_repairs"]] == ["w-1"]
    assert [a["id"] for a in view["next_appointments"]] == ["ap-1"]
    assert view["gas"]["gas_status"] == "compliant"
    assert view["rent"]["balance_pence"] == 22500
    assert view["rent"]["arrears_stage"] == "reminder"
    assert view["open_complaints"][0]["next_deadline"] == {"due": "2026-12-10"}
    assert view["needs"] == {
        "language": "so",
        "preferred_channel": "text",
        "format_needs": ["large_print"],
        "accessibility_needs": [],
    }
    assert view["degraded"] == []
    assert view["withheld"] == []


async def test_the_contact_view_asks_income_once_for_the_residents_own_rent_summary(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(CONTACT_VIEW, headers=bearer("contact_centre"))
    assert response.status_code == 200, response.text
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    # The resident's own tenancy, by id: never "whoever is current at the home".
    assert [(r.method, r.path) for r in calls] == [("GET", f"/v1/tenancies/{KNOWN_TENANCY}")]
    assert "include=rent_summary" in calls[0].query
    assert response.json()["rent"]["balance_pence"] == 22500


async def test_with_income_down_the_contact_views_rent_is_empty_and_income_degraded(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(income_url=stand_ins.broken_url) as gateway:
        response = await gateway.get(CONTACT_VIEW, headers=bearer("contact_centre"))
    assert response.status_code == 200, response.text
    assert response.json()["degraded"] == ["income"]
    assert response.json()["rent"] is None


async def test_with_repairs_stopped_the_contact_view_is_partial_degraded_and_within_budget(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(repairs_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(CONTACT_VIEW, headers=bearer("contact_centre"))
    assert response.status_code == 200
    view = response.json()
    assert view["degraded"] == ["repairs"]
    assert view["open_repairs"] == view["next_appointments"] == []
    assert view["gas"]["gas_status"] == "compliant"
    assert view["rent"]["arrears_stage"] == "reminder"


async def test_a_slow_service_costs_the_contact_view_one_budget_not_its_answer_time(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(compliance_url=stand_ins.slow_url) as gateway:
        started = time.monotonic()
        response = await gateway.get(CONTACT_VIEW, headers=bearer("contact_centre"))
        elapsed = time.monotonic() - started
    # Under load a healthy stand-in may miss the short test budget too: only compliance
    # is certain to.
    assert "compliance" in response.json()["degraded"]
    assert response.json()["gas"] is None
    # Two steps (the resident, then the rest at once), each bounded by the budget.
    assert elapsed < min(SLOW_SECONDS, 2 * TIMEOUT_SECONDS + 1)


async def test_the_contact_view_withholds_and_never_asks_for_what_the_token_may_not_see(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(CONTACT_VIEW, headers=bearer_with_scopes("residents:read"))
    assert response.status_code == 200
    view = response.json()
    assert view["withheld"] == [
        "open_repairs",
        "next_appointments",
        "gas",
        "rent",
        "open_complaints",
    ]
    assert view["gas"] is None
    assert view["rent"] is None
    assert view["needs"]["language"] == "so"
    asked = {r.service for r in stand_ins.requests[before:] if r.path.startswith("/v1/")}
    assert asked == {"engagement"}


async def test_with_engagement_stopped_the_home_on_screen_still_gives_the_homes_parts(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            CONTACT_VIEW, params={"uprn": KNOWN_UPRN}, headers=bearer("contact_centre")
        )
    view = response.json()
    assert view["degraded"] == ["engagement"]
    assert view["resident"] is None
    assert view["needs"] is None
    assert view["gas"]["gas_status"] == "compliant"


async def test_the_home_on_screen_is_not_taken_for_a_resident_engagement_says_has_none(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    """`?uprn=` stands in for the resident's home only when engagement does not answer
    (docs/api.md). Taken also for a resident engagement answered at no home, the view
    showed the home on screen's current tenancy's rent, arrears stage and repairs as
    this caller's: another household's account."""
    before = len(stand_ins.received("income", "GET", "/v1/tenancies"))
    response = await gateway.get(
        f"/v1/residents/{HOMELESS_RESIDENT}/contact-view",
        params={"uprn": KNOWN_UPRN},
        headers=bearer("contact_centre"),
    )
    assert response.status_code == 200
    view = response.json()
    assert view["uprn"] is None
    assert view["rent"] is None
    assert view["gas"] is None
    assert view["open_repairs"] == []
    assert view["next_appointments"] == []
    assert view["degraded"] == []
    assert view["needs"]["language"] == "en"
    assert len(stand_ins.received("income", "GET", "/v1/tenancies")) == before


async def test_an_unknown_resident_is_a_404_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/v1/residents/0b7e2f4c-1d3a-4e5b-9c6d-7e8f9a0b1c2d/contact-view",
        headers=bearer("contact_centre"),
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_merged_residents_contact_view_names_the_resident_kept(
    gateway: httpx.AsyncClient,
) -> None:
    """Engagement tells a client holding a merged-away id which to use (ADR 0124); the
    contact view answered a plain "No resident", so the contact centre's screen holding
    the old id (a caller's history, a tenancy naming them) was left at a dead end."""
    response = await gateway.get(
        f"/v1/residents/{MERGED_RESIDENT}/contact-view", headers=bearer("contact_centre")
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://hearth.example/problems/resident-merged"
    assert problem["merged_into"] == KNOWN_RESIDENT
    assert KNOWN_RESIDENT in problem["detail"]


async def test_the_contact_view_needs_residents_read(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(CONTACT_VIEW, headers=bearer_with_scopes("repairs:read"))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["residents:read"]


async def test_the_tenancy_overview_combines_rent_residents_and_home(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(TENANCY_OVERVIEW, headers=bearer("admin"))
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["tenancy"]["uprn"] == KNOWN_UPRN
    assert overview["rent"]["arrears_pence"] == 11250
    assert [r["id"] for r in overview["residents"]] == [KNOWN_RESIDENT]
    assert overview["gas"]["gas_status"] == "compliant"
    assert [r["id"] for r in overview["open_repairs"]] == ["w-1"]
    assert [c["id"] for c in overview["open_complaints"]] == ["c-1"]
    assert overview["degraded"] == overview["withheld"] == []


async def test_the_tenancy_overview_for_an_income_officer_withholds_complaints_and_repairs(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(TENANCY_OVERVIEW, headers=bearer("income_officer"))
    overview = response.json()
    assert overview["withheld"] == ["gas", "open_repairs", "open_complaints"]
    assert overview["rent"]["arrears_stage"] == "reminder"


async def test_with_compliance_stopped_the_tenancy_overview_is_partial(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(compliance_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(TENANCY_OVERVIEW, headers=bearer("admin"))
    assert response.status_code == 200
    assert response.json()["degraded"] == ["compliance"]
    assert response.json()["rent"]["balance_pence"] == 22500


async def test_with_income_stopped_the_tenancy_overview_still_lists_its_household(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    """Engagement answers a tenancy's residents by its id, which needs nothing from
    income; they were asked for only after income answered, so with income down the
    overview was empty but for `degraded`."""
    async with open_gateway(income_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(TENANCY_OVERVIEW, headers=bearer("admin"))
    assert response.status_code == 200
    overview = response.json()
    assert overview["degraded"] == ["income"]
    assert overview["tenancy"] is None
    assert [r["id"] for r in overview["residents"]] == [KNOWN_RESIDENT]


async def test_an_unknown_tenancy_is_a_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/v1/tenancies/0b7e2f4c-1d3a-4e5b-9c6d-7e8f9a0b1c2d/overview", headers=bearer("admin")
    )
    assert response.status_code == 404


async def test_the_tenancy_overview_asks_income_once_for_the_tenancy_and_its_rent(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(TENANCY_OVERVIEW, headers=bearer("admin"))
    assert response.status_code == 200, response.text
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [(r.method, r.path) for r in calls] == [("GET", f"/v1/tenancies/{KNOWN_TENANCY}")]
    assert "include=rent_summary" in calls[0].query
    overview = response.json()
    assert overview["rent"]["balance_pence"] == 22500
    assert "rent_summary" not in overview["tenancy"]  # the rent is its own part


async def test_without_the_rent_scope_the_tenancy_is_asked_for_without_its_rent(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(TENANCY_OVERVIEW, headers=bearer_with_scopes("tenancies:read"))
    assert response.status_code == 200, response.text
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [r.path for r in calls] == [f"/v1/tenancies/{KNOWN_TENANCY}"]
    assert "include" not in calls[0].query
    assert response.json()["rent"] is None
    assert "rent" in response.json()["withheld"]
