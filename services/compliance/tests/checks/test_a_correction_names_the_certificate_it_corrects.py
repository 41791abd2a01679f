"""A certificate sent with `corrects` (the id of the certificate it replaces) replaces it
on the cycle it completed whatever its day (ADR 0158): a corrected EICR whose first
report's day was mistyped is not a second check. Before, dated another day than the
one it corrects, it completed the next cycle: a second check done, check-completed for
a cycle nobody worked, and a third cycle dated from the correction. One dated before
the certificate it names, from the day its cycle began, is taken too (ADR 0174). A
correction that cannot replace the one it names is refused, naming the field, nothing
kept."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months
from services.compliance.tests.checks.test_a_corrected_eicr_replaces_the_first import (
    certified_once,
    certify,
    eicr_completed,
    eicr_cycles,
    open_eicr,
)
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_block, london_today


async def checks_done(compliance: httpx.AsyncClient, first: date, last: date) -> int:
    """How many checks the first-time access figure counts as done in [first, last]."""
    response = await compliance.get(
        "/v1/compliance/figures", params={"from": first.isoformat(), "to": last.isoformat()}
    )
    assert response.status_code == 200, response.text
    [measure] = [
        m for m in response.json()["measures"] if m["code"] == "compliance.first_time_access"
    ]
    done: int = measure["denominator"]
    return done


def problem_field(response: httpx.Response) -> Any:
    return response.json().get("field")


async def test_a_correction_of_another_day_replaces_the_certificate_it_names(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    mistyped = today - timedelta(days=3)
    before = await checks_done(compliance, mistyped, today)
    first_cycle, following = await certified_once(compliance, uprn, mistyped)
    [first] = [c for c in await eicr_completed(published, uprn)]
    first_record = next(
        c for c in await eicr_cycles(compliance, uprn) if c["id"] == first_cycle["id"]
    )["record_id"]

    # the report went out dated three days early: the contractor sends it corrected,
    # dated the day of the inspection, naming the one it corrects
    corrected = await certify(
        compliance, following["id"], today, f"B-{uprn}", corrects=first_record
    )

    assert corrected.status_code == 201, corrected.text
    record = corrected.json()
    assert record["check_id"] == first_cycle["id"]
    assert record["corrects_id"] == first_record
    assert record["expires_on"] == add_months(today, 60).isoformat()
    # still two cycles: the first names the correction, the next is the same check,
    # dated from the corrected report
    cycles = await eicr_cycles(compliance, uprn)
    assert len(cycles) == 2
    assert next(c for c in cycles if c["id"] == first_cycle["id"])["record_id"] == record["id"]
    still_open = await open_eicr(compliance, uprn)
    assert still_open["id"] == following["id"]
    assert still_open["due_by"] == still_open["certificate_expires_on"] == record["expires_on"]
    assert still_open["last_certificate_reference"] == f"B-{uprn}"
    # check-completed again under the first cycle's id, with the corrected next date
    completed = await eicr_completed(published, uprn)
    assert [(c["check_id"], c["certificate_reference"], c["next_due_by"]) for c in completed] == [
        (first_cycle["id"], first["certificate_reference"], first["next_due_by"]),
        (first_cycle["id"], f"B-{uprn}", record["expires_on"]),
    ]
    # one check done over both days
    assert await checks_done(compliance, mistyped, today) - before == 1


async def test_a_correction_to_an_earlier_day_dates_the_next_check_from_it(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """An EICR dated the day it was typed up, corrected to the inspection's day 20 days
    before: the next check is due 5 years from the inspection (refused before ADR
    0174, 422 done_on), one check done, and the correction is the latest held."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    inspected = today - timedelta(days=20)
    before = await checks_done(compliance, inspected, today)
    first_cycle, following = await certified_once(compliance, uprn, today)
    first_record = next(
        c for c in await eicr_cycles(compliance, uprn) if c["id"] == first_cycle["id"]
    )["record_id"]

    corrected = await certify(
        compliance, following["id"], inspected, f"B-{uprn}", corrects=first_record
    )

    assert corrected.status_code == 201, corrected.text
    record = corrected.json()
    assert record["check_id"] == first_cycle["id"]
    assert record["expires_on"] == add_months(inspected, 60).isoformat()
    still_open = await open_eicr(compliance, uprn)
    assert still_open["id"] == following["id"]
    assert still_open["due_by"] == record["expires_on"]
    assert await checks_done(compliance, inspected, today) - before == 1
    again = await certify(compliance, following["id"], today, f"C-{uprn}", corrects=first_record)
    assert (again.status_code, problem_field(again)) == (409, "corrects")
    assert "corrected already" in again.json()["detail"]


