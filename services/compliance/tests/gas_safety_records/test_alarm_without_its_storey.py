"""A smoke alarm tested without its `storey` matched to the register's row when it can
only be that one (ADR 0123, amending 0120 and 0121). The register keeps a smoke alarm by
storey, so one sent without it was never the register's alarm: found missing where the
register's row had already raised the repair to fit it, it raised a second repair (its
own safety-defect-found), two visits to fit one alarm. In a home with one storey with
living space it can only be on the ground floor; and a missing one where the register
has exactly one smoke alarm row open is the alarm the register already lacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.compliance.tests.conftest import Published
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


async def test_the_one_open_smoke_alarm_row_is_the_missing_alarm_sent_without_its_storey(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    [raised] = await published("required-alarm-missing", uprn)
    version = (await home_of(compliance, uprn))["version"]

    taken = await record(compliance, uprn, [smoke("missing")])

    [finding] = taken["defects"]
    assert finding["missing_alarm_id"] == raised["alarm_id"]
    assert await published("safety-defect-found", uprn) == []
    # the storey is the register's guess, not the engineer's word: the lists stay
    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["version"]) == ([0], version)


@pytest.mark.parametrize(
    ("storeys", "fitted", "tests"),
    [
        # two rows open: which storey's cannot be told
        (3, [0], [smoke("missing")]),
        # the one row is the landing's, which the engineer tested with its storey
        (2, [0], [smoke("working", storey=1), smoke("missing")]),
        # two found missing without a storey and one row: which is it
        (2, [0], [smoke("missing"), smoke("missing", location="hall")]),
        # faulty: it hangs on a storey the register may show fitted, which the row's
        # repair (fit an alarm on the landing) would not reach
        (2, [0], [smoke("faulty")]),
    ],
    ids=["two rows open", "the row's storey tested", "two missing", "faulty"],
)
async def test_a_smoke_alarm_without_its_storey_that_cannot_be_told_is_its_own_repair(
    compliance: httpx.AsyncClient,
    published: Published,
    storeys: int,
    fitted: list[int],
    tests: list[dict[str, Any]],
) -> None:
    uprn = await a_let_gas_home(
        compliance,
        storeys_with_living_space=storeys,
        smoke_alarm_storeys=fitted,
        co_alarm_rooms=["kitchen"],
    )

    taken = await record(compliance, uprn, tests)

    unplaced = [d for d in taken["defects"] if d["missing_alarm_id"] is None]
    assert len(unplaced) == sum(1 for t in tests if "storey" not in t)
    assert len(await published("safety-defect-found", uprn)) == len(unplaced)
