"""Income's cancellation of a recharge (recharge-paid, `cancelled` true: staff reversed
its charge on the sundry account) makes it cancelled, for good: owed no more, and not
collected, whatever was paid of it (docs/adr/0176). Before, repairs heard nothing of a
cancellation and kept the recharge owed, or collected, for ever. Handled through
repairs' inbox, as the consumer does."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from hearth_kit.db import Database
from services.repairs.tests.test_recharge_written_off import a_recharge, event, figures, handle
from services.repairs.tests.test_recharges import status_of

# October 2022: a period no other test pays into, writes off or cancels in.
PAID = datetime(2022, 10, 3, 10, 30, tzinfo=UTC)
CANCELLED = datetime(2022, 10, 17, 11, tzinfo=UTC)


def cancellation(recharge: dict[str, object], at: datetime) -> dict[str, object]:
    """A cancellation as income publishes it: the whole charge, nothing owed, not paid."""
    return {
        **event(recharge, 12_000, 0, at, correction=True, cancelled=True),
        "paid_in_full": False,
    }


async def test_a_cancelled_recharge_is_neither_owed_nor_collected_for_good(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    owed = await a_recharge(staff)
    await handle(repairs_database, event(owed, 2_000, 10_000, PAID))
    assert await status_of(repairs_database, owed) == "raised"
    # Paid in full, then cancelled: its payment went to other recharges.
    collected = await a_recharge(staff)
    await handle(repairs_database, event(collected, 12_000, 0, PAID))
    assert await status_of(repairs_database, collected) == "collected"
    assert await figures(staff, "2022-10-01", "2022-10-31") == {"collected": 1, "written_off": 0}

    await handle(
        repairs_database, cancellation(owed, CANCELLED), cancellation(collected, CANCELLED)
    )
    assert await status_of(repairs_database, owed) == "cancelled"
    assert await status_of(repairs_database, collected) == "cancelled"
    assert await figures(staff, "2022-10-01", "2022-10-31") == {"collected": 0, "written_off": 0}

    # The payment arriving again late (a replayed dead letter) changes nothing, nor
    # does the cancellation replayed.
    await handle(repairs_database, event(collected, 12_000, 0, PAID), cancellation(owed, CANCELLED))
    assert await status_of(repairs_database, collected) == "cancelled"
    assert await status_of(repairs_database, owed) == "cancelled"
    assert await figures(staff, "2022-10-01", "2022-10-31") == {"collected": 0, "written_off": 0}
