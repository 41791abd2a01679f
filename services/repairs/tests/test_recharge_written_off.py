"""Income's write-off of a recharge (recharge-paid, `settled_by` write_off) makes it
written off: owed no more, and not collected, since nothing was paid; its undoing (a
correction, `settled_by` write_off) makes it owed again (docs/adr/0179). Before,
repairs heard nothing of a write-off and kept the recharge owed for ever. Handled
through repairs' inbox, as the consumer does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import RechargePaid
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from repairs.handlers import build_handlers
from repairs.settings import RepairsSettings
from repairs.work_orders.service import RepairService
from services.repairs.tests.test_recharges import RECHARGE, a_repair, status_of

handlers = build_handlers(RepairService())

# February 2023: a period no other test pays into or writes off in.
PAID = datetime(2023, 2, 6, 10, 30, tzinfo=UTC)
WRITTEN_OFF = datetime(2023, 2, 20, 11, tzinfo=UTC)
UNDONE = datetime(2023, 2, 27, 9, tzinfo=UTC)


async def handle(db: Database, *events: dict[str, Any]) -> None:
    """Income's recharge-paid payloads through repairs' inbox, in one run."""
    settings = RepairsSettings(environment="development")
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    batch = [
        (Message("t", 0, n, None, None, ()), Envelope(data=RechargePaid.model_validate(e)))
        for n, e in enumerate(events)
    ]
    async with db.sessionmaker() as session, session.begin():
        await inbox.apply(session, batch)


def event(
    recharge: dict[str, Any], amount: int, outstanding: int, at: datetime, **more: Any
) -> dict[str, Any]:
    """A recharge-paid as income publishes it: paid and posted `at`."""
    return {
        "recharge_id": recharge["id"],
        "repair_id": recharge["repair_id"],
        "uprn": recharge["uprn"],
        "amount_pence": amount,
        "outstanding_pence": outstanding,
        "paid_in_full": outstanding == 0 and more.get("settled_by") != "write_off",
        "paid_at": at.isoformat(),
        "posted_at": at.isoformat(),
        **more,
    }


async def a_recharge(staff: httpx.AsyncClient) -> dict[str, Any]:
    repair_id = await a_repair(staff, str(random.randint(10**9, 10**12 - 1)))
    response = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert response.status_code == 201, response.text
    recharge: dict[str, Any] = response.json()
    return recharge


async def figures(staff: httpx.AsyncClient, first: str, last: str) -> dict[str, int]:
    response = await staff.get("/v1/repairs/figures", params={"from": first, "to": last})
    assert response.status_code == 200, response.text
    measures = {m["code"]: m["value"] for m in response.json()["measures"]}
    return {
        "collected": int(measures["repairs.recharges_collected"]),
        "written_off": int(measures["repairs.recharges_written_off"]),
    }


async def test_a_written_off_recharge_is_neither_owed_nor_collected_until_it_is_undone(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    await handle(repairs_database, event(recharge, 2_000, 10_000, PAID))
    assert await status_of(repairs_database, recharge) == "raised"

    # The former tenant's arrears written off: the 10,000 left on the recharge with them.
    written_off = event(recharge, 10_000, 0, WRITTEN_OFF, settled_by="write_off")
    await handle(repairs_database, written_off)
    assert await status_of(repairs_database, recharge) == "written_off"
    assert await figures(staff, "2023-02-01", "2023-02-28") == {"collected": 0, "written_off": 1}
    assert await figures(staff, "2023-02-01", "2023-02-19") == {"collected": 0, "written_off": 0}

    # The write-off undone: owed again, written off in no period.
    undone = event(recharge, 10_000, 10_000, UNDONE, settled_by="write_off", correction=True)
    await handle(repairs_database, undone)
    assert await status_of(repairs_database, recharge) == "raised"
    assert await figures(staff, "2023-02-01", "2023-02-28") == {"collected": 0, "written_off": 0}
    # The write-off arriving again late (a replayed dead letter) changes nothing.
    await handle(repairs_database, written_off)
    assert await status_of(repairs_database, recharge) == "raised"

    # Written off again, then the rest paid after all by credit moved onto it: collected.
    again = UNDONE + timedelta(hours=1)
    await handle(repairs_database, event(recharge, 10_000, 0, again, settled_by="write_off"))
    assert await status_of(repairs_database, recharge) == "written_off"
    paid_later = event(recharge, 10_000, 0, again + timedelta(hours=1), correction=True)
    await handle(repairs_database, paid_later)
    assert await status_of(repairs_database, recharge) == "collected"
    assert await figures(staff, "2023-02-01", "2023-02-28") == {"collected": 1, "written_off": 0}


async def test_a_write_off_of_part_leaves_the_rest_owed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    at = datetime(2023, 3, 6, 10, tzinfo=UTC)
    part = event(recharge, 4_000, 8_000, at, settled_by="write_off")
    await handle(repairs_database, part)
    assert await status_of(repairs_database, recharge) == "raised"
    assert await figures(staff, "2023-03-01", "2023-03-31") == {"collected": 0, "written_off": 0}


async def test_an_event_without_settled_by_is_a_payment(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    at = datetime(2023, 4, 3, 10, tzinfo=UTC)
    await handle(repairs_database, event(recharge, 12_000, 0, at))
    assert await status_of(repairs_database, recharge) == "collected"
    assert await figures(staff, "2023-04-01", "2023-04-30") == {"collected": 1, "written_off": 0}
