"""A recharge held for a household's vulnerability on a repair that turns out to be
communal is not raised when a manager approves it. abc9196 refuses a recharge on a
communal repair when it is asked for (422 naming repair_id: no household lives at a
block), but whether a repair is communal can change after a recharge is held: the
completion judges it again (93f04b9) and the asset register can name the UPRN a block's
at any time. The approval asked only whether the recharge was held, so it raised the
charge all the same (recharge-raised at a block's UPRN, for income to hold against a
tenancy the block does not have). The approval is now refused the same way, nothing
raised, and the manager declines it with `communal_repair`, which says why it never
was; that code is refused on a home's repair (it would say something untrue)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.test_communal_issues import a_uprn, complete, flat_registered
from services.repairs.tests.test_handlers import consume
from services.repairs.tests.test_recharge_declined import approve, decline, recharge_events
from services.repairs.tests.test_recharges import RECHARGE, flag


async def held_at(staff: httpx.AsyncClient, db: Database, uprn: str) -> tuple[str, str]:
    """A repair at `uprn`, not known as a block's, and a recharge on it held for the
    household's recorded vulnerability: (repair id, recharge id)."""
    await flag(db, uprn, ["mental_health"], datetime.now(UTC))
    reported = await staff.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Door entry handset pulled off the wall",
            "location": "main entrance",
            "trade": "electrical",  # the contractor `complete` orders from
            "priority": "urgent",
        },
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["communal"] is False  # no home names the block yet
    repair_id = str(reported.json()["id"])
    held = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "awaiting_approval"
    return repair_id, str(held.json()["id"])


@pytest.mark.parametrize("found", ["at_completion", "by_the_register"])
async def test_a_held_recharge_is_not_raised_once_its_repair_is_found_communal(
    staff: httpx.AsyncClient, repairs_database: Database, found: str
) -> None:
    block, flat = a_uprn(), a_uprn()
    repair_id, recharge_id = await held_at(staff, repairs_database, block)
    await consume(repairs_database, [flat_registered(flat, block)])  # the block, named late
    if found == "at_completion":
        assert await complete(staff, repairs_database, repair_id, block) is True

    refused = await approve(staff, recharge_id)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["repair_id"]
    assert "communal_repair" in refused.json()["detail"]
    assert await recharge_events(repairs_database, block) == []

    declined = await decline(staff, recharge_id, "communal_repair")
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "communal_repair"
    assert declined.json()["raised_at"] is None
    assert await recharge_events(repairs_database, block) == []


async def test_communal_repair_is_no_reason_to_decline_a_homes_recharge(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    home = a_uprn()
    _, recharge_id = await held_at(staff, repairs_database, home)

    refused = await decline(staff, recharge_id, "communal_repair")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["reason"]

    approved = await approve(staff, recharge_id)  # still held, and still the manager's
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "raised"
    assert await recharge_events(repairs_database, home) == ["uk.hearth.repairs.recharge-raised.v1"]
