"""A recharge's state is its latest recharge-paid by when income posted it
(`posted_at`), not by the day the payment was received (`paid_at`): a cheque received
yesterday but posted after today's payment is the later word. An event from before
income sent `posted_at` counts as posted at its `paid_at`."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import RechargePaid
from hearth_kit.db import Database
from services.repairs.tests.test_recharges import (
    RECHARGE,
    a_payment,
    a_repair,
    collected,
    payments,
    status_of,
)

# Payments in November 2024, a period no other test pays into.
TODAY = datetime(2024, 11, 12, 10, 30, tzinfo=UTC)
YESTERDAY = datetime(2024, 11, 11, tzinfo=UTC)  # a day's start, as income stamps it


def posted(
    recharge: dict[str, object], paid: int, outstanding: int, paid_at: datetime, at: datetime
) -> Envelope[RechargePaid]:
    """A recharge-paid as income publishes it now: received `paid_at`, posted `at`."""
    event = a_payment(recharge, paid, outstanding, paid_at).data
    return Envelope(data=event.model_copy(update={"posted_at": at}))


async def a_recharge(staff: httpx.AsyncClient) -> dict[str, object]:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair_id = await a_repair(staff, uprn)
    response = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert response.status_code == 201, response.text
    recharge: dict[str, object] = response.json()
    return recharge


async def test_a_backdated_cheque_posted_after_todays_payment_collects_the_recharge(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The reviewer's sequence: a payment today leaves 50p owed; then a cheque received
    yesterday is posted, paying the rest. Its paid_at is older, its posting later."""
    recharge = await a_recharge(staff)
    # October 2024: a period only this test pays into
    now, yesterday = datetime(2024, 10, 22, 10, 30, tzinfo=UTC), datetime(2024, 10, 21, tzinfo=UTC)
    today = posted(recharge, 11_950, 50, now, now)
    cheque = posted(recharge, 50, 0, yesterday, now + timedelta(minutes=5))
    await payments(repairs_database, today)
    assert await status_of(repairs_database, recharge) == "raised"
    await payments(repairs_database, cheque)
    assert await status_of(repairs_database, recharge) == "collected"
    # Today's payment arriving again (a replayed dead letter) changes nothing.
    await payments(repairs_database, Envelope(data=today.data))
    assert await status_of(repairs_database, recharge) == "collected"
    # Collected in the period the cheque was received in.
    assert await collected(staff, "2024-10-21", "2024-10-21") == 1
    assert await collected(staff, "2024-10-22", "2024-10-31") == 0


async def test_the_latest_posting_wins_in_one_run_whatever_order_it_comes_in(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    today = posted(recharge, 11_950, 50, TODAY, TODAY)
    cheque = posted(recharge, 50, 0, YESTERDAY, TODAY + timedelta(minutes=5))
    await payments(repairs_database, cheque, today)
    assert await status_of(repairs_database, recharge) == "collected"


async def test_a_correction_posted_after_a_backdated_payment_makes_it_owed_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A cheque received yesterday paid it in full and bounced today: the correction is
    the latest posting; the cheque's event arriving late changes nothing."""
    recharge = await a_recharge(staff)
    cheque = posted(recharge, 12_000, 0, YESTERDAY, TODAY)
    returned_at = TODAY + timedelta(hours=2)
    bounced = posted(recharge, 12_000, 12_000, returned_at, returned_at)
    bounced = Envelope(data=bounced.data.model_copy(update={"correction": True}))
    await payments(repairs_database, cheque)
    assert await status_of(repairs_database, recharge) == "collected"
    await payments(repairs_database, bounced)
    assert await status_of(repairs_database, recharge) == "raised"
    await payments(repairs_database, Envelope(data=cheque.data))
    assert await status_of(repairs_database, recharge) == "raised"


async def test_an_event_without_posted_at_is_ordered_by_paid_at_and_before_any_with_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Events published before income sent posted_at: among themselves by paid_at, as
    before (a late older one changes nothing); one with posted_at (posted after every
    one of them) is later than any of them, and a late old one does not undo it."""
    recharge = await a_recharge(staff)
    old_part = a_payment(recharge, 10_000, 2_000, YESTERDAY)
    old_older = a_payment(recharge, 5_000, 7_000, YESTERDAY - timedelta(days=3))
    await payments(repairs_database, old_part)
    await payments(repairs_database, old_older)  # older by paid_at: ignored
    assert await status_of(repairs_database, recharge) == "raised"
    old_full = a_payment(recharge, 2_000, 0, YESTERDAY + timedelta(hours=9))
    await payments(repairs_database, old_full)
    assert await status_of(repairs_database, recharge) == "collected"

    # Posted now, though received the day before the old ones: the latest word.
    returned = posted(recharge, 2_000, 2_000, TODAY, TODAY)
    returned = Envelope(data=returned.data.model_copy(update={"correction": True}))
    await payments(repairs_database, returned)
    assert await status_of(repairs_database, recharge) == "raised"
    await payments(repairs_database, Envelope(data=old_full.data))  # late, old: ignored
    assert await status_of(repairs_database, recharge) == "raised"
    rest = posted(recharge, 2_000, 0, YESTERDAY - timedelta(days=1), TODAY + timedelta(hours=1))
    await payments(repairs_database, rest)
    assert await status_of(repairs_database, recharge) == "collected"
