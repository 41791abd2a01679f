"""A smoke alarm tested without its `storey` (ADR 0123, amended by 0126). The register
keeps a smoke alarm by storey, so one sent without it was never the register's alarm:
found missing where the register's row had already raised the repair to fit it, it
raised a second repair (its own safety-defect-found), two visits to fit one alarm. In a
home with one storey with living space it can only be on the ground floor; in a taller
home one found faulty or missing without it is refused, since which alarm it is cannot
be told."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today
from services.compliance.tests.gas_safety_records.test_alarm_tests_and_the_register import (
    a_let_gas_home,
    a_moment_ago,
    home_of,
    record,
)


def smoke(result: str, **more: Any) -> dict[str, Any]:
    return {"kind": "smoke", "location": "hall", "result": result, **more}


async def test_one_storey_a_missing_alarm_the_register_has_raised_is_not_raised_again(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[], co_alarm_rooms=["kitchen"]
    )
    [raised] = await published("required-alarm-missing", uprn)

    taken = await record(compliance, uprn, [smoke("missing")])

    [finding] = taken["defects"]
    assert finding["missing_alarm_id"] == raised["alarm_id"]
    assert await published("safety-defect-found", uprn) == []
    assert len(await published("required-alarm-missing", uprn)) == 1


async def test_one_storey_the_register_follows_the_test_as_if_sent_on_the_ground_floor(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    checked_at = a_moment_ago()

    taken = await record(compliance, uprn, [smoke("missing")], checked_at=checked_at)

    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["storeys_missing_smoke_alarm"]) == ([], [0])
    [raised] = await published("required-alarm-missing", uprn)
    assert (raised["kind"], raised["storey"]) == ("smoke", 0)
    assert taken["defects"][0]["missing_alarm_id"] == raised["alarm_id"]
    assert await published("safety-defect-found", uprn) == []

    # tested working at the next visit: fitted, the row cleared
    await record(
        compliance,
        uprn,
        [smoke("working")],
        checked_at=datetime.now(UTC).isoformat(),
        certificate_reference=f"CP12-{uprn}-retest",
    )
    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["storeys_missing_smoke_alarm"]) == ([0], [])


async def records_of(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    listed = await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


@pytest.mark.parametrize(
    ("storeys", "fitted", "tests", "refused", "with_storeys"),
    [
        # the one row open (storey 1): before, matched by guess (ADR 0123's second rule)
        (2, [0], [smoke("missing")], 0, [smoke("missing", storey=1)]),
        # two rows open: which storey's could not be told, a repair of its own beside
        # the row's
        (3, [0], [smoke("missing")], 0, [smoke("missing", storey=2)]),
        # two found missing and one row: one of them was a third repair
        (
            2,
            [0],
            [smoke("working", storey=0), smoke("missing"), smoke("missing", location="landing")],
            1,
            [smoke("missing", storey=0), smoke("missing", storey=1, location="landing")],
        ),
        # faulty where the register had the landing's row open: its own repair beside
        # the row's, though the row's repair (fit one that works) may be for it
        (2, [0], [smoke("faulty")], 0, [smoke("faulty", storey=1)]),
    ],
    ids=["one row open", "two rows open", "two missing", "faulty"],
)
async def test_a_smoke_fault_without_its_storey_in_a_taller_home_is_refused(
    compliance: httpx.AsyncClient,
    published: Published,
    storeys: int,
    fitted: list[int],
    tests: list[dict[str, Any]],
    refused: int,
    with_storeys: list[dict[str, Any]],
) -> None:
    """ADR 0126: which of the home's smoke alarms the finding is cannot be told without
    its storey, so the record is refused (422 naming alarm_tests.N.storey, nothing kept
    or sent) and sent again with it; then each alarm is one repair, the register's row
    where it has one. Before, each case was taken (201) with a repair of its own beside
    the register's for the same alarm (the first by a guess)."""
    uprn = await a_let_gas_home(
        compliance,
        storeys_with_living_space=storeys,
        smoke_alarm_storeys=fitted,
        co_alarm_rooms=["kitchen"],
    )
    rows = await published("required-alarm-missing", uprn)

    body = a_record(uprn, london_today(), alarm_tests=tests)
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [f"alarm_tests.{refused}.storey"]
    assert await records_of(compliance, uprn) == []
    assert await published("safety-defect-found", uprn) == []
    assert await published("required-alarm-missing", uprn) == rows

    taken = await record(compliance, uprn, with_storeys)
    # one repair per alarm: each finding is its storey's row's (open before, or opened
    # by the record for a storey the register showed fitted), none its own
    rows_named = [d["missing_alarm_id"] for d in taken["defects"]]
    assert len(rows_named) == len(with_storeys)
    assert set(rows_named) <= {
        r["alarm_id"] for r in await published("required-alarm-missing", uprn)
    }
    assert len(set(rows_named)) == len(rows_named)
    assert await published("safety-defect-found", uprn) == []


async def test_a_working_smoke_alarm_without_its_storey_in_a_taller_home_is_taken(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """It raises nothing, so nothing can be raised twice: taken, the register left as it
    is (which storey it is cannot be told, ADR 0121)."""
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    version = (await home_of(compliance, uprn))["version"]

    taken = await record(compliance, uprn, [smoke("working")])

    assert taken["defects"] == []
    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["version"]) == ([0], version)
    assert len(await published("required-alarm-missing", uprn)) == 1


async def test_a_smoke_fault_without_its_storey_where_the_register_knows_no_storeys(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    """The register keeps no smoke alarm row for a home whose storeys it does not know,
    so the finding is the one repair: taken, sent on as before."""
    uprn = await a_let_gas_home(compliance, co_alarm_rooms=["kitchen"])

    taken = await record(compliance, uprn, [smoke("missing")])

    [finding] = taken["defects"]
    assert finding["missing_alarm_id"] is None
    assert len(await published("safety-defect-found", uprn)) == 1
    assert await published("required-alarm-missing", uprn) == []
