"""A home outlives its tenancies: after one ends and another starts at the same home,
the composites never show one household's rent, repairs, residents or complaints as the
other's.

The stand-ins hold the known home's former tenancy (ended 2026-11-01, its tenant owing
15000 pence) and the current one (started 2026-11-02), each with its own tenant and open
complaint, and a complaint naming no one received while the former tenancy ran."""

from __future__ import annotations

import httpx
from gateway_stand_ins import (
    FORMER_ACCOUNT,
    FORMER_RESIDENT,
    FORMER_TENANCY,
    KNOWN_ACCOUNT,
    KNOWN_RESIDENT,
    KNOWN_TENANCY,
    KNOWN_UPRN,
    UNPLACED_RESIDENT,
    WITHDRAWN_TENANCY,
    StandIns,
    bearer,
    bearer_with_scopes,
)

FORMER_CONTACT_VIEW = f"/v1/residents/{FORMER_RESIDENT}/contact-view"


async def test_a_former_tenants_contact_view_shows_their_own_rent_account(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(FORMER_CONTACT_VIEW, headers=bearer("contact_centre"))
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["former_tenant"] is True
    assert view["uprn"] == KNOWN_UPRN  # their last home
    assert view["rent"]["account_id"] == FORMER_ACCOUNT
    assert view["rent"]["tenancy_id"] == FORMER_TENANCY
    assert view["rent"]["former_tenant_arrears_pence"] == 15000
    assert view["rent"]["tenancy_ended"] is True
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [r.path for r in calls] == [f"/v1/tenancies/{FORMER_TENANCY}"]
    assert view["degraded"] == []


async def test_a_former_tenants_contact_view_leaves_out_the_next_households_home_parts(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(FORMER_CONTACT_VIEW, headers=bearer("contact_centre"))
    view = response.json()
    assert view["open_repairs"] == view["next_appointments"] == []
    assert view["gas"] is None
    assert view["left_out"] == ["open_repairs", "next_appointments", "gas"]
    assert view["withheld"] == []
    # Their own complaints stay theirs, wherever they live now.
    assert [c["id"] for c in view["open_complaints"]] == ["c-0"]
    asked = {(r.service, r.path) for r in stand_ins.requests[before:]}
    assert not any(service in ("repairs", "compliance") for service, _ in asked)


async def test_a_part_the_token_may_not_see_is_withheld_not_left_out(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        FORMER_CONTACT_VIEW, headers=bearer_with_scopes("residents:read income:read")
    )
    view = response.json()
    assert view["withheld"] == ["open_repairs", "next_appointments", "gas", "open_complaints"]
    assert view["left_out"] == []
    assert view["rent"]["account_id"] == FORMER_ACCOUNT


async def test_the_new_tenants_contact_view_shows_the_new_account_and_the_homes_parts(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        f"/v1/residents/{KNOWN_RESIDENT}/contact-view", headers=bearer("contact_centre")
    )
    view = response.json()
    assert view["former_tenant"] is False
    assert view["left_out"] == []
    assert view["rent"]["account_id"] == KNOWN_ACCOUNT
    assert [r["id"] for r in view["open_repairs"]] == ["w-1"]
    assert [c["id"] for c in view["open_complaints"]] == ["c-1"]


async def test_a_resident_on_no_tenancy_gets_the_homes_current_tenancys_rent(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/residents/{UNPLACED_RESIDENT}/contact-view", headers=bearer("contact_centre")
    )
    view = response.json()
    assert view["rent"]["account_id"] == KNOWN_ACCOUNT
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [r.path for r in calls] == ["/v1/tenancies"]
    assert "status=current" in calls[0].query


async def test_the_ended_tenancys_overview_shows_only_its_own_household(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/tenancies/{FORMER_TENANCY}/overview", headers=bearer("admin")
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    assert [r["id"] for r in overview["residents"]] == [FORMER_RESIDENT]
    assert [c["id"] for c in overview["open_complaints"]] == ["c-0", "c-unnamed"]
    assert overview["rent"]["account_id"] == FORMER_ACCOUNT
    assert overview["tenancy_ended"] is True
    assert overview["left_out"] == ["gas", "open_repairs"]
    assert overview["gas"] is None
    assert overview["open_repairs"] == []
    assert overview["degraded"] == overview["withheld"] == []
    asked = stand_ins.requests[before:]
    assert not any(r.service in ("repairs", "compliance") for r in asked)
    (residents_call,) = [r for r in asked if r.path == "/v1/residents"]
    assert residents_call.query == f"tenancy_id={FORMER_TENANCY}"


async def test_a_withdrawn_tenancys_overview_leaves_out_the_home_as_it_is_now(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    """A tenancy withdrawn before its first day (ADR 0111) has no end date, yet its
    household never lived in the home: the home's gas status and open repairs are the
    household's there now, left out as for an ended tenancy (docs/api.md)."""
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/tenancies/{WITHDRAWN_TENANCY}/overview", headers=bearer("admin")
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["tenancy_ended"] is True
    assert overview["left_out"] == ["gas", "open_repairs"]
    assert overview["gas"] is None
    assert overview["open_repairs"] == overview["open_complaints"] == []
    assert not any(r.service in ("repairs", "compliance") for r in stand_ins.requests[before:])


async def test_the_new_tenancys_overview_never_shows_the_former_tenants_complaint(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(f"/v1/tenancies/{KNOWN_TENANCY}/overview", headers=bearer("admin"))
    overview = response.json()
    assert [r["id"] for r in overview["residents"]] == [KNOWN_RESIDENT]
    assert [c["id"] for c in overview["open_complaints"]] == ["c-1"]
    assert "About the former household" not in response.text
    assert overview["tenancy_ended"] is False
    assert overview["left_out"] == []
    assert [r["id"] for r in overview["open_repairs"]] == ["w-1"]


async def test_without_residents_read_the_complaints_are_still_kept_to_the_tenants(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/tenancies/{KNOWN_TENANCY}/overview",
        headers=bearer_with_scopes("tenancies:read complaints:read"),
    )
    overview = response.json()
    assert "residents" in overview["withheld"]
    assert [c["id"] for c in overview["open_complaints"]] == ["c-1"]
    assert all(r.path != "/v1/residents" for r in stand_ins.requests[before:])
