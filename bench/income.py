"""Income at stock size: the weekly rent run and an account summary with 5 years of
history.

For each size (10,000 and 100,000 rent accounts at --scale 1) on a fresh migrated
database:

- rent run: every current rent account charged one rent week, `run_until_done` over
  the scheduler's batch (500 accounts: rent and service charge entries under the unique
  key, one rent-charged each through the outbox), then once more when nothing is left;
- summary: one account with 5 years of weekly charges and payments (520 entries) among
  the others, its summary (balance, arrears, stage, arrangement, last payment) asked
  for 50 times; the median is reported.

The rent run's large-to-small ratio shows it linear (10x the accounts: at most 11x the
time); the summary's ratio shows it does not grow with the number of accounts."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.workbench import Workbench
from hearth_contracts.events.income import ArrearsStage, PaymentMethod, TenancyType
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from income.accounts.service import AccountService
from income.models import (
    Account,
    AccountKind,
    ArrearsCase,
    EntryKind,
    LedgerEntry,
    Tenancy,
    TenancyStatus,
)
from income.rent_run.service import RentRun
from income.settings import IncomeSettings

WEEK = date(2027, 4, 5)
NOW = datetime(2027, 4, 5, 6, 0, tzinfo=UTC)
LINEAR_LIMIT = 11.0
CHUNK = 2_000
HISTORY_WEEKS = 5 * 52


async def add_rows(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.sessionmaker() as session, session.begin():
            await session.execute(insert(model), rows[start : start + CHUNK])


async def seed(db: Database, count: int) -> uuid.UUID:
    """`count` current tenancies with rent accounts; the first has 5 years of history."""
    tenancies, accounts, cases = [], [], []
    for number in range(count):
        tenancy_id, account_id = uuid.uuid4(), uuid.uuid4()
        tenancies.append(
            {
                "id": tenancy_id,
                "tenancy_reference": f"B{number:09d}",
                "uprn": str(10**10 + number),
                "start_date": date(2022, 4, 4),
                "tenancy_type": TenancyType.SECURE,
                "weekly_rent_pence": 9_000 + number % 3_000,
                "weekly_service_charge_pence": 700 if number % 4 == 0 else 0,
                "status": TenancyStatus.CURRENT,
                "created_at": NOW,
                "version": 1,
            }
        )
        accounts.append(
            {
                "id": account_id,
                "tenancy_id": tenancy_id,
                "uprn": str(10**10 + number),
                "kind": AccountKind.RENT,
                "opened_on": date(2022, 4, 4),
            }
        )
        cases.append(
            {
                "account_id": account_id,
                "tenancy_id": tenancy_id,
                "stage": ArrearsStage.NONE,
                "next_check_at": NOW + timedelta(days=1),
                "resume_at_next_step": False,
                "paused_for_review": False,
                "benefit_claim_pending": False,
            }
        )
    await add_rows(db, Tenancy, tenancies)
    await add_rows(db, Account, accounts)
    await add_rows(db, ArrearsCase, cases)
    history_account = uuid.UUID(str(accounts[0]["id"]))
    history = []
    for weeks_ago in range(1, HISTORY_WEEKS + 1):
        week = WEEK - timedelta(weeks=weeks_ago)
        history.append(
            {
                "id": uuid.uuid4(),
                "account_id": history_account,
                "kind": EntryKind.RENT,
                "amount_pence": 9_000,
                "effective_on": week,
                "posted_at": NOW,
                "charge_week": week,
            }
        )
        history.append(
            {
                "id": uuid.uuid4(),
                "account_id": history_account,
                "kind": EntryKind.PAYMENT,
                "amount_pence": -9_000,
                "effective_on": week + timedelta(days=3),
                "posted_at": NOW,
                "payment_method": PaymentMethod.DIRECT_DEBIT,
            }
        )
    await add_rows(db, LedgerEntry, history)
    async with db.engine.connect() as connection:
        # Statistics as autovacuum would have gathered them on a live database: without
        # them the planner guesses at freshly loaded tables.
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    return history_account


async def one_size(bench: Workbench, count: int) -> dict[str, Any]:
    db = Database(await bench.service_database("income"))
    try:
        history_account = await seed(db, count)
        settings = IncomeSettings()
        run = RentRun(settings)
        job = ScheduledJob(
            "rent-run",
            timedelta(hours=1),
            lambda session, now: run.charge_batch(session, WEEK, now),
        )
        started = time.perf_counter()
        charged = await run_until_done(db, job, NOW, service="income")
        run_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = await run_until_done(db, job, NOW, service="income")
        quiet_seconds = time.perf_counter() - started
        accounts = AccountService(settings)
        timings = []
        for _ in range(50):
            # As the endpoint reads it: the read connection (ReadConnectionDep).
            started = time.perf_counter()
            summary = await accounts.summary(db.reader, history_account, NOW)
            timings.append(time.perf_counter() - started)
        return {
            "accounts": count,
            "rent_run_seconds": round(run_seconds, 3),
            "accounts_charged": charged,
            "accounts_per_second": round(charged / run_seconds) if run_seconds else None,
            "quiet_rent_run_seconds": round(quiet_seconds, 3),
            "quiet_rent_run_charged": again,
            "summary_history_entries": HISTORY_WEEKS * 2 + 1,
            "summary_balance_pence": summary.balance_pence,
            "summary_median_ms": round(statistics.median(timings) * 1000, 2),
        }
    finally:
        await db.dispose()


async def run_income(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """The rent run and the summary at 10,000 and 100,000 accounts (times `scale`),
    side by side in one run, with the large-to-small ratios."""
    small_count = max(100, round(10_000 * scale))
    small = await one_size(bench, small_count)
    large = await one_size(bench, small_count * 10)
    run_ratio = large["rent_run_seconds"] / small["rent_run_seconds"]
    summary_ratio = large["summary_median_ms"] / small["summary_median_ms"]
    return {
        "small": small,
        "large": large,
        "rent_run_ratio": round(run_ratio, 2),
        "summary_ratio": round(summary_ratio, 2),
        "linear_limit": LINEAR_LIMIT,
        "rent_run_linear": run_ratio <= LINEAR_LIMIT,
        "summary_linear": summary_ratio <= LINEAR_LIMIT,
    }


async def income_step(bench: Workbench, scale: float) -> dict[str, Any]:
    """The `income` part of `python -m bench`."""
    return {"income": await run_income(bench, scale=scale)}


def income_rows(found: dict[str, Any], row: Any) -> list[str]:
    """The benchmark table's rows for the income part (`row` is the table's formatter)."""
    small, large = found["small"], found["large"]
    return [
        row(
            f"income rent run, {large['accounts']:,} vs {small['accounts']:,} accounts",
            f"{large['rent_run_seconds']:.1f} s",
            f"{small['rent_run_seconds']:.1f} s",
            f"{found['rent_run_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["rent_run_linear"],
        ),
        row(
            "  summary, 5 years of history (median)",
            f"{large['summary_median_ms']:.1f} ms",
            f"{small['summary_median_ms']:.1f} ms",
            f"{found['summary_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["summary_linear"],
        ),
    ]
