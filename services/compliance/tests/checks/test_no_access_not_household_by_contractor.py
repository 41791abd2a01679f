"""A contractor may class a failed attempt `no_access_not_household` (ADR 0197, 0198): no
access-failed, no ladder, no no-access history, on its word alone. ADR 0222 keeps that
(no staff confirmation before it counts) and makes each contractor's use of it a
figure: `GET /v1/compliance/figures` breaks down, for each contractor whose tokens
recorded a failed attempt made in the period, those it classed not the household's out
of all its failed ones. Staff's and visits' attempts are nobody's contractor's, and an
attempt that got in is not a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.checks.test_contractor_api import a_contractor, assign, open_checks
from services.compliance.tests.checks.test_reading_access_attempts import attempts_of
from services.compliance.tests.factories import london_today
from services.compliance.tests.gas_safety_records.test_records import a_gas_home
from tests.harness.tokens import InternalTokenAuth


def an_attempt(minutes_ago: int, outcome: str, by: str = "ENG-7") -> dict[str, Any]:
    """An attempt made minutes ago: today in London, whenever the test runs."""
    at = max(datetime.now(UTC) - timedelta(minutes=minutes_ago), start_of_today())
    return {"attempted_at": at.isoformat(), "attempted_by": by, "outcome": outcome}


def start_of_today() -> datetime:
    return start_of_london_day(london_today())


async def a_check_given_to(compliance: httpx.AsyncClient, contractor: str) -> dict[str, Any]:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    check = (await open_checks(compliance, uprn))["gas_safety"]
    await assign(compliance, check, contractor)
    return check


async def test_each_contractors_not_household_share_of_its_failed_attempts(
    compliance: httpx.AsyncClient,
) -> None:
    gasco, gasco_token = a_contractor()
    boilerco, boilerco_token = a_contractor()
    gasco_check = await a_check_given_to(compliance, gasco)
    boilerco_check = await a_check_given_to(compliance, boilerco)
    contractor_route = "/v1/contractor/compliance/checks/{}/access-attempts"
    sent = [
        (gasco_check, an_attempt(5, "no_access"), gasco_token, contractor_route),
        (gasco_check, an_attempt(4, "no_access_not_household"), gasco_token, contractor_route),
        (gasco_check, an_attempt(3, "no_access_not_household"), gasco_token, contractor_route),
        (boilerco_check, an_attempt(5, "refused"), boilerco_token, contractor_route),
        (boilerco_check, an_attempt(4, "access_gained"), boilerco_token, contractor_route),
        # staff's word, at gasco's check: not the contractor's
        (
            gasco_check,
            an_attempt(2, "no_access_not_household", "OFFICER-3"),
            InternalTokenAuth("compliance", subject="staff-officer-3"),
            "/v1/compliance/checks/{}/access-attempts",
        ),
    ]
    for check, body, token, route in sent:
        response = await compliance.post(route.format(check["id"]), json=body, auth=token)
        assert response.status_code == 201, response.text
    # the staff read names whose word each was (ADR 0194, 0198): staff's is no contractor's
    read = await compliance.get(attempts_of(gasco_check["id"]))
    assert read.status_code == 200, read.text
    assert sorted((a["outcome"], a["contractor_id"] or "") for a in read.json()["items"]) == [
        ("no_access", gasco),
        ("no_access_not_household", ""),
        ("no_access_not_household", gasco),
        ("no_access_not_household", gasco),
    ]

    today = london_today().isoformat()
    response = await compliance.get("/v1/compliance/figures", params={"from": today, "to": today})
    assert response.status_code == 200, response.text
    shares = {
        m["code"]: (m["numerator"], m["denominator"])
        for m in response.json()["breakdowns"]["no_access_not_household_by_contractor"]
    }
    assert shares[f"compliance.no_access_not_household.{gasco}"] == (2, 3)
    assert shares[f"compliance.no_access_not_household.{boilerco}"] == (0, 1)

    # a period before the attempts were made counts none of them
    yesterday = (london_today() - timedelta(days=1)).isoformat()
    earlier = await compliance.get(
        "/v1/compliance/figures", params={"from": yesterday, "to": yesterday}
    )
    codes = {
        m["code"] for m in earlier.json()["breakdowns"]["no_access_not_household_by_contractor"]
    }
    assert f"compliance.no_access_not_household.{gasco}" not in codes
