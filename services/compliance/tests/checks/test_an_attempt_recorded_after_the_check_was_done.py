"""An access attempt made before a check was done, recorded after its record arrived, is
that check's (ADR 0160). Before, the completed check answered 409 and the next cycle
refused it as made before it began (422): every attempt is recorded (DOMAIN.md), yet the
engineer's first, failed visit could be recorded nowhere, the check was counted as
done at the first attempt in compliance.first_time_access, and the household got no
no-access history. Now it is kept against the completed check, counted, noted and
published (access-failed) as any failure; no ladder starts, the check being done. One
made after the check was done is the next cycle's (409 naming attempted_at), as is any
at a check withdrawn."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from services.compliance.tests.checks.test_a_correction_names_the_certificate_it_corrects import (
    problem_field,
)
from services.compliance.tests.checks.test_attempt_before_cycle import attempt, open_check
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today


async def first_time_access(compliance: httpx.AsyncClient, day: date) -> tuple[int, int]:
    response = await compliance.get(
        "/v1/compliance/figures", params={"from": day.isoformat(), "to": day.isoformat()}
    )
    assert response.status_code == 200, response.text
    [measure] = [
        m for m in response.json()["measures"] if m["code"] == "compliance.first_time_access"
    ]
    return measure["numerator"], measure["denominator"]


async def a_check(compliance: httpx.AsyncClient, check_id: str) -> dict[str, Any]:
    response = await compliance.get(f"/v1/compliance/checks/{check_id}")
    assert response.status_code == 200, response.text
    check: dict[str, Any] = response.json()
    return check


async def test_a_failure_before_the_check_was_done_is_recorded_against_it(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    today = london_today()
    done_on = today - timedelta(days=3)
    uprn = await a_gas_home(compliance, today + timedelta(days=30))
    gas = await open_check(compliance, uprn, "gas_safety")
    before = await first_time_access(compliance, done_on)
    record = a_record(uprn, done_on, checked_at=f"{done_on}T12:00:00+00:00")
    assert (await compliance.post("/v1/gas-safety-records", json=record)).status_code == 201
    following = await open_check(compliance, uprn, "gas_safety")
    assert (
        following["due_from"]
        == (date.fromisoformat(following["due_by"]) - timedelta(days=60)).isoformat()
    )

    # the engineer found no one in the day before, typed in after the record
    late = await compliance.post(
        f"/v1/compliance/checks/{gas['id']}/access-attempts",
        json=attempt(f"{done_on - timedelta(days=1)}T09:00:00+00:00"),
    )

    assert late.status_code == 201, late.text
    assert late.json()["check_id"] == gas["id"]
    done = await a_check(compliance, gas["id"])
    assert (done["access_attempts"], done["no_access_attempts"]) == (1, 1)
    # the check is done: no ladder
    assert (done["no_access_step"], done["next_no_access_step_on"]) == (0, None)
    assert [a["attempt_id"] for a in await published("access-failed", uprn)] == [late.json()["id"]]
    # not done at the first attempt
    after = await first_time_access(compliance, done_on)
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)
    # the household did not give access: its next check starts at the longer lead
    moved = await open_check(compliance, uprn, "gas_safety")
    assert moved["id"] == following["id"]
    assert (
        moved["due_from"] == (date.fromisoformat(moved["due_by"]) - timedelta(days=90)).isoformat()
    )


async def test_an_attempt_after_the_check_was_done_or_at_one_withdrawn_is_refused(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    today = london_today()
    done_on = today - timedelta(days=3)
    uprn = await a_gas_home(compliance, today + timedelta(days=30))
    gas = await open_check(compliance, uprn, "gas_safety")
    record = a_record(uprn, done_on, checked_at=f"{done_on}T12:00:00+00:00")
    assert (await compliance.post("/v1/gas-safety-records", json=record)).status_code == 201

    after = await compliance.post(
        f"/v1/compliance/checks/{gas['id']}/access-attempts",
        json=attempt(f"{done_on}T12:00:01+00:00"),
    )

    assert (after.status_code, problem_field(after)) == (409, "attempted_at")
    assert (await a_check(compliance, gas["id"]))["access_attempts"] == 0
    assert await published("access-failed", uprn) == []

    # a capped supply withdraws the open check: nobody did it
    following = await open_check(compliance, uprn, "gas_safety")
    home = await compliance.get(f"/v1/homes/{uprn}")
    capped = await compliance.patch(
        f"/v1/homes/{uprn}",
        json={"gas_supply": "capped", "heating_fuel": "electric"},
        headers={"If-Match": home.headers["etag"]},
    )
    assert capped.status_code == 200, capped.text
    assert (await a_check(compliance, following["id"]))["status"] == "withdrawn"
    withdrawn = await compliance.post(
        f"/v1/compliance/checks/{following['id']}/access-attempts",
        json=attempt(f"{today}T00:00:00+00:00"),
    )
    assert withdrawn.status_code == 409, withdrawn.text


async def test_a_check_done_before_the_latest_takes_the_attempts_of_its_own_cycle(
    compliance: httpx.AsyncClient,
) -> None:
    """Its cycle began when the check before it was done, not the checks done since."""
    today = london_today()
    first_day, second_day = today - timedelta(days=20), today - timedelta(days=10)
    uprn = await a_gas_home(compliance, today + timedelta(days=30))
    first = await open_check(compliance, uprn, "gas_safety")
    record = a_record(uprn, first_day, checked_at=f"{first_day}T12:00:00+00:00")
    assert (await compliance.post("/v1/gas-safety-records", json=record)).status_code == 201
    second = await open_check(compliance, uprn, "gas_safety")
    record = a_record(uprn, second_day, checked_at=f"{second_day}T12:00:00+00:00")
    assert (await compliance.post("/v1/gas-safety-records", json=record)).status_code == 201

    at_first = await compliance.post(
        f"/v1/compliance/checks/{first['id']}/access-attempts",
        json=attempt(f"{first_day - timedelta(days=1)}T12:00:00+00:00"),
    )
    before_second_began = await compliance.post(
        f"/v1/compliance/checks/{second['id']}/access-attempts",
        json=attempt(f"{first_day}T11:00:00+00:00"),
    )

    assert at_first.status_code == 201, at_first.text
    assert (before_second_began.status_code, problem_field(before_second_began)) == (
        422,
        "attempted_at",
    )
