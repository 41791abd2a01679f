"""Visits at stock size: ranking the risk-based visit programme.

For each size (10,000 and 100,000 homes at --scale 1) on a fresh migrated database,
the projections the programme reads are filled as the events would leave them: every
home (a third without live gas), its current tenancy (one in ten introductory, one in
five in arrears), one or two residents (a quarter living alone, ages spread, one in ten
with a vulnerability flag), contacts in the last year (0 to 14 a home), a completed
visit for two homes in three (a few years back for some, so they are beyond their
interval), an open customer action for one in ten, no-access attempts for one in
twenty and a damp case for one in thirty. Then `GET /v1/programme/homes?limit=50`'s
work (`ProgrammeService.rank`) runs three times; the best wall time and the best CPU
time of this process count (on a shared machine the CPU time is the steadier figure:
the database's part of the work is a few grouped queries).

The ratio of the large run's time to the small one's shows whether the ranking is
linear in the stock (10x the homes: at most 11x the time)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.workbench import Workbench
from hearth_contracts.events.compliance import GasSupply, HeatingFuel
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import VisitChannel, VisitKind
from hearth_kit.db import Database
from visits.models import (
    AccessFailure,
    CustomerAction,
    DampCase,
    HomeProfile,
    HouseholdContact,
    ResidentProfile,
    TenancyRecord,
    Visit,
    VisitStatus,
)
from visits.programme.service import ProgrammeService
from visits.settings import VisitsSettings

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
LINEAR_LIMIT = 11.0
AREAS = ("YO1", "YO10", "YO23", "YO24", "YO26", "YO30", "YO31", "YO32")
CHUNK = 5_000


def stock(homes: int, seed: int) -> dict[Any, list[dict[str, Any]]]:
    """Rows for every projection the ranking reads, for `homes` homes."""
    rng = random.Random(seed)
    rows: dict[Any, list[dict[str, Any]]] = {
        model: []
        for model in (
            HomeProfile,
            TenancyRecord,
            ResidentProfile,
            HouseholdContact,
            Visit,
            CustomerAction,
            AccessFailure,
            DampCase,
        )
    }
    for number in range(homes):
        uprn = str(10**10 + seed * 10**7 + number)
        gas = rng.random() > 0.33
        rows[HomeProfile].append(
            {
                "uprn": uprn,
                "heating_fuel": HeatingFuel.GAS if gas else HeatingFuel.ELECTRIC,
                "gas_supply": GasSupply.LIVE if gas else GasSupply.NONE,
                "postcode": f"{AREAS[number % len(AREAS)]} 1AA",
                "area": AREAS[number % len(AREAS)],
                "property_as_of": NOW,
            }
        )
        tenancy_id = uuid.uuid4()
        start = TODAY - timedelta(days=rng.randint(30, 7000))
        rows[TenancyRecord].append(
            {
                "tenancy_id": tenancy_id,
                "uprn": uprn,
                "start_date": start,
                "tenancy_type": TenancyType.INTRODUCTORY
                if rng.random() < 0.1
                else TenancyType.SECURE,
                "type_as_of": start,
                "arrears_stage": rng.choice(list(ArrearsStage)) if rng.random() < 0.2 else None,
                "arrears_as_of": NOW if rng.random() < 0.2 else None,
            }
        )
        alone = rng.random() < 0.25
        for _ in range(1 if alone else rng.randint(1, 2)):
            rows[ResidentProfile].append(
                {
                    "resident_id": uuid.uuid4(),
                    "uprn": uprn,
                    "tenancy_id": tenancy_id,
                    "age_band": rng.choice(list(AgeBand)),
                    "lives_alone": alone,
                    "language": "en",
                    "details_as_of": NOW,
                    "vulnerable": rng.random() < 0.1,
                    "vulnerability_as_of": NOW,
                }
            )
        for _ in range(rng.randint(0, 14)):
            rows[HouseholdContact].append(
                {
                    "contact_id": uuid.uuid4(),
                    "uprn": uprn,
                    "contacted_at": NOW - timedelta(days=rng.randint(1, 500)),
                }
            )
        if rng.random() < 0.66:
            visited = NOW - timedelta(days=rng.randint(20, 1200))
            visit_id = uuid.uuid4()
            rows[Visit].append(
                {
                    "id": visit_id,
                    "uprn": uprn,
                    "kind": VisitKind.FULL,
                    "channel": VisitChannel.IN_HOME,
                    "status": VisitStatus.COMPLETED,
                    "scheduled_for": visited,
                    "scheduled_end": visited + timedelta(hours=1),
                    "attempt_number": 1,
                    "scheduled_at": visited - timedelta(days=14),
                    "reported_at": visited,
                    "visited_at": visited,
                    "version": 2,
                    "stock_condition_survey": False,
                    "details_corrected": [],
                }
            )
            if rng.random() < 0.15:
                rows[CustomerAction].append(
                    {
                        "id": uuid.uuid4(),
                        "uprn": uprn,
                        "visit_id": visit_id,
                        "description": "Chase the fence repair",
                        "promised_at": visited,
                    }
                )
        if rng.random() < 0.05:
            rows[AccessFailure].append(
                {"attempt_id": uuid.uuid4(), "uprn": uprn, "attempted_at": NOW - timedelta(days=40)}
            )
        if rng.random() < 0.033:
            rows[DampCase].append(
                {"case_id": uuid.uuid4(), "uprn": uprn, "became_aware_at": NOW - timedelta(days=90)}
            )
    return rows


async def fill(db: Database, rows: dict[Any, list[dict[str, Any]]]) -> dict[str, int]:
    for model, model_rows in rows.items():
        for start in range(0, len(model_rows), CHUNK):
            async with db.sessionmaker() as session, session.begin():
                await session.execute(insert(model), model_rows[start : start + CHUNK])
    return {model.__tablename__: len(model_rows) for model, model_rows in rows.items()}


async def one_size(bench: Workbench, homes: int, seed: int) -> dict[str, Any]:
    db = Database(await bench.service_database("visits"))
    try:
        counts = await fill(db, stock(homes, seed))
        settings = VisitsSettings(environment="development")
        service = ProgrammeService()
        timings, cpu = [], []
        for _ in range(3):
            started, cpu_started = time.perf_counter(), time.process_time()
            async with db.sessionmaker() as session:
                ranked = await service.rank(
                    session,
                    area=None,
                    limit=50,
                    weights=settings.programme,
                    intervals=settings.intervals,
                    now=NOW,
                    today=TODAY,
                )
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        assert ranked.homes_ranked == homes, ranked.homes_ranked
        best = min(timings)
        return {
            "homes": homes,
            "rows": counts,
            "rank_seconds": round(best, 3),
            "rank_seconds_runs": [round(t, 3) for t in timings],
            "rank_cpu_seconds": round(min(cpu), 3),
            "homes_ranked_per_second": round(homes / best),
            "beyond_interval": ranked.beyond_interval,
            "top_score": ranked.items[0].score if ranked.items else None,
        }
    finally:
        await db.dispose()


async def run_visits(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """The programme ranked at 10,000 and 100,000 homes (times `scale`), side by side
    in one run, with the large-to-small ratio."""
    small_homes = max(100, round(10_000 * scale))
    small = await one_size(bench, small_homes, seed=1)
    large = await one_size(bench, small_homes * 10, seed=2)
    ratio = large["rank_seconds"] / small["rank_seconds"]
    cpu_ratio = large["rank_cpu_seconds"] / small["rank_cpu_seconds"]
    return {
        "small": small,
        "large": large,
        "rank_ratio": round(ratio, 2),
        "rank_cpu_ratio": round(cpu_ratio, 2),
        "linear_limit": LINEAR_LIMIT,
        "rank_linear": ratio <= LINEAR_LIMIT,
        "rank_cpu_linear": cpu_ratio <= LINEAR_LIMIT,
    }


async def visits_step(bench: Workbench, scale: float) -> dict[str, Any]:
    """The `visits` part of `python -m bench`."""
    return {"visits": await run_visits(bench, scale=scale)}


def visits_rows(found: dict[str, Any], row: Any) -> list[str]:
    """The benchmark table's rows for the visits part (`row` is the table's formatter)."""
    small, large = found["small"], found["large"]
    return [
        row(
            f"visits ranking, {large['homes']:,} vs {small['homes']:,} homes",
            f"{large['rank_seconds']:.2f} s",
            f"{small['rank_seconds']:.2f} s",
            f"{found['rank_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["rank_linear"],
        ),
        row(
            "  CPU of the ranking process",
            f"{large['rank_cpu_seconds']:.2f} s",
            f"{small['rank_cpu_seconds']:.2f} s",
            f"{found['rank_cpu_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["rank_cpu_linear"],
        ),
    ]
