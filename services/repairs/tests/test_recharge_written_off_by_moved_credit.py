"""A write-off's credit moved onto a recharge by income (a recharge cancelled freed it)
comes as a correction, `settled_by` write_off, leaving nothing owed: the recharge is
written off, neither owed nor collected (docs/adr/0183). Income used to say such credit
was a payment, paid in full, and repairs counted the recharge collected though nothing
was paid on it. Handled through repairs' inbox, as the consumer does."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from hearth_kit.db import Database
from services.repairs.tests.test_recharge_written_off import a_recharge, event, figures, handle
from services.repairs.tests.test_recharges import status_of


async def test_a_write_offs_credit_moved_onto_a_recharge_writes_it_off(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    # June 2023: a period no other test pays into or writes off in.
    at = datetime(2023, 6, 5, 10, tzinfo=UTC)
    moved = event(recharge, 12_000, 0, at, settled_by="write_off", correction=True)
    await handle(repairs_database, moved)
    assert await status_of(repairs_database, recharge) == "written_off"
    assert await figures(staff, "2023-06-01", "2023-06-30") == {"collected": 0, "written_off": 1}
