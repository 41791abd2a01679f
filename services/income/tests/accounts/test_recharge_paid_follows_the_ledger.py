"""Whatever is posted on a sundry account, in whatever order (payments, payments and
write-offs undone, recharges cancelled or invoiced, the tenancy ended, write-offs), the
state repairs keeps of each recharge from its latest recharge-paid is what the ledger
says (docs/adr/0179, 0183): owed what is outstanding, written off when nothing is owed
and a write-off's credit covers some of it, collected when payments cover all of it,
cancelled when its charge was reversed. And income tells a recharge only what changed
for it: at most one event per recharge per posting, none that leaves repairs' state as
it was. Seeded sequences, so a failure names the seed that found it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts.service import recharges_covered
from income.models import Account, EntryKind, LedgerEntry
from services.income.tests.accounts.test_recharge_written_off import APPROVER
from services.income.tests.accounts.test_recharges_paid import (
    pay,
    raise_recharge,
    recharges_paid,
)

State = tuple[Any, ...]


async def as_the_ledger_says(db: Database, sundry: str) -> dict[str, State]:
    async with db.sessionmaker() as session:
        account = await session.get(Account, uuid.UUID(sundry))
        assert account is not None
        covered = await recharges_covered(session, account)
        reversed_ids = set(
            (
                await session.scalars(
                    select(LedgerEntry.reverses_entry_id).where(
                        LedgerEntry.account_id == account.id
                    )
                )
            ).all()
        )
    said: dict[str, State] = {}
    for entry, left, by_write_off in covered:
        if entry.id in reversed_ids:
            said[str(entry.recharge_id)] = ("cancelled",)
        elif left > 0:
            said[str(entry.recharge_id)] = ("owed", left)
        else:
            said[str(entry.recharge_id)] = ("written_off",) if by_write_off else ("collected",)
    return said


def as_repairs_keeps_it(events: list[dict[str, Any]], charged: dict[str, int]) -> dict[str, State]:
    """Each recharge's state from its latest event (raised and owed in full without one);
    two events for one recharge at one posting fail here (repairs could not order them)."""
    latest: dict[str, dict[str, Any]] = {}
    postings: set[tuple[str, str]] = set()
    for event in events:
        posting = (event["recharge_id"], event["posted_at"])
        assert posting not in postings, ("two events for one recharge at one posting", event)
        postings.add(posting)
        latest[event["recharge_id"]] = event
    kept: dict[str, State] = {}
    for recharge_id, amount in charged.items():
        event = latest.get(recharge_id)
        if event is None:
            kept[recharge_id] = ("owed", amount)
        elif event["cancelled"]:
            kept[recharge_id] = ("cancelled",)
        elif event["outstanding_pence"] > 0:
            kept[recharge_id] = ("owed", event["outstanding_pence"])
        elif event["settled_by"] == "write_off":
            kept[recharge_id] = ("written_off",)
        else:
            kept[recharge_id] = ("collected",) if event["paid_in_full"] else ("raised", event)
    return kept


@pytest.mark.parametrize("seed", range(10))
async def test_recharge_paid_follows_the_ledger_whatever_is_posted(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, seed: int
) -> None:
    pick = random.Random(seed)
    tenancy = await start_tenancy(start_date="2026-01-05")
    uprn = tenancy["uprn"]
    charged: dict[str, int] = {}

    async def invoice() -> None:
        amount = pick.choice([1_000, 2_000, 3_000, 5_000])
        raised = datetime(2026, pick.randint(1, 6), pick.choice([10, 20]), tzinfo=UTC)
        charged[str((await raise_recharge(income_database, uprn, amount, raised)).recharge_id)] = (
            amount
        )

    for _ in range(pick.randint(2, 4)):
        await invoice()
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    today = london_day(datetime.now(UTC))
    ended = False
    done: list[tuple[Any, ...]] = []
    for _ in range(20):
        async with income_database.sessionmaker() as session:
            entries = (
                await session.scalars(
                    select(LedgerEntry).where(LedgerEntry.account_id == uuid.UUID(sundry))
                )
            ).all()
        undone = {e.reverses_entry_id for e in entries if e.reverses_entry_id}
        balance = sum(e.amount_pence for e in entries)
        before = await recharges_paid(income_database, uprn)
        was = as_repairs_keeps_it(before, charged)
        step = pick.choice(
            ["pay", "pay", "undo", "cancel", "end", "write_off", "write_off", "invoice"]
        )
        if step == "invoice":
            await invoice()
        elif step == "pay":
            amount = pick.choice([1_000, 2_000, 3_000, 4_000])
            if ended:  # former tenant arrears take no more than is owed
                amount = min(amount, balance)
                if amount <= 0:
                    continue
            assert (await pay(income, sundry, amount, today)).status_code == 201
        elif step in ("undo", "cancel"):
            kinds = (
                (EntryKind.PAYMENT, EntryKind.WRITE_OFF)
                if step == "undo"
                else (EntryKind.RECHARGE,)
            )
            standing = [e for e in entries if e.kind in kinds and e.id not in undone]
            if not standing:
                continue
            entry = pick.choice(standing)
            reversed_ = await income.post(
                f"/v1/rent-accounts/{sundry}/entries/{entry.id}/reversal",
                json={"reason": "raised_in_error"},
                auth=APPROVER,
            )
            assert reversed_.status_code in (201, 422), reversed_.text  # 422: past the limit
        elif step == "end":
            if ended:
                continue
            end = await income.post(
                f"/v1/tenancies/{tenancy['id']}/end",
                json={"end_date": "2026-06-28", "reason": "abandonment"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert end.status_code == 200, end.text
            ended = True
        else:
            if not ended or balance <= 0:
                continue
            written = await income.post(
                f"/v1/rent-accounts/{sundry}/write-offs",
                json={
                    "amount_pence": min(balance, pick.choice([1_000, 2_000, 5_000])),
                    "reason": "untraceable",
                },
                auth=APPROVER,
            )
            assert written.status_code in (201, 422), written.text  # 422: past the limit
        done.append(step)
        events = await recharges_paid(income_database, uprn)
        now = as_repairs_keeps_it(events, charged)
        assert now == await as_the_ledger_says(income_database, sundry), (seed, done)
        for event in events[len(before) :]:
            assert was.get(event["recharge_id"]) != now[event["recharge_id"]], (
                "an event that changed nothing for its recharge",
                seed,
                done,
                event,
            )
    assert len(done) >= 5, done
