"""Repairs at stock size: the availability search and the figures, each against the
same query's bare SQL in the same run.

On a fresh migrated database (sizes at --scale 1):

- availability: 10,000 open work orders at 10,000 homes, most with a booked
  appointment spread over the 28-day horizon across the trades and slots (so the
  capacity counts have rows to add up). `AppointmentService.availability` (what
  `GET /v1/appointments/availability` runs: the slot calendar, one grouped count of
  booked slots, the free places) is timed 200 times for random homes and pairs of
  trades; so is the bare SQL of its one query (the grouped count) run through the same
  driver. p50 and p99 of each, and the p99 ratio.
- figures: 200,000 repairs reported over a year (a mix of emergency, urgent, routine
  and planned; 90% completed, most on time), one work order each (the appointment,
  recharge and Awaab tables are empty: their queries are timed, on no rows).
  `figures(...)` for the year (what `GET /v1/repairs/figures` runs) timed 10
  times, beside the bare SQL of its aggregate queries; best and median, and the ratio.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import text

from bench.workbench import Workbench, connect
from hearth_contracts.events.repairs import RepairPriority, RepairSource
from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from hearth_kit.figures import Period
from hearth_kit.working_days import ENGLAND_AND_WALES, start_of_london_day
from repairs.appointments.service import AppointmentService
from repairs.figures.service import figures
from repairs.models import (
    Appointment,
    AppointmentStatus,
    BookedSlot,
    RepairRequest,
    RepairStatus,
    WorkOrder,
    WorkOrderStatus,
)
from repairs.settings import RepairsSettings

NOW = datetime.now(UTC)
TRADES = [Trade.PLUMBING, Trade.ELECTRICAL, Trade.CARPENTRY, Trade.PLASTERING, Trade.GENERAL]
PRIORITIES = (
    [RepairPriority.EMERGENCY] * 2 + [RepairPriority.URGENT] * 3 + [RepairPriority.ROUTINE] * 5
)
SEARCHES = 200
FIGURE_RUNS = 10
CHUNK = 50_000

BARE_AVAILABILITY = text(
    "SELECT trade, day, slot_name, count(*) FROM booked_slot "
    "WHERE trade IN (:a, :b) AND day >= :first AND day <= :last "
    "GROUP BY trade, day, slot_name"
)
BARE_FIGURES = [
    text(
        "SELECT sum(CASE WHEN priority = 'emergency' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN priority = 'emergency' AND completed_on_time THEN 1 ELSE 0 END), "
        "sum(CASE WHEN priority <> 'emergency' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN priority <> 'emergency' AND completed_on_time THEN 1 ELSE 0 END) "
        "FROM repair_request WHERE completed_at >= :start AND completed_at < :end"
    ),
    text(
        "SELECT priority, count(*) FROM repair_request "
        "WHERE reported_at >= :start AND reported_at < :end GROUP BY priority"
    ),
    text(
        "SELECT sum(CASE WHEN right_first_time THEN 1 ELSE 0 END), count(*) FROM work_order "
        "WHERE status = 'completed' AND completed_at >= :start AND completed_at < :end"
    ),
    text(
        "SELECT sum(CASE WHEN booked_at >= :start AND booked_at < :end "
        "AND rebooked_from_appointment_id IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN booked_at >= :start AND booked_at < :end "
        "AND rebooked_from_appointment_id IS NULL AND made_at_first_contact THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome_at >= :start AND outcome_at < :end AND status = 'kept' "
        "THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome_at >= :start AND outcome_at < :end AND status = 'missed' "
        "AND missed_by = 'landlord' THEN 1 ELSE 0 END) FROM appointment"
    ),
    text(
        "SELECT sum(CASE WHEN raised_at >= :start AND raised_at < :end THEN 1 ELSE 0 END), "
        "sum(CASE WHEN raised_at >= :start AND raised_at < :end THEN amount_pence ELSE 0 END), "
        "sum(CASE WHEN status = 'awaiting_approval' THEN 1 ELSE 0 END) FROM recharge"
    ),
    text(
        "SELECT count(*) FROM recharge_payment "
        "WHERE paid_in_full AND paid_at >= :start AND paid_at < :end"
    ),
    text("SELECT count(*) FROM awaab_case WHERE status = 'open'"),
    text("SELECT milestone, count(*) FROM awaab_clock WHERE stopped_at IS NULL GROUP BY milestone"),
    text(
        "SELECT milestone, count(*) FROM awaab_clock WHERE due_at >= :start AND due_at < :end "
        "AND (breach_raised_at IS NOT NULL OR stopped_at >= due_at) GROUP BY milestone"
    ),
]


async def server_ms(url: str, queries: list[Any], params: dict[str, Any]) -> float:
    """PostgreSQL's own execution time of the queries (EXPLAIN ANALYZE), in ms: what
    the database spends, apart from the driver, the pool and a loaded machine."""
    conn = await connect(url)
    total = 0.0
    try:
        for query in queries:
            sql, names = str(query), []
            for name in sorted(params, key=len, reverse=True):
                if f":{name}" in sql:
                    names.append(name)
            ordered = sorted(names, key=sql.index)
            for n, name in enumerate(ordered, start=1):
                sql = sql.replace(f":{name}", f"${n}")
            plan = await conn.fetch(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *(params[n] for n in ordered)
            )
            total += json.loads(plan[0][0])[0]["Execution Time"]
    finally:
        await conn.close()
    return round(total, 2)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def repair_rows(
    count: int, rng: random.Random, first: datetime, days: int, *, open_ratio: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Repairs reported over `days` from `first`, and one work order each."""
    repairs, orders = [], []
    for number in range(count):
        reported = first + timedelta(seconds=rng.randint(0, days * 86_400))
        priority = rng.choice(PRIORITIES)
        trade = rng.choice(TRADES)
        target = reported + timedelta(days={"emergency": 1, "urgent": 7}.get(priority, 28))
        completed = (
            None
            if rng.random() < open_ratio
            else reported + timedelta(hours=rng.randint(1, 24 * 35))
        )
        on_time = None if completed is None else completed <= target
        repair_id, uprn = uuid.uuid4(), str(10**10 + number)
        repairs.append(
            {
                "id": repair_id,
                "uprn": uprn,
                "description": "Bench repair",
                "location": "kitchen",
                "trade": trade,
                "priority": priority,
                "status": RepairStatus.OPEN if completed is None else RepairStatus.COMPLETED,
                "source": RepairSource.CONTACT_CENTRE,
                "reported_at": reported,
                "target_at": target,
                "created_at": reported,
                "completed_at": completed,
                "completed_on_time": on_time,
            }
        )
        orders.append(
            {
                "id": uuid.uuid4(),
                "repair_id": repair_id,
                "uprn": uprn,
                "contractor_id": "contractor-general",
                "priority": priority,
                "work_class": "responsive",
                "description": "Bench repair",
                "location": "kitchen",
                "trade": trade,
                "lines": [],
                "ordered_pence": 1250,
                "alerts": [],
                "reported_at": reported,
                "required_by": target,
                "status": WorkOrderStatus.RAISED
                if completed is None
                else WorkOrderStatus.COMPLETED,
                "status_changed_at": completed or reported,
                "raised_at": reported,
                "completed_at": completed,
                "completed_on_time": on_time,
                "right_first_time": None if completed is None else rng.random() < 0.85,
                "no_access_visits": 0,
                "photo_references": [],
            }
        )
    return repairs, orders


