"""A corrected EICR, done the day of the one it corrects, replaces it on the cycle it
completed, as a gas safety record the same day does (ADR 0139): check-completed again
under that cycle's id (what a gas re-test publishes), one check done in the figures,
the next cycle dated from the corrected report, the household owed a copy of each.
Before, sent to the next cycle's open check (the first being completed), it completed
that one: a second check counted as done first time, check-completed for it, and a
third cycle opened from it. A genuine next EICR, a later day, completes the next cycle
as ever."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months
from hearth_contracts.events.compliance import retest_copy_id
from services.compliance.tests.checks.test_first_time_access import first_time_access
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import london_today

C2 = {
    "classification": "potentially_dangerous",
    "location": "consumer unit",
    "description": "No RCD protection on the socket circuits",
}


async def eicr_cycles(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return [c for c in body["checks"] if c["check_type"] == "electrical"]


async def open_eicr(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    [open_cycle] = [c for c in await eicr_cycles(compliance, uprn) if c["completed_at"] is None]
    return open_cycle


async def certify(
    compliance: httpx.AsyncClient, check_id: str, done_on: date, reference: str, **fields: object
) -> httpx.Response:
    return await compliance.post(
        f"/v1/compliance/checks/{check_id}/certificates",
        json={
            "done_on": done_on.isoformat(),
            "certificate_reference": reference,
            "outcome": "satisfactory",
            **fields,
        },
    )


async def certified_once(
    compliance: httpx.AsyncClient, uprn: str, done_on: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The home's open EICR cycle certified satisfactory on `done_on` (reference
    A-<uprn>): that cycle, and the next one it opened."""
    first_cycle = await open_eicr(compliance, uprn)
    assert (await certify(compliance, first_cycle["id"], done_on, f"A-{uprn}")).status_code == 201
    return first_cycle, await open_eicr(compliance, uprn)


async def eicr_completed(published: Published, uprn: str) -> list[dict[str, Any]]:
    return [c for c in await published("check-completed", uprn) if c["check_type"] == "electrical"]


async def test_a_correction_sent_to_the_next_cycle_replaces_the_first_on_its_cycle(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    before = await first_time_access(compliance)
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()  # one day for both
    first_cycle = await open_eicr(compliance, uprn)
    first = await certify(
        compliance,
        first_cycle["id"],
        today,
        f"EICR-A-{uprn}",
        outcome="unsatisfactory",
        defects=[C2],
    )
    assert first.status_code == 201, first.text
    following = await open_eicr(compliance, uprn)

    # the engineer's report went out with the wrong assessment: corrected the same day,
    # sent to the check the contractor now sees open
    corrected = await certify(compliance, following["id"], today, f"EICR-B-{uprn}")

    assert corrected.status_code == 201, corrected.text
    record = corrected.json()
    assert record["check_id"] == first_cycle["id"]
    assert corrected.headers["location"].endswith(f"/checks/{first_cycle['id']}")
    assert record["expires_on"] == first.json()["expires_on"]
    # the cycles are the two the first record left: the first names the correction,
    # the next is the same check, still open, with the same dates
    cycles = await eicr_cycles(compliance, uprn)
    assert len(cycles) == 2
    done = next(c for c in cycles if c["id"] == first_cycle["id"])
    assert done["record_id"] == record["id"]
    still_open = await open_eicr(compliance, uprn)
    assert (still_open["id"], still_open["due_by"]) == (following["id"], following["due_by"])
    assert still_open["last_certificate_reference"] == f"EICR-B-{uprn}"
    # what a gas re-test publishes: check-completed again under the first cycle's id
    completed = await eicr_completed(published, uprn)
    assert [(c["check_id"], c["outcome"], c["certificate_reference"]) for c in completed] == [
        (first_cycle["id"], "unsatisfactory", f"EICR-A-{uprn}"),
        (first_cycle["id"], "satisfactory", f"EICR-B-{uprn}"),
    ]
    assert {c["next_due_by"] for c in completed} == {following["due_by"]}
    # one check done, the first time
    after = await first_time_access(compliance)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    # the household is owed a copy of each record: the correction's under the id
    # engagement sends it by
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    copies = {c["id"]: c["record_id"] for c in home["tenant_copies"]}
    assert copies == {
        first_cycle["id"]: first.json()["id"],
        str(retest_copy_id(uuid.UUID(first_cycle["id"]), f"EICR-B-{uprn}")): record["id"],
    }


async def test_a_correction_sent_to_the_completed_cycle_is_taken_the_same_way(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    first_cycle, following = await certified_once(compliance, uprn, today)

    corrected = await certify(compliance, first_cycle["id"], today, f"B-{uprn}")

    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["check_id"] == first_cycle["id"]
    assert [c["id"] for c in await eicr_cycles(compliance, uprn)].count(following["id"]) == 1
    assert len(await eicr_cycles(compliance, uprn)) == 2
    assert {c["check_id"] for c in await eicr_completed(published, uprn)} == {first_cycle["id"]}


async def test_the_next_cycle_is_dated_from_the_corrected_report(
    compliance: httpx.AsyncClient,
) -> None:
    """The correction says re-inspect in 3 years, not 5: the next cycle is due then."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    _, following = await certified_once(compliance, uprn, today)
    assert following["due_by"] == add_months(today, 60).isoformat()
    in_three_years = add_months(today, 36)

    corrected = await certify(
        compliance, following["id"], today, f"B-{uprn}", next_check_by=in_three_years.isoformat()
    )

    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["expires_on"] == in_three_years.isoformat()
    moved = await open_eicr(compliance, uprn)
    assert moved["id"] == following["id"]
    assert moved["due_by"] == moved["certificate_expires_on"] == in_three_years.isoformat()
    assert moved["due_from"] < moved["due_by"]


async def test_a_later_eicr_still_completes_the_next_cycle(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    before = await first_time_access(compliance)
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    earlier = today - timedelta(days=10)
    first_cycle, second_cycle = await certified_once(compliance, uprn, earlier)

    later = await certify(compliance, second_cycle["id"], today, f"B-{uprn}")

    assert later.status_code == 201, later.text
    assert later.json()["check_id"] == second_cycle["id"]
    cycles = await eicr_cycles(compliance, uprn)
    assert len(cycles) == 3
    third = await open_eicr(compliance, uprn)
    assert third["due_by"] == add_months(today, 60).isoformat()
    assert [c["check_id"] for c in await eicr_completed(published, uprn)] == [
        first_cycle["id"],
        second_cycle["id"],
    ]
    # today's figures count the check done today (the first was done 10 days ago)
    after = await first_time_access(compliance)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    # the first cycle, no longer the latest, is not corrected by a certificate of its day
    again = await certify(compliance, first_cycle["id"], earlier, f"C-{uprn}")
    assert again.status_code == 409, again.text
