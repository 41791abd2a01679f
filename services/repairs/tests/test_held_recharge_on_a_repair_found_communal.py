"""A recharge held for a household's vulnerability on a repair that turns out to be
communal is declined at once with `communal_repair`, in the transaction that learns
it: the asset register naming the UPRN a block's (property-registered or -updated) or
the completion finding it so. abc9196 refuses a recharge on a communal repair when it is
asked for (no household lives at a block), and ff5b291 refused the approval of one held
before the block was known, but the recharge still waited for a manager's decline, the
only answer there is, counted in repairs.recharges_awaiting_approval meanwhile. Nothing
is published, as for a manager's decline (income never heard of it), and the same event
again declines nothing. `communal_repair` is refused as a manager's reason on a home's
repair (it would say something untrue)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated
from hearth_kit.db import Database
from repairs.models import Recharge
from repairs.work_orders import repository as register
from repairs.work_orders.repository import RegisterEntry
from services.repairs.tests.test_communal_issues import (
    a_uprn,
    complete,
    flat_registered,
    flat_updated,
)
from services.repairs.tests.test_handlers import consume
from services.repairs.tests.test_recharge_declined import (
    approve,
    awaiting_approval,
    decline,
    recharge_events,
)
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


async def recharge(db: Database, recharge_id: str) -> dict[str, Any]:
    async with db.sessionmaker() as session:
        row = (
            await session.execute(select(Recharge).where(Recharge.id == uuid.UUID(recharge_id)))
        ).scalar_one()
        return {
            "status": str(row.status),
            "decline_reason": row.decline_reason and str(row.decline_reason),
            "declined_by": row.declined_by,
            "declined_at": row.declined_at,
            "raised_at": row.raised_at,
        }


async def named_a_block_before_this_release(db: Database, flat: str, block: str) -> None:
    """The register's copy names the block, as a database carried over from before held
    recharges were declined by the register's events holds it (the recharge still
    held): written as the handler's first statement writes it, without the decline."""
    entry = RegisterEntry(
        uprn=flat,
        address_line_1="Flat 3, Morning Lane House",
        address_line_2=None,
        town="London",
        postcode="E9 6NA",
        block_id=block,
        as_of=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
    )
    async with db.sessionmaker() as session, session.begin():
        await register.save_homes(session, [entry])


@pytest.mark.parametrize("named_by", ["registered", "updated"])
async def test_a_held_recharge_is_declined_when_the_register_names_its_repairs_uprn_a_block(
    staff: httpx.AsyncClient, repairs_database: Database, named_by: str
) -> None:
    block, flat = a_uprn(), a_uprn()
    _, recharge_id = await held_at(staff, repairs_database, block)
    held_before = await awaiting_approval(staff)
    naming: Envelope[PropertyRegistered] | Envelope[PropertyUpdated]
    if named_by == "registered":
        naming = flat_registered(flat, block)
    else:
        await consume(repairs_database, [flat_registered(flat, None)])  # a house, first
        assert (await recharge(repairs_database, recharge_id))["status"] == "awaiting_approval"
        naming = flat_updated(flat, block, hours=1)

    await consume(repairs_database, [naming])

    declined = await recharge(repairs_database, recharge_id)
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "communal_repair"
    assert declined["declined_by"] is None  # repairs declined it; no manager did
    assert declined["declined_at"] is not None
    assert declined["raised_at"] is None
    assert await recharge_events(repairs_database, block) == []
    assert await awaiting_approval(staff) == held_before - 1

    # The same event delivered again, and another naming the same block, change nothing.
    await consume(repairs_database, [naming])
    await consume(repairs_database, [flat_registered(a_uprn(), block, hours=2)])
    assert await recharge(repairs_database, recharge_id) == declined
    assert await recharge_events(repairs_database, block) == []

    # It is decided: neither the approval nor a manager's decline finds it held.
    for refused in (await approve(staff, recharge_id), await decline(staff, recharge_id)):
        assert refused.status_code == 409, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["status"]


async def test_a_recharge_held_at_a_home_is_not_declined_by_the_register(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    home = a_uprn()
    _, recharge_id = await held_at(staff, repairs_database, home)
    await consume(repairs_database, [flat_registered(home, a_uprn())])  # the home is a flat

    assert (await recharge(repairs_database, recharge_id))["status"] == "awaiting_approval"


async def test_a_held_recharge_is_declined_when_the_completion_finds_its_repair_communal(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    block, flat = a_uprn(), a_uprn()
    repair_id, recharge_id = await held_at(staff, repairs_database, block)
    await named_a_block_before_this_release(repairs_database, flat, block)

    # Held still, the approval is refused (ff5b291): nothing raised.
    refused = await approve(staff, recharge_id)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["repair_id"]
    assert "communal_repair" in refused.json()["detail"]
    assert (await recharge(repairs_database, recharge_id))["status"] == "awaiting_approval"

    assert await complete(staff, repairs_database, repair_id, block) is True

    declined = await recharge(repairs_database, recharge_id)
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "communal_repair"
    assert declined["declined_by"] is None
    assert await recharge_events(repairs_database, block) == []


async def test_a_manager_may_still_decline_one_held_before_this_release_as_communal(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    block, flat = a_uprn(), a_uprn()
    _, recharge_id = await held_at(staff, repairs_database, block)
    await named_a_block_before_this_release(repairs_database, flat, block)

    declined = await decline(staff, recharge_id, "communal_repair")
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "communal_repair"
    assert declined.json()["declined_by"] is not None
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