def _copy_value(value: Any) -> Any:
    """A Python value as asyncpg's binary COPY takes it (enums by value, JSON as text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return value


async def copy_rows(url: str, model: Any, rows: list[dict[str, Any]]) -> None:
    """Load rows with COPY (in chunks), then VACUUM ANALYZE, as on a live database.
    At scale 1 that is 200,000 repairs and as many work orders in seconds, where
    INSERTs took minutes."""
    if not rows:
        return
    table = model.__tablename__
    columns = list(rows[0])
    conn = await connect(url)
    try:
        for start in range(0, len(rows), CHUNK):
            await conn.copy_records_to_table(
                table,
                records=[
                    tuple(_copy_value(row[c]) for c in columns)
                    for row in rows[start : start + CHUNK]
                ],
                columns=columns,
            )
        # as autovacuum leaves a live table: statistics, and the visibility map that
        # lets an index-only scan skip the heap
        await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()


async def fill_bookings(
    url: str, settings: RepairsSettings, orders: list[dict[str, Any]], rng: random.Random
) -> int:
    """Book most of the open work orders into slots across the horizon."""
    appointments, slots = [], []
    today = NOW.date()
    for order in orders:
        if rng.random() < 0.2:
            continue
        day = today + timedelta(days=rng.randint(1, settings.booking_horizon_days))
        slot = rng.choice(settings.slots)
        appointment_id = uuid.uuid4()
        start = datetime.combine(day, slot.start, tzinfo=UTC)
        appointments.append(
            {
                "id": appointment_id,
                "uprn": order["uprn"],
                "contractor_id": order["contractor_id"],
                "day": day,
                "slot": slot.kind,
                "slot_name": slot.name,
                "window_start": start,
                "window_end": start + timedelta(hours=2),
                "trades": [order["trade"].value],
                "work_order_ids": [str(order["id"])],
                "status": AppointmentStatus.BOOKED,
                "made_at_first_contact": rng.random() < 0.9,
                "booked_at": NOW,
            }
        )
        slots.append(
            {
                "appointment_id": appointment_id,
                "trade": order["trade"],
                "day": day,
                "slot_name": slot.name,
            }
        )
    await copy_rows(url, Appointment, appointments)
    await copy_rows(url, BookedSlot, slots)
    return len(appointments)


async def availability_run(bench: Workbench, open_orders: int) -> dict[str, Any]:
    url = await bench.service_database("repairs")
    db = Database(url)
    rng = random.Random(6)
    settings = RepairsSettings(capacity_per_slot=10_000)
    try:
        repairs, orders = repair_rows(open_orders, rng, NOW - timedelta(days=10), 10, open_ratio=1)
        await copy_rows(url, RepairRequest, repairs)
        await copy_rows(url, WorkOrder, orders)
        booked = await fill_bookings(url, settings, orders, rng)
        service = AppointmentService(settings, ENGLAND_AND_WALES)
        ours, bare = [], []
        for _ in range(SEARCHES):
            trades = sorted(rng.sample(TRADES, 2))
            uprn = rng.choice(orders)["uprn"]
            started = time.perf_counter()
            async with db.sessionmaker() as session:
                found = await service.availability(session, uprn=uprn, trades=trades)
            ours.append(time.perf_counter() - started)
            assert found.slots
            started = time.perf_counter()
            async with db.sessionmaker() as session:
                await session.execute(
                    BARE_AVAILABILITY,
                    {
                        "a": trades[0].value,
                        "b": trades[1].value,
                        "first": NOW.date(),
                        "last": NOW.date() + timedelta(days=settings.booking_horizon_days),
                    },
                )
            bare.append(time.perf_counter() - started)
        return {
            "open_work_orders": open_orders,
            "booked_appointments": booked,
            "searches": SEARCHES,
            "p50_ms": round(statistics.median(ours) * 1000, 2),
            "p99_ms": round(percentile(ours, 99) * 1000, 2),
            "bare_sql_p50_ms": round(statistics.median(bare) * 1000, 2),
            "bare_sql_p99_ms": round(percentile(bare, 99) * 1000, 2),
            "p99_ratio": round(percentile(ours, 99) / percentile(bare, 99), 2),
            "postgres_execution_ms": await server_ms(
                url,
                [BARE_AVAILABILITY],
                {
                    "a": TRADES[0].value,
                    "b": TRADES[4].value,
                    "first": NOW.date(),
                    "last": NOW.date() + timedelta(days=settings.booking_horizon_days),
                },
            ),
        }
    finally:
        await db.dispose()


async def figures_run(bench: Workbench, repair_count: int) -> dict[str, Any]:
    url = await bench.service_database("repairs")
    db = Database(url)
    rng = random.Random(7)
    year_start = date(NOW.year - 1, NOW.month, 1)
    first = start_of_london_day(year_start)
    try:
        repairs, orders = repair_rows(repair_count, rng, first, 365, open_ratio=0.1)
        loading = time.perf_counter()
        await copy_rows(url, RepairRequest, repairs)
        await copy_rows(url, WorkOrder, orders)
        load_seconds = time.perf_counter() - loading
        period = Period(year_start, year_start + timedelta(days=364))
        window = {
            "start": first,
            "end": start_of_london_day(period.last + timedelta(days=1)),
        }
        ours, bare = [], []
        for _ in range(FIGURE_RUNS):
            started = time.perf_counter()
            async with db.sessionmaker() as session:
                result = await figures(session, period)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with db.sessionmaker() as session:
                for query in BARE_FIGURES:
                    await session.execute(query, window)
            bare.append(time.perf_counter() - started)
        rp02 = {m.code: m for m in result.measures}["RP02.1"]
        return {
            "repairs": repair_count,
            "runs": FIGURE_RUNS,
            "rp02_1_denominator": rp02.denominator,
            "load_seconds": round(load_seconds, 1),
            "best_ms": round(min(ours) * 1000, 1),
            "median_ms": round(statistics.median(ours) * 1000, 1),
            "bare_sql_best_ms": round(min(bare) * 1000, 1),
            "bare_sql_median_ms": round(statistics.median(bare) * 1000, 1),
            "median_ratio": round(statistics.median(ours) / statistics.median(bare), 2),
            "postgres_execution_ms": await server_ms(url, BARE_FIGURES, window),
        }
    finally:
        await db.dispose()


async def run_repairs(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """Availability p99 at 10,000 open work orders and figures over 200,000 repairs
    (times `scale`), each as a ratio to its bare SQL in the same run."""
    return {
        "availability": await availability_run(bench, max(100, round(10_000 * scale))),
        "figures": await figures_run(bench, max(1_000, round(200_000 * scale))),
    }


async def repairs_step(bench: Workbench, scale: float) -> dict[str, Any]:
    """The `repairs` part of `python -m bench`."""
    return {"repairs": await run_repairs(bench, scale=scale)}


def repairs_rows(found: dict[str, Any], row: Any) -> list[str]:
    """The benchmark table's rows for the repairs part (`row` is the table's formatter)."""
    availability, year = found["availability"], found["figures"]
    return [
        row(
            f"repairs availability p99, {availability['open_work_orders']:,} open WOs",
            f"{availability['p99_ms']:.1f} ms",
            f"{availability['bare_sql_p99_ms']:.1f} ms",
            f"{availability['p99_ratio']:.1f}",
            "",
            None,
        ),
        row(
            f"repairs figures median, {year['repairs']:,} repairs",
            f"{year['median_ms']:.0f} ms",
            f"{year['bare_sql_median_ms']:.0f} ms",
            f"{year['median_ratio']:.1f}",
            "",
            None,
        ),
    ]
