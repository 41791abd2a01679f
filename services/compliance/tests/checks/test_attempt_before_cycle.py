"""An access attempt belongs to the check cycle it is recorded against only if it was
made once that cycle began: when the check before it was done (its record's
`checked_at`, else the start of its London day, ADR 0039), never when that record was
typed in. One dated earlier was an attempt at the cycle before (completed since), and
recorded against the new cycle it would start that cycle's no-access ladder from an
old day: refused, 422 naming attempted_at, nothing changed or published. A first cycle
has no check before it in Hearth: an attempt made before the home was registered is
still its own. Fixed days of a past summer (`a_past_year`: the register refuses a check
or an expiry older than its history, ADR 0070, and a check in the future), typed in
since."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from services.compliance.tests.checks.test_contractor_api import a_contractor, assign
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import a_record
from tests.harness.days import a_past_year


def attempt(attempted_at: str, outcome: str = "no_access") -> dict[str, Any]:
    return {"attempted_at": attempted_at, "attempted_by": "ENG-7", "outcome": outcome}


async def open_check(compliance: httpx.AsyncClient, uprn: str, check_type: str) -> dict[str, Any]:
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    return next(c for c in checks if c["check_type"] == check_type and not c["completed_at"])


def untouched(check: dict[str, Any]) -> bool:
    return (
        check["access_attempts"] == 0
        and check["no_access_attempts"] == 0
        and check["no_access_step"] == 0
        and check["next_no_access_step_on"] is None
    )


async def test_an_attempt_before_the_check_that_began_the_cycle_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """The gas check done at 10:00 London time on 10 June (09:00 UTC, summer time) began
    the cycle now open: a no-access attempt at 09:59:59 that morning, or the day before,
    was at the cycle it completed."""
    year = a_past_year(7, 1)
    uprn = await a_gas_home(compliance, date(year, 7, 1))
    record = a_record(uprn, date(year, 6, 10), checked_at=f"{year}-06-10T09:00:00Z")
    assert (await compliance.post("/v1/gas-safety-records", json=record)).status_code == 201
    check = await open_check(compliance, uprn, "gas_safety")
    attempts = f"/v1/compliance/checks/{check['id']}/access-attempts"

    for before in (f"{year}-06-10T08:59:59Z", f"{year}-06-09T12:00:00Z"):
        refused = await compliance.post(attempts, json=attempt(before))
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["attempted_at"]
    assert untouched(await open_check(compliance, uprn, "gas_safety"))
    assert await published("access-failed", uprn) == []

    at_the_check = await compliance.post(attempts, json=attempt(f"{year}-06-10T09:00:00Z"))
    assert at_the_check.status_code == 201, at_the_check.text
    after = await open_check(compliance, uprn, "gas_safety")
    assert after["no_access_attempts"] == 1
    assert after["next_no_access_step_on"] == f"{year}-06-10"


async def test_a_contractors_attempt_before_the_day_of_an_untimed_certificate_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """An EICR done on 20 May with no time began its next cycle at the start of that
    London day (23:00 UTC on the 19th, summer time): the contractor's attempt a second
    before is refused, one at midnight London time is kept."""
    year = a_past_year(5, 20)
    gasco, gasco_token = a_contractor()
    uprn = await a_gas_home(compliance, None)
    await assign(compliance, await open_check(compliance, uprn, "electrical"), gasco)
    electrical = await open_check(compliance, uprn, "electrical")
    certificate = await compliance.post(
        f"/v1/contractor/compliance/checks/{electrical['id']}/certificates",
        json={
            "done_on": f"{year}-05-20",
            "certificate_reference": f"EICR-{uprn}",
            "outcome": "satisfactory",
        },
        auth=gasco_token,
    )
    assert certificate.status_code == 201, certificate.text
    following = await open_check(compliance, uprn, "electrical")
    assert following["contractor_id"] == gasco
    attempts = f"/v1/contractor/compliance/checks/{following['id']}/access-attempts"

    refused = await compliance.post(
        attempts, json=attempt(f"{year}-05-19T22:59:59Z"), auth=gasco_token
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["attempted_at"]
    assert untouched(await open_check(compliance, uprn, "electrical"))
    assert await published("access-failed", uprn) == []

    kept = await compliance.post(
        attempts, json=attempt(f"{year}-05-19T23:00:00Z"), auth=gasco_token
    )
    assert kept.status_code == 201, kept.text


async def test_a_first_cycle_keeps_an_attempt_made_before_the_home_was_registered(
    compliance: httpx.AsyncClient,
) -> None:
    """No check before it in Hearth: the day the check was opened is when the home was
    typed into the register, not when its gas check became needed."""
    year = a_past_year(7, 1)
    uprn = await a_gas_home(compliance, date(year, 7, 1))
    check = await open_check(compliance, uprn, "gas_safety")
    made = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json=attempt(f"{year}-06-02T09:00:00Z"),
    )
    assert made.status_code == 201, made.text
