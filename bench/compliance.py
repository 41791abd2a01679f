"""Compliance at stock size: the import of a homes file and the daily sweep.

For each size (10,000 and 100,000 homes at --scale 1) on a fresh migrated database:

- import: a homes CSV of N rows through `HomeService.import_file`, in one transaction
  as `POST /v1/homes/import` runs it (homes, their gas and EICR checks, one
  property-registered each); and the same size of file a transaction per 1,000 rows,
  as `hearth import homes` runs it, on a database of its own;
- sweep: N more checks (a smoke and CO alarm check per home: 3N checks in all) with due
  dates spread from 200 days ago to a year ahead, then the daily sweep run to the end
  (`run_until_done`, batches of 500: check-due, certificate-expired, escalations), and
  once more when nothing is left (the cost of a quiet day).

The ratio of the large run's time to the small one's shows whether the work is linear
in the stock (10x the homes: at most 11x the time). The bench's own CPU time is given
beside the wall-clock time: on a shared machine the wall clock also counts waiting for
a busy PostgreSQL, the CPU time only this process's work."""

from __future__ import annotations

import io
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from bench.workbench import Workbench
from compliance.app import scheduled_jobs
from compliance.checks.rules import add_months
from compliance.checks.service import ProgrammeService
from compliance.homes.schemas import ImportResult
from compliance.homes.service import HomeService, StatisticsAsTheStockGrows, read_homes_csv
from compliance.models import Check, Subject
from compliance.settings import Programme
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from hearth_kit.tables import outbox_message

NOW = datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
TODAY = date(2027, 6, 1)
HEADER = (
    "uprn,address_line_1,town,postcode,property_type,heating_fuel,gas_supply,"
    "gas_certificate_expires_on,electrical_certificate_expires_on"
)
LINEAR_LIMIT = 11.0


def homes_file(count: int, seed: int) -> str:
    """A stock file of `count` gas homes with certificates expiring across the year."""
    rng = random.Random(seed)
    lines = [HEADER]
    for number in range(count):
        uprn = str(10**10 + seed * 10**7 + number)
        gas = TODAY + timedelta(days=rng.randint(-200, 365))
        eicr = TODAY + timedelta(days=rng.randint(-200, 1800))
        lines.append(f"{uprn},{number} Mare Street,London,E8 1DY,flat,gas,live,{gas},{eicr}")
    return "\n".join(lines) + "\n"


async def add_alarm_checks(db: Database, count: int, seed: int) -> None:
    """One more open check per home (an alarm check), in chunks."""
    rng = random.Random(seed + 1)
    rows = []
    for number in range(count):
        due_by = TODAY + timedelta(days=rng.randint(-200, 365))
        rows.append(
            {
                "id": uuid.uuid4(),
                "uprn": str(10**10 + seed * 10**7 + number),
                "subject": Subject.HOME,
                "check_type": CheckType.SMOKE_CO_ALARMS,
                "due_by": due_by,
                "due_from": due_by - timedelta(days=60),
                "escalate_on": add_months(due_by, 3),
                "certificate_expires_on": due_by,
                "created_at": NOW,
                "access_attempts": 0,
                "no_access_attempts": 0,
                "ladder_steps_taken": 0,
            }
        )
    for start in range(0, len(rows), 10_000):
        async with db.sessionmaker() as session, session.begin():
            await session.execute(insert(Check), rows[start : start + 10_000])


async def import_batched(bench: Workbench, programme: ProgrammeService, text: str) -> float:
    """The same size of file as `hearth import homes` takes it: a transaction a batch, on
    a database of its own. Returns the seconds."""
    db = Database(await bench.service_database("compliance"))
    try:
        service = HomeService(programme)
        total = ImportResult(rows=0, registered=0, updated=0, unchanged=0, rejected=0, errors=[])
        statistics = StatisticsAsTheStockGrows()
        started = time.perf_counter()
        for parsed in read_homes_csv(io.StringIO(text)):
            async with db.sessionmaker() as session, session.begin():
                await service.import_parsed(session, parsed, total, datetime.now(UTC), statistics)
        return time.perf_counter() - started
    finally:
        await db.dispose()


async def counts(db: Database) -> tuple[int, int]:
    async with db.sessionmaker() as session:
        checks = await session.scalar(select(func.count()).select_from(Check))
        events = await session.scalar(select(func.count()).select_from(outbox_message))
    return int(checks or 0), int(events or 0)


async def one_size(bench: Workbench, homes: int, seed: int) -> dict[str, Any]:
    db = Database(await bench.service_database("compliance"))
    try:
        programme = ProgrammeService(Programme())
        text = homes_file(homes, seed)
        started, cpu = time.perf_counter(), time.process_time()
        async with db.sessionmaker() as session, session.begin():
            imported = await HomeService(programme).import_file(session, text, datetime.now(UTC))
        import_seconds = time.perf_counter() - started
        import_cpu = time.process_time() - cpu
        assert imported.registered == homes, imported
        batched = await import_batched(bench, programme, homes_file(homes, seed + 100))
        await add_alarm_checks(db, homes, seed)
        checks, events_before = await counts(db)
        sweep = scheduled_jobs(programme)[0]
        started, cpu = time.perf_counter(), time.process_time()
        handled = await run_until_done(db, sweep, NOW, service="compliance")
        sweep_seconds = time.perf_counter() - started
        sweep_cpu = time.process_time() - cpu
        _, events_after = await counts(db)
        started = time.perf_counter()
        again = await run_until_done(db, sweep, NOW, service="compliance")
        quiet_seconds = time.perf_counter() - started
        return {
            "homes": homes,
            "checks": checks,
            "import_seconds": round(import_seconds, 3),
            "import_rows_per_second": round(homes / import_seconds),
            "import_cpu_seconds": round(import_cpu, 3),
            "import_batched_seconds": round(batched, 3),
            "sweep_seconds": round(sweep_seconds, 3),
            "sweep_items_handled": handled,
            "sweep_events_raised": events_after - events_before,
            "sweep_checks_per_second": round(checks / sweep_seconds),
            "sweep_cpu_seconds": round(sweep_cpu, 3),
            "quiet_sweep_seconds": round(quiet_seconds, 3),
            "quiet_sweep_items_handled": again,
        }
    finally:
        await db.dispose()


async def run_compliance(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """The import and the sweep at 10,000 and 100,000 homes (times `scale`), side by
    side in one run, with the large-to-small ratios."""
    small_homes = max(100, round(10_000 * scale))
    small = await one_size(bench, small_homes, seed=1)
    large = await one_size(bench, small_homes * 10, seed=2)
    import_ratio = large["import_seconds"] / small["import_seconds"]
    sweep_ratio = large["sweep_seconds"] / small["sweep_seconds"]
    batched_ratio = large["import_batched_seconds"] / small["import_batched_seconds"]
    return {
        "small": small,
        "large": large,
        "import_ratio": round(import_ratio, 2),
        "sweep_ratio": round(sweep_ratio, 2),
        "import_batched_ratio": round(batched_ratio, 2),
        "import_batched_linear": batched_ratio <= LINEAR_LIMIT,
        "import_cpu_ratio": round(large["import_cpu_seconds"] / small["import_cpu_seconds"], 2),
        "sweep_cpu_ratio": round(large["sweep_cpu_seconds"] / small["sweep_cpu_seconds"], 2),
        "linear_limit": LINEAR_LIMIT,
        "import_linear": import_ratio <= LINEAR_LIMIT,
        "sweep_linear": sweep_ratio <= LINEAR_LIMIT,
    }
