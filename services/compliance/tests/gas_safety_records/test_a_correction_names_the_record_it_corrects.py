"""A gas safety record sent with `corrects` (the id of the record it replaces) replaces
it on the cycle it completed whatever its day (ADR 0158): a corrected CP12 whose first
day was mistyped is not a second annual check, and its expiry runs by the 2-month rule
from the expiry before the first, so the anniversary the check kept is kept. Before,
dated after the one it corrects, it completed the next cycle: a second check done, the
anniversary moved to the correction's day. A correction dated before the record it
names is taken too, from the day its cycle began (ADR 0174): the CP12 dated the day it
was typed up, corrected to the inspection's day, moves the expiry earlier where the
2-month rule says so. Refusals name the field, nothing kept."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months
from services.compliance.tests.checks.test_a_correction_names_the_certificate_it_corrects import (
    checks_done,
    problem_field,
)
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_same_day_and_no_next_check import (
    gas_cycles,
    post,
)


async def open_gas(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    [open_cycle] = [c for c in await gas_cycles(compliance, uprn) if c["completed_at"] is None]
    return open_cycle


async def test_a_correction_of_another_day_keeps_the_anniversary_and_is_one_check(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    today = london_today()
    expiry = today + timedelta(days=55)  # today is in the last 2 months before it
    uprn = await a_gas_home(compliance, expiry)
    mistyped = today - timedelta(days=10)  # outside them
    before = await checks_done(compliance, mistyped, today)
    first = await post(compliance, a_record(uprn, mistyped, certificate_reference=f"A-{uprn}"))
    assert first["expires_on"] == add_months(mistyped, 12).isoformat()
    following = await open_gas(compliance, uprn)

    corrected = await post(
        compliance,
        a_record(uprn, today, certificate_reference=f"B-{uprn}", corrects=first["id"]),
    )

    assert corrected["check_id"] == first["check_id"]
    assert corrected["corrects_id"] == first["id"]
    assert corrected["superseded"] is False
    # done in the last 2 months before the expiry the first replaced: its anniversary
    assert corrected["previous_expiry"] == expiry.isoformat()
    assert corrected["expires_on"] == add_months(expiry, 12).isoformat()
    cycles = await gas_cycles(compliance, uprn)
    assert len(cycles) == 2
    assert next(c for c in cycles if c["id"] == first["check_id"])["record_id"] == corrected["id"]
    still_open = await open_gas(compliance, uprn)
    assert still_open["id"] == following["id"]
    assert still_open["due_by"] == still_open["certificate_expires_on"] == corrected["expires_on"]
    completed = await published("check-completed", uprn)
    assert [(c["check_id"], c["next_due_by"]) for c in completed] == [
        (first["check_id"], first["expires_on"]),
        (first["check_id"], corrected["expires_on"]),
    ]
    assert await checks_done(compliance, mistyped, today) - before == 1


async def test_a_correction_that_cannot_replace_the_record_it_names_is_refused(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    other = await a_gas_home(compliance, today + timedelta(days=200))
    earlier = today - timedelta(days=5)
    # the check before it: the cycle `first` completed began that day (ADR 0174)
    await post(
        compliance, a_record(uprn, earlier - timedelta(days=3), certificate_reference=f"P-{uprn}")
    )
    first = await post(compliance, a_record(uprn, earlier, certificate_reference=f"A-{uprn}"))
    others = await post(compliance, a_record(other, today, certificate_reference=f"A-{other}"))

    async def correcting(corrects: object, day: date, reference: str) -> httpx.Response:
        body = a_record(uprn, day, certificate_reference=reference, corrects=corrects)
        return await compliance.post("/v1/gas-safety-records", json=body)

    unknown = await correcting(str(uuid.uuid4()), today, f"B-{uprn}")
    another_home = await correcting(others["id"], today, f"B-{uprn}")
    before_its_cycle = await correcting(first["id"], earlier - timedelta(days=4), f"B-{uprn}")

    assert (unknown.status_code, problem_field(unknown)) == (422, "corrects")
    assert (another_home.status_code, problem_field(another_home)) == (422, "corrects")
    assert (before_its_cycle.status_code, problem_field(before_its_cycle)) == (422, "check_date")
    assert len(await published("check-completed", uprn)) == 2

    corrected = await correcting(first["id"], today, f"B-{uprn}")
    assert corrected.status_code == 201, corrected.text
    again = await correcting(first["id"], today, f"C-{uprn}")
    assert (again.status_code, problem_field(again)) == (409, "corrects")
    assert "corrected already" in again.json()["detail"]
    assert len(await published("check-completed", uprn)) == 3


async def test_a_record_a_later_check_followed_is_not_corrected(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    first = await post(
        compliance,
        a_record(uprn, today - timedelta(days=10), certificate_reference=f"A-{uprn}"),
    )
    await post(
        compliance, a_record(uprn, today - timedelta(days=5), certificate_reference=f"B-{uprn}")
    )

    refused = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, today, certificate_reference=f"C-{uprn}", corrects=first["id"]),
    )

    assert (refused.status_code, problem_field(refused)) == (409, "corrects")
    assert "not the latest" in refused.json()["detail"]
    assert len(await published("check-completed", uprn)) == 2


async def test_a_correction_to_the_real_earlier_day_moves_the_expiry_earlier(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """A CP12 recorded 20 days late, dated the day it was typed up (in the last 2 months
    before the expiry: the anniversary kept), corrected to the inspection's day (before
    them: 12 months from it). Before ADR 0174 the correction was refused (422
    check_date) and the home stayed in date 70 days past 12 months from its check."""
    today = london_today()
    expiry = today + timedelta(days=50)  # today is in the last 2 months before it
    uprn = await a_gas_home(compliance, expiry)
    inspected = today - timedelta(days=20)  # before them
    before = await checks_done(compliance, inspected, today)
    typed_up = await post(compliance, a_record(uprn, today, certificate_reference=f"A-{uprn}"))
    assert typed_up["expires_on"] == add_months(expiry, 12).isoformat()

    corrected = await post(
        compliance,
        a_record(uprn, inspected, certificate_reference=f"B-{uprn}", corrects=typed_up["id"]),
    )

    assert corrected["check_id"] == typed_up["check_id"]
    assert corrected["corrects_id"] == typed_up["id"]
    assert corrected["superseded"] is False
    assert corrected["previous_expiry"] == expiry.isoformat()
    assert corrected["expires_on"] == add_months(inspected, 12).isoformat()
    cycles = await gas_cycles(compliance, uprn)
    assert len(cycles) == 2
    assert (
        next(c for c in cycles if c["id"] == typed_up["check_id"])["record_id"] == (corrected["id"])
    )
    # the programme's next check is due 12 months from the inspection, not the anniversary
    still_open = await open_gas(compliance, uprn)
    assert still_open["due_by"] == still_open["certificate_expires_on"] == corrected["expires_on"]
    completed = await published("check-completed", uprn)
    assert [(c["check_id"], c["next_due_by"]) for c in completed] == [
        (typed_up["check_id"], typed_up["expires_on"]),
        (typed_up["check_id"], corrected["expires_on"]),
    ]
    assert await checks_done(compliance, inspected, today) - before == 1
    # the correction is the home's latest, though dated before the record it replaced
    again = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, today, certificate_reference=f"C-{uprn}", corrects=typed_up["id"]),
    )
    assert (again.status_code, problem_field(again)) == (409, "corrects")
    assert "corrected already" in again.json()["detail"]
