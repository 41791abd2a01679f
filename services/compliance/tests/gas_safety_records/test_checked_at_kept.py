"""The time a check was done (`checked_at`) is kept with its record and read back: in
the POST answer and on every read of a gas safety record, staff's and the contractor's,
and in a certificate's answer; null when the record gave none (the findings then count
from the start of the check's London day, ADR 0039). Before, it was used to date the
findings and then dropped, so a contractor could not read back the time kept and a
record re-read later could not say when the check was done (ADR 0040). Each defect on a
record's read says when it was found (`found_at`): the moment its repair clock runs
from."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_checked_at import (
    DANGEROUS,
    a_certificate,
    an_eicr,
)
from services.compliance.tests.gas_safety_records.test_contractor_records import (
    a_contractor,
    assigned_gas_home,
)
from services.compliance.tests.gas_safety_records.test_records import a_gas_home


def moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def nine_am(days_ago: int) -> datetime:
    """09:00 in London, `days_ago` London days back (a whole past moment on that day)."""
    return start_of_london_day(london_today() - timedelta(days=days_ago)) + timedelta(hours=9)


async def every_read(
    compliance: httpx.AsyncClient, base: str, record: dict[str, Any], **kwargs: Any
) -> list[dict[str, Any]]:
    """The record as its POST answered it, its GET and the list by its home."""
    one = await compliance.get(f"{base}/{record['id']}", **kwargs)
    assert one.status_code == 200, one.text
    listed = await compliance.get(base, params={"uprn": record["uprn"]}, **kwargs)
    assert listed.status_code == 200, listed.text
    return [record, one.json(), *(r for r in listed.json()["items"] if r["id"] == record["id"])]


async def test_a_record_keeps_when_the_check_was_done_and_reads_it_back(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    checked_at = nine_am(days_ago=2)
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(
            uprn,
            london_today() - timedelta(days=2),
            checked_at=checked_at.isoformat(),
            defects=[DANGEROUS],
        ),
    )
    assert response.status_code == 201, response.text
    reads = await every_read(compliance, "/v1/gas-safety-records", response.json())
    assert len(reads) == 3
    for read in reads:
        assert moment(read["checked_at"]) == checked_at
        assert [moment(d["found_at"]) for d in read["defects"]] == [checked_at]


async def test_a_record_given_no_time_reads_back_none_and_its_defects_the_start_of_the_day(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    day = london_today() - timedelta(days=2)
    response = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, day, defects=[DANGEROUS])
    )
    assert response.status_code == 201, response.text
    reads = await every_read(compliance, "/v1/gas-safety-records", response.json())
    assert len(reads) == 3
    for read in reads:
        assert "checked_at" in read
        assert read["checked_at"] is None
        assert [moment(d["found_at"]) for d in read["defects"]] == [start_of_london_day(day)]


async def test_a_superseded_record_keeps_its_own_time(compliance: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    latest = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert latest.status_code == 201, latest.text
    checked_at = nine_am(days_ago=5)
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, london_today() - timedelta(days=5), checked_at=checked_at.isoformat()),
    )
    assert response.status_code == 201, response.text
    assert response.json()["superseded"] is True
    for read in await every_read(compliance, "/v1/gas-safety-records", response.json()):
        assert moment(read["checked_at"]) == checked_at
    assert latest.json()["checked_at"] is None


async def test_a_contractor_reads_back_the_time_it_gave(compliance: httpx.AsyncClient) -> None:
    gasco, token = a_contractor()
    uprn = await assigned_gas_home(compliance, gasco)
    checked_at = nine_am(days_ago=1)
    response = await compliance.post(
        "/v1/contractor/gas-safety-records",
        json=a_record(uprn, london_today() - timedelta(days=1), checked_at=checked_at.isoformat()),
        auth=token,
    )
    assert response.status_code == 201, response.text
    base = "/v1/contractor/gas-safety-records"
    reads = await every_read(compliance, base, response.json(), auth=token)
    assert len(reads) == 3
    for read in reads:
        assert moment(read["checked_at"]) == checked_at
    staff = await compliance.get(f"/v1/gas-safety-records/{response.json()['id']}")
    assert moment(staff.json()["checked_at"]) == checked_at


async def test_a_certificate_answers_with_the_time_it_was_done_or_none(
    compliance: httpx.AsyncClient,
) -> None:
    checked_at = nine_am(days_ago=1)
    _, timed = await an_eicr(compliance)
    response = await compliance.post(
        f"/v1/compliance/checks/{timed}/certificates",
        json=a_certificate(london_today() - timedelta(days=1), checked_at=checked_at.isoformat()),
    )
    assert response.status_code == 201, response.text
    assert moment(response.json()["checked_at"]) == checked_at
    _, untimed = await an_eicr(compliance)
    response = await compliance.post(
        f"/v1/compliance/checks/{untimed}/certificates", json=a_certificate(london_today())
    )
    assert response.status_code == 201, response.text
    assert "checked_at" in response.json()
    assert response.json()["checked_at"] is None


async def test_a_contractor_certificate_answers_with_the_time_it_gave(
    compliance: httpx.AsyncClient,
) -> None:
    sparks, token = a_contractor()
    _, check_id = await an_eicr(compliance)
    check = (await compliance.get(f"/v1/compliance/checks/{check_id}")).json()
    assigned = await compliance.put(
        f"/v1/compliance/checks/{check_id}/contractor",
        json={"contractor_id": sparks},
        headers={"If-Match": f'"{check["version"]}"'},
    )
    assert assigned.status_code == 200, assigned.text
    checked_at = nine_am(days_ago=1)
    response = await compliance.post(
        f"/v1/contractor/compliance/checks/{check_id}/certificates",
        json=a_certificate(london_today() - timedelta(days=1), checked_at=checked_at.isoformat()),
        auth=token,
    )
    assert response.status_code == 201, response.text
    assert moment(response.json()["checked_at"]) == checked_at
