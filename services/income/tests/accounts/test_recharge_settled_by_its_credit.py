"""Credit moved between recharges is announced by the kind of credit now covering the
recharge it moved to (docs/adr/0183). A recharge cancelled frees what was paid or
written off on it and the next recharges take it; recharge-paid said `settled_by`
payment (paid in full) for them whatever the credit was, so a write-off's credit
freed by a cancellation made repairs count the next recharge collected, though nothing
was paid on it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import select

from hearth_contracts.events.income import RechargePaid
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts import rules
from income.models import LedgerEntry
from services.income.tests.accounts.test_recharge_written_off import APPROVER, settled
from services.income.tests.accounts.test_recharges_paid import (
    pay,
    recharges_paid,
    two_recharges,
)


async def _end(income: httpx.AsyncClient, tenancy_id: str) -> None:
    ended = await income.post(
        f"/v1/tenancies/{tenancy_id}/end",
        json={"end_date": "2026-03-29", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text


async def _cancel(
    income: httpx.AsyncClient, income_database: Database, sundry: str, recharge: Any
) -> None:
    async with income_database.sessionmaker() as session:
        entry_id = (
            await session.scalars(
                select(LedgerEntry.id).where(LedgerEntry.recharge_id == recharge.recharge_id)
            )
        ).one()
    cancelled = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{entry_id}/reversal",
        json={"reason": "raised_in_error"},
        auth=APPROVER,
    )
    assert cancelled.status_code == 201, cancelled.text


async def test_a_write_offs_credit_freed_by_a_cancellation_settles_the_next_as_written_off(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy, uprn, older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, start_date="2026-01-05"
    )
    await _end(income, tenancy["id"])
    # 5,000 written off: the older recharge, in full; the newer still owes 3,000.
    written = await income.post(
        f"/v1/rent-accounts/{sundry}/write-offs",
        json={"amount_pence": 5_000, "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text
    assert [settled(e) for e in await recharges_paid(income_database, uprn)] == [
        (*first, 5_000, 0, False, "write_off", False),
    ]

    # The older recharge cancelled: the write-off's 5,000 it held covers the newer one.
    # Nothing was paid on it: written off, not paid in full (was: payment, in full).
    await _cancel(income, income_database, sundry, older)
    events = (await recharges_paid(income_database, uprn))[1:]
    assert [(*settled(e), e["cancelled"]) for e in events] == [
        (*second, 3_000, 0, False, "write_off", True, False),
        (*first, 5_000, 0, False, "payment", True, True),
    ]


async def test_payments_credit_freed_by_a_cancellation_still_pays_the_next_in_full(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A paid recharge cancelled on an account with a write-off too: money counts as
    paying what it can, the write-off covers what money left (it took off what was
    owed after the payments), so the newer recharge, covered by the payment alone, is
    paid in full as before."""
    tenancy, uprn, older, _newer, _first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, start_date="2026-01-05"
    )
    assert (await pay(income, sundry, 5_000, london_day(datetime.now(UTC)))).status_code == 201
    await _end(income, tenancy["id"])
    written = await income.post(
        f"/v1/rent-accounts/{sundry}/write-offs",
        json={"amount_pence": 1_000, "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text
    assert [settled(e) for e in (await recharges_paid(income_database, uprn))[1:]] == [
        (*second, 1_000, 2_000, False, "write_off", False),
    ]

    # The older (paid) recharge cancelled: 6,000 of credit, 5,000 of it paid, covers
    # the newer recharge's 3,000 with money alone: paid in full, by payment.
    await _cancel(income, income_database, sundry, older)
    [moved] = [e for e in (await recharges_paid(income_database, uprn))[2:] if not e["cancelled"]]
    assert settled(moved) == (*second, 2_000, 0, True, "payment", True)


async def test_a_payment_moves_a_write_offs_cover_onto_the_next_recharge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two recharges of 5,000; 3,000 of the older written off; then 7,000 paid. Money
    pays what it can (the older 5,000, the newer 2,000) and the write-off covers what
    money left (the newer's last 3,000): the older is paid in full by payment, the newer
    settled by the write-off, not paid in full (was: both paid in full, 10,000 counted
    collected for 7,000 paid)."""
    tenancy, uprn, _older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, newer_pence=5_000, start_date="2026-01-05"
    )
    await _end(income, tenancy["id"])
    written = await income.post(
        f"/v1/rent-accounts/{sundry}/write-offs",
        json={"amount_pence": 3_000, "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text

    assert (await pay(income, sundry, 7_000, london_day(datetime.now(UTC)))).status_code == 201

    events = (await recharges_paid(income_database, uprn))[1:]
    assert [settled(e) for e in events] == [
        (*first, 2_000, 0, True, "payment", False),
        (*second, 5_000, 0, False, "write_off", False),
    ]


def test_the_written_off_share_of_the_credits_comes_after_the_paid() -> None:
    # 8,000 of recharges, 6,000 of credit of which 1,000 written off: money pays the
    # first 5,000, the write-off the next 1,000.
    assert rules.recharges_written_off([5_000, 3_000], 6_000, 1_000) == [0, 1_000]
    assert rules.recharges_written_off([5_000, 3_000], 6_000, 3_000) == [2_000, 1_000]
    assert rules.recharges_written_off([3_000], 5_000, 5_000) == [3_000]
    # no write-off, no credit, or a write-off beyond the credits (a payment reversed)
    assert rules.recharges_written_off([5_000, 3_000], 6_000, 0) == [0, 0]
    assert rules.recharges_written_off([5_000], -100, 1_000) == [0]
    assert rules.recharges_written_off([5_000, 3_000], 2_000, 4_000) == [2_000, 0]


async def _write_off(income: httpx.AsyncClient, sundry: str, amount_pence: int) -> None:
    written = await income.post(
        f"/v1/rent-accounts/{sundry}/write-offs",
        json={"amount_pence": amount_pence, "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text


async def test_a_payment_reversed_slides_the_write_offs_cover_onto_the_older_recharge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two recharges of 5,000: the older paid in full, the newer written off. The
    payment returned: money pays nothing now, so the write-off covers the older one,
    which owes nothing before or after; the newer owes its 5,000. The older says it is
    written off (was: no event, and repairs kept it collected though nothing is paid)."""
    tenancy, uprn, _older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, newer_pence=5_000, start_date="2026-01-05"
    )
    payment = await pay(income, sundry, 5_000, london_day(datetime.now(UTC)))
    assert payment.status_code == 201, payment.text
    await _end(income, tenancy["id"])
    await _write_off(income, sundry, 5_000)
    assert [settled(e) for e in await recharges_paid(income_database, uprn)] == [
        (*first, 5_000, 0, True, "payment", False),
        (*second, 5_000, 0, False, "write_off", False),
    ]

    returned = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{payment.json()['entry']['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text
    events = (await recharges_paid(income_database, uprn))[2:]
    assert [settled(e) for e in events] == [
        (*second, 5_000, 5_000, False, "payment", True),
        (*first, 5_000, 0, False, "write_off", True),
    ]
    assert events[0]["posted_at"] == events[1]["posted_at"]


async def test_a_payment_slides_the_write_offs_cover_off_a_recharge_money_now_pays(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two recharges of 5,000: the older written off in full, then 5,000 paid. Money
    pays first: the older is paid in full by it, and the write-off covers the newer.
    Both say so (was: only the newer, and repairs kept the older written off, counting
    nothing collected for 5,000 paid)."""
    tenancy, uprn, _older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, newer_pence=5_000, start_date="2026-01-05"
    )
    await _end(income, tenancy["id"])
    await _write_off(income, sundry, 5_000)
    assert (await pay(income, sundry, 5_000, london_day(datetime.now(UTC)))).status_code == 201
    assert [settled(e) for e in (await recharges_paid(income_database, uprn))[1:]] == [
        (*second, 5_000, 0, False, "write_off", False),
        (*first, 5_000, 0, True, "payment", True),
    ]


def test_a_recharge_owing_nothing_whose_cover_changed_kind_is_found() -> None:
    # (outstanding, covered by write-offs) before and after, oldest first
    assert rules.cover_changes([(0, 0), (0, 5_000)], [(0, 5_000), (5_000, 0)]) == [
        rules.CoverChanged(index=0, moved_pence=5_000, by_write_off=True)
    ]
    assert rules.cover_changes([(0, 5_000), (5_000, 0)], [(0, 0), (0, 5_000)]) == [
        rules.CoverChanged(index=0, moved_pence=5_000, by_write_off=False)
    ]
    # still partly written off, still owing, or the recharge reversed itself: nothing
    assert rules.cover_changes([(0, 3_000), (2_000, 0)], [(0, 1_000), (1_000, 1_000)]) == []
    assert rules.cover_changes([(0, 5_000)], [(0, 0)], skip=0) == []


def test_the_contract_says_a_correction_may_change_only_the_kind_of_credit() -> None:
    """The two events above are `correction` true with nothing owed before or after: the
    field's published description (what repairs' engineers read in contracts/schemas)
    says so (was: 'a correction changed what is owed on the recharge, not a payment')."""
    schema = RechargePaid.model_json_schema()
    correction = schema["properties"]["correction"]["description"]
    assert "kind of credit" in correction
    assert "outstanding_pence` 0" in correction
