"""A record says when the check was done (`checked_at`), and what it found is dated from
then, never from the upload: a check at 09:00 uploaded at 23:00 the same day started
repairs' 24-hour make-safe clock (an immediately dangerous defect, an Awaab's Law
emergency hazard) 14 hours late. Without a time, the start of the check's London day,
whatever day it is uploaded (ADR 0039). A `checked_at` in the future or on another day
than the check's is refused naming it, and nothing is kept or published. The same for
the certificates of the other checks (`done_on`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.working_days import london_day, start_of_london_day
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_contractor_records import (
    a_contractor,
    assigned_gas_home,
)
from services.compliance.tests.gas_safety_records.test_records import a_gas_home, gas_check

DANGEROUS = {
    "location": "kitchen",
    "classification": "immediately_dangerous",
    "description": "Flue spillage at the boiler",
    "made_safe": True,
}
MOULD = {"hazard_type": "damp_and_mould", "severity": "emergency", "location": "back bedroom"}


def earlier_than_now() -> datetime:
    """A moment a minute ago, to the second: the time an engineer did a check before
    its record arrives (its London day is the check's day, whatever the time of day)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


def dated(events: list[dict[str, Any]], field: str) -> set[datetime]:
    return {datetime.fromisoformat(e[field]) for e in events}


async def test_a_same_day_check_uploaded_later_is_dated_when_it_was_done(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    checked_at = earlier_than_now()
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(
            uprn,
            london_day(checked_at),
            checked_at=checked_at.isoformat(),
            defects=[DANGEROUS],
            hazards=[MOULD],
        ),
    )
    assert response.status_code == 201, response.text
    assert dated(await published("hazard-found", uprn), "identified_at") == {checked_at}
    assert dated(await published("safety-defect-found", uprn), "found_at") == {checked_at}
    assert dated(await published("check-completed", uprn), "completed_at") == {checked_at}


async def test_a_time_with_another_offset_counts_as_the_same_moment(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """09:30 in New York on the check's London day is 14:30 in London: the moment, not
    its wall clock."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    day = london_today() - timedelta(days=3)
    checked_at = start_of_london_day(day) + timedelta(hours=14, minutes=30)
    new_york = checked_at.astimezone(UTC).replace(tzinfo=None) - timedelta(hours=5)
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, day, checked_at=f"{new_york.isoformat()}-05:00", hazards=[MOULD]),
    )
    assert response.status_code == 201, response.text
    assert dated(await published("hazard-found", uprn), "identified_at") == {checked_at}


async def test_without_a_time_a_check_is_dated_from_the_start_of_its_day_on_any_upload(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """Uploaded the day it was done or days later, the same rule: never the upload."""
    today_home = await a_gas_home(compliance, london_today() + timedelta(days=30))
    late_home = await a_gas_home(compliance, london_today() + timedelta(days=30))
    for uprn, day in ((today_home, london_today()), (late_home, london_today() - timedelta(2))):
        body = a_record(uprn, day, defects=[DANGEROUS], hazards=[MOULD])
        response = await compliance.post("/v1/gas-safety-records", json=body)
        assert response.status_code == 201, response.text
        midnight = start_of_london_day(day)
        assert dated(await published("hazard-found", uprn), "identified_at") == {midnight}
        assert dated(await published("safety-defect-found", uprn), "found_at") == {midnight}
        assert dated(await published("check-completed", uprn), "completed_at") == {midnight}


async def test_a_superseded_record_is_dated_by_its_own_time(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    latest = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert latest.status_code == 201, latest.text
    older = london_today() - timedelta(days=5)
    checked_at = start_of_london_day(older) + timedelta(hours=9)
    response = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, older, checked_at=checked_at.isoformat(), hazards=[MOULD]),
    )
    assert response.status_code == 201, response.text
    assert response.json()["superseded"] is True
    assert dated(await published("hazard-found", uprn), "identified_at") == {checked_at}


async def refused(
    compliance: httpx.AsyncClient, url: str, body: dict[str, Any], **kwargs: Any
) -> list[str]:
    response = await compliance.post(url, json=body, **kwargs)
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def test_a_time_in_the_future_or_on_another_day_is_refused_and_nothing_changes(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=30))
    before = await gas_check(compliance, uprn)
    day = london_today() - timedelta(days=2)
    # a minute on, with today as the check's day (never a future check_date, which is
    # refused first, whatever the time of day)
    today = london_today()
    future = datetime.now(UTC) + timedelta(minutes=1)
    another_day = start_of_london_day(day + timedelta(days=1)) + timedelta(hours=9)
    just_before = start_of_london_day(day) - timedelta(seconds=1)
    naive = (start_of_london_day(day) + timedelta(hours=9)).replace(tzinfo=None)
    url = "/v1/gas-safety-records"
    for checked_at, check_date in (
        (future.isoformat(), today),
        (another_day.isoformat(), day),
        (just_before.isoformat(), day),
        (naive.isoformat(), day),
    ):
        body = a_record(
            uprn, check_date, checked_at=checked_at, defects=[DANGEROUS], hazards=[MOULD]
        )
        assert await refused(compliance, url, body) == ["checked_at"], checked_at
    assert await gas_check(compliance, uprn) == before
    for name in ("hazard-found", "safety-defect-found", "check-completed"):
        assert await published(name, uprn) == []
    assert (await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})).json()[
        "items"
    ] == []


async def test_a_contractor_gives_the_time_and_a_wrong_one_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    gasco, token = a_contractor()
    uprn = await assigned_gas_home(compliance, gasco)
    url = "/v1/contractor/gas-safety-records"
    day = london_today() - timedelta(days=1)
    wrong = start_of_london_day(day) - timedelta(hours=2)
    body = a_record(uprn, day, checked_at=wrong.isoformat(), hazards=[MOULD])
    assert await refused(compliance, url, body, auth=token) == ["checked_at"]
    assert await published("hazard-found", uprn) == []
    checked_at = start_of_london_day(day) + timedelta(hours=9)
    body = a_record(uprn, day, checked_at=checked_at.isoformat(), hazards=[MOULD])
    response = await compliance.post(url, json=body, auth=token)
    assert response.status_code == 201, response.text
    assert dated(await published("hazard-found", uprn), "identified_at") == {checked_at}
    assert dated(await published("check-completed", uprn), "completed_at") == {checked_at}


def a_certificate(done_on: date, **overrides: object) -> dict[str, object]:
    return {
        "done_on": done_on.isoformat(),
        "certificate_reference": f"EICR-{done_on:%Y%m%d}",
        "outcome": "unsatisfactory",
        "defects": [
            {
                "classification": "danger_present",
                "location": "consumer unit",
                "description": "Exposed live conductors",
            }
        ],
        **overrides,
    }


async def an_eicr(compliance: httpx.AsyncClient) -> tuple[str, str]:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    eicr = next(c for c in body["checks"] if c["check_type"] == "electrical")
    return uprn, eicr["id"]


async def test_a_certificate_is_dated_when_the_check_was_done(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn, check_id = await an_eicr(compliance)
    url = f"/v1/compliance/checks/{check_id}/certificates"
    checked_at = earlier_than_now()
    response = await compliance.post(
        url, json=a_certificate(london_day(checked_at), checked_at=checked_at.isoformat())
    )
    assert response.status_code == 201, response.text
    assert dated(await published("safety-defect-found", uprn), "found_at") == {checked_at}
    assert dated(await published("check-completed", uprn), "completed_at") == {checked_at}


async def test_a_certificate_without_a_time_is_dated_from_the_start_of_its_day(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn, check_id = await an_eicr(compliance)
    day = london_today()
    response = await compliance.post(
        f"/v1/compliance/checks/{check_id}/certificates", json=a_certificate(day)
    )
    assert response.status_code == 201, response.text
    midnight = start_of_london_day(day)
    assert dated(await published("safety-defect-found", uprn), "found_at") == {midnight}
    assert dated(await published("check-completed", uprn), "completed_at") == {midnight}


async def test_a_certificate_time_in_the_future_or_on_another_day_is_refused(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn, check_id = await an_eicr(compliance)
    url = f"/v1/compliance/checks/{check_id}/certificates"
    day = london_today() - timedelta(days=2)
    # a minute on, with today as the check's day (never a future check_date, which is
    # refused first, whatever the time of day)
    today = london_today()
    future = datetime.now(UTC) + timedelta(minutes=1)
    another_day = start_of_london_day(day + timedelta(days=1)) + timedelta(hours=9)
    for checked_at, done_on in ((future, today), (another_day, day)):
        body = a_certificate(done_on, checked_at=checked_at.isoformat())
        assert await refused(compliance, url, body) == ["checked_at"]
    assert await published("safety-defect-found", uprn) == []
    assert await published("check-completed", uprn) == []
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    assert next(c for c in checks if c["id"] == check_id)["completed_at"] is None