async def test_a_correction_that_cannot_replace_the_one_it_names_is_refused(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    other = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    earlier = today - timedelta(days=5)
    # the check before it: the cycle the certificate corrected completed began that day
    _, first_cycle = await certified_once(compliance, uprn, earlier - timedelta(days=3))
    assert (await certify(compliance, first_cycle["id"], earlier, f"A2-{uprn}")).status_code == 201
    following = await open_eicr(compliance, uprn)
    first_record = next(
        c for c in await eicr_cycles(compliance, uprn) if c["id"] == first_cycle["id"]
    )["record_id"]
    _, others_next = await certified_once(compliance, other, today)
    others_record = next(
        c for c in await eicr_cycles(compliance, other) if c["completed_at"] is not None
    )["record_id"]

    unknown = await certify(
        compliance, following["id"], today, f"B-{uprn}", corrects=str(uuid.uuid4())
    )
    another_home = await certify(
        compliance, following["id"], today, f"B-{uprn}", corrects=others_record
    )
    before_its_cycle = await certify(
        compliance,
        following["id"],
        earlier - timedelta(days=4),
        f"B-{uprn}",
        corrects=first_record,
    )

    assert (unknown.status_code, problem_field(unknown)) == (422, "corrects")
    assert (another_home.status_code, problem_field(another_home)) == (422, "corrects")
    assert (before_its_cycle.status_code, problem_field(before_its_cycle)) == (422, "done_on")
    # nothing kept: still the two certificates, the next cycle still open
    assert len(await eicr_completed(published, uprn)) == 2
    assert (await open_eicr(compliance, uprn))["id"] == following["id"]
    assert (await open_eicr(compliance, other))["id"] == others_next["id"]

    corrected = await certify(
        compliance, following["id"], today, f"B-{uprn}", corrects=first_record
    )
    assert corrected.status_code == 201, corrected.text
    # corrected already: the correction is the one to correct
    again = await certify(compliance, following["id"], today, f"C-{uprn}", corrects=first_record)
    assert (again.status_code, problem_field(again)) == (409, "corrects")
    assert "corrected already" in again.json()["detail"]


async def test_a_certificate_a_later_check_followed_is_not_corrected(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    today = london_today()
    first_cycle, second_cycle = await certified_once(compliance, uprn, today - timedelta(days=10))
    first_record = next(
        c for c in await eicr_cycles(compliance, uprn) if c["id"] == first_cycle["id"]
    )["record_id"]
    next_check = await certify(
        compliance, second_cycle["id"], today - timedelta(days=5), f"B-{uprn}"
    )
    assert next_check.status_code == 201, next_check.text

    refused = await certify(
        compliance, first_cycle["id"], today, f"C-{uprn}", corrects=first_record
    )

    assert (refused.status_code, problem_field(refused)) == (409, "corrects")
    assert "not the latest" in refused.json()["detail"]
    assert len(await eicr_completed(published, uprn)) == 2


async def test_a_certificate_of_another_check_type_is_not_corrected(
    compliance: httpx.AsyncClient,
) -> None:
    block = await a_block(compliance, communal_boiler=False)
    today = london_today()
    checks = (await compliance.get(f"/v1/compliance/homes/{block}")).json()["checks"]
    fire = next(c for c in checks if c["check_type"] == "fire_risk_assessment")
    asbestos = next(c for c in checks if c["check_type"] == "asbestos")
    assessed = await certify(compliance, fire["id"], today - timedelta(days=2), f"FRA-{block}")
    assert assessed.status_code == 201, assessed.text

    refused = await certify(
        compliance, asbestos["id"], today, f"ASB-{block}", corrects=assessed.json()["id"]
    )

    assert (refused.status_code, problem_field(refused)) == (422, "corrects")
    assert "another check type" in refused.json()["detail"]
