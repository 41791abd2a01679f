"""Each contractor's places are its own (docs/adr/0155). Capacity was counted per trade
across contractors: with two plumbing contractors, one place each per slot, a morning
booked with the first left the second's morning off availability and a booking of it
refused 422 `slot`, though its operative was free. Now availability and booking count
the places held with the work's contractor; with one contractor for a trade nothing
changes (test_overlapping_slots_share_places), and a contractor's own figure overrides
the landlord's for it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from repairs.settings import Contractor, RepairsSettings
from services.repairs.tests.appointments.test_overlapping_slots_share_places import (
    a_day_with_both,
    book,
    slots_of,
)
from services.repairs.tests.orders.test_work_orders import a_repair, a_uprn, schedule_of_rates


@pytest.fixture(scope="module")
def contracted_settings(repairs_db_url: str) -> RepairsSettings:
    """Two plumbing contractors, one place each per slot; the second takes two
    electrical jobs a slot by its own figure (the landlord's is one)."""
    return RepairsSettings(
        database_url=repairs_db_url,
        relay_enabled=False,
        consumer_enabled=False,
        contractors={
            "plumbfast": Contractor(trades=[Trade.PLUMBING]),
            "drainright": Contractor(
                trades=[Trade.PLUMBING, Trade.ELECTRICAL],
                trade_capacity={Trade.ELECTRICAL: {"am": 2}},
            ),
        },
        capacity_per_slot=1,
        scheduler_enabled=False,
    )


async def work_order_with(
    staff: httpx.AsyncClient, db: Database, contractor_id: str, trade: str = "plumbing"
) -> dict[str, Any]:
    await schedule_of_rates(db)
    repair = await a_repair(staff, a_uprn(), trade)
    code = "PLB:20110" if trade == "plumbing" else "ELE:30010"
    raised = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "contractor_id": contractor_id,
            "lines": [{"sor_code": code, "quantity": 1}],
        },
    )
    assert raised.status_code == 201, raised.text
    order: dict[str, Any] = raised.json()
    return order


async def offered(
    staff: httpx.AsyncClient, trades: list[str], contractor_id: str | None = None
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"uprn": a_uprn(), "trades": trades}
    if contractor_id is not None:
        params["contractor_id"] = contractor_id
    free = await staff.get("/v1/appointments/availability", params=params)
    assert free.status_code == 200, free.text
    slots: list[dict[str, Any]] = free.json()["slots"]
    return slots


async def test_one_contractors_full_morning_leaves_anothers_free(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    day = a_day_with_both(await offered(staff, ["plumbing"], "plumbfast"), furthest=True)
    first = await work_order_with(staff, repairs_database, "plumbfast")
    assert (await book(staff, first, day, "am")).status_code == 201

    # plumbfast's one plumber is out that morning
    assert "am" not in slots_of(await offered(staff, ["plumbing"], "plumbfast"), day)
    # by default, the contractor plumbing is raised with: plumbfast
    assert "am" not in slots_of(await offered(staff, ["plumbing"]), day)
    again = await work_order_with(staff, repairs_database, "plumbfast")
    refused = await book(staff, again, day, "am")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["slot"]

    # drainright's plumber is not
    assert {"am", "08-10"} <= slots_of(await offered(staff, ["plumbing"], "drainright"), day)
    other = await work_order_with(staff, repairs_database, "drainright")
    taken = await book(staff, other, day, "08-10")
    assert taken.status_code == 201, taken.text
    # and then its morning is its own full one (overlapping slots share places)
    assert "am" not in slots_of(await offered(staff, ["plumbing"], "drainright"), day)


async def test_a_contractors_own_figure_counts_for_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    day = a_day_with_both(await offered(staff, ["electrical"], "drainright"), furthest=False)
    for _ in range(2):
        order = await work_order_with(staff, repairs_database, "drainright", "electrical")
        assert (await book(staff, order, day, "am")).status_code == 201
    assert "am" not in slots_of(await offered(staff, ["electrical"], "drainright"), day)


async def test_availability_for_a_contractor_that_cannot_do_the_work_is_refused(
    staff: httpx.AsyncClient,
) -> None:
    for contractor_id in ("plumbfast", "nobody"):
        refused = await staff.get(
            "/v1/appointments/availability",
            params={"uprn": a_uprn(), "trades": ["electrical"], "contractor_id": contractor_id},
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["contractor_id"]
    # no contractor does both carpentry and plumbing here: no one appointment could
    refused = await staff.get(
        "/v1/appointments/availability",
        params={"uprn": a_uprn(), "trades": ["carpentry", "plumbing"]},
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["trades"]
