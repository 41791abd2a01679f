"""Visits at stock size: scoring and ranking the risk-based visit programme.

For each size (10,000 and 100,000 homes at --scale 1) on a fresh migrated database,
the projections the programme reads are filled as the events would leave them: every
home (a third without live gas), its current tenancy (one in ten introductory, one in
five in arrears), one or two residents (a quarter living alone, ages spread, one in ten
with a vulnerability flag), contacts in the last year (0 to 14 a home), a completed
visit for two homes in three (a few years back for some, so they are beyond their
interval), an open customer action for one in ten, no-access attempts for one in
twenty and a damp case for one in thirty.

Then every home is scored by the programme-rescore job (`ProgrammeService.rescore_due`,
run to the end: what a new configuration or a first start costs; wall and CPU time of
this process), and `GET /v1/programme/homes?limit=50`'s work over the stored scores
(`ProgrammeService.rank`, docs/adr/0011) is timed per request: the first page of every
home, the first page of one area (an eighth of the homes), both with the counts of
homes ranked and beyond interval (which read every home of the area), and the 21st
page by cursor (no counts), the median of 15 requests each.

The ratio of the large run's scoring time to the small one's shows whether scoring is
linear in the stock (10x the homes: at most 11x the time); a later page of the ranking
should hardly grow at all (an index range scan), the first page grows with its counts."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.workbench import Workbench
from hearth_contracts import Envelope, Event
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
    PropertyUpdated,
)
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import VisitChannel, VisitKind
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from hearth_kit.scheduler import ScheduledJob, run_until_done
from visits.handlers import build_handlers
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
from visits.programme.schemas import Programme
from visits.programme.service import ProgrammeService
from visits.settings import VisitsSettings

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
LINEAR_LIMIT = 11.0
AREAS = ("YO1", "YO10", "YO23", "YO24", "YO26", "YO30", "YO31", "YO32")
CHUNK = 5_000
REQUESTS = 15
UPDATES_PER_HOME = 3
CONSUMER_BATCH = 500


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


async def analyze(db: Database) -> None:
    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


async def one_size(bench: Workbench, homes: int, seed: int) -> dict[str, Any]:
    db = Database(await bench.service_database("visits"))
    try:
        counts = await fill(db, stock(homes, seed))
        await analyze(db)  # statistics as on a live database
        settings = VisitsSettings(environment="development")
        service = ProgrammeService(settings.programme, settings.intervals)
        job = ScheduledJob("programme-rescore", timedelta(hours=1), service.rescore_due)
        started, cpu_started = time.perf_counter(), time.process_time()
        scored = await run_until_done(db, job, NOW)
        score_seconds = time.perf_counter() - started
        score_cpu = time.process_time() - cpu_started
        assert scored == homes, scored
        await analyze(db)
        return {
            "homes": homes,
            "rows": counts,
            "score_seconds": round(score_seconds, 3),
            "score_cpu_seconds": round(score_cpu, 3),
            "homes_scored_per_second": round(homes / score_seconds),
            **await ranking_requests(db, service, homes),
        }
    finally:
        await db.dispose()


async def ranking_requests(db: Database, service: ProgrammeService, homes: int) -> dict[str, Any]:
    """`GET /v1/programme/homes?limit=50`'s work over the stored scores: the first page
    of every home, the first page of one area, and a page 20 pages deep (by cursor);
    the median of REQUESTS runs each, in milliseconds."""

    async def timed(area: str | None, cursor: str | None) -> tuple[float, Programme]:
        started = time.perf_counter()
        async with db.sessionmaker() as session:
            page = await service.rank(session, area=area, limit=50, cursor=cursor, today=TODAY)
        return (time.perf_counter() - started) * 1000, page

    first = await timed(None, None)
    assert first[1].homes_ranked == homes, first[1].homes_ranked
    deep = first[1]
    for _ in range(20):
        deep = (await timed(None, deep.next_cursor))[1]
    deep_cursor = deep.next_cursor
    runs: dict[str, list[float]] = {"all": [], "area": [], "deep": []}
    for _ in range(REQUESTS):
        runs["all"].append((await timed(None, None))[0])
        runs["area"].append((await timed(AREAS[1], None))[0])
        runs["deep"].append((await timed(None, deep_cursor))[0])
    return {
        "rank_request_ms": round(statistics.median(runs["all"]), 2),
        "rank_request_area_ms": round(statistics.median(runs["area"]), 2),
        "rank_request_page_21_ms": round(statistics.median(runs["deep"]), 2),
        "beyond_interval": first[1].beyond_interval,
        "top_score": first[1].items[0].score if first[1].items else None,
    }


def home_events(homes: int) -> list[Envelope[Event]]:
    """Each home registered then updated three times, home after home, as compliance's
    topic carries a register being built: runs of one type are short (one, then three)."""
    start = NOW - timedelta(days=1)
    fuels = (HeatingFuel.GAS, HeatingFuel.ELECTRIC, HeatingFuel.DISTRICT)
    events: list[Envelope[Event]] = []
    for n in range(homes):
        common: dict[str, Any] = {
            "uprn": str(200_000_000_000 + n),
            "address_line_1": f"{n} Bench Street",
            "town": "York",
            "property_type": PropertyType.FLAT,
            "gas_supply": GasSupply.LIVE,
        }
        events.append(
            Envelope(
                data=PropertyRegistered(
                    **common,
                    postcode=f"{AREAS[n % len(AREAS)]} 1AA",
                    heating_fuel=HeatingFuel.GAS,
                    registered_at=start,
                )
            )
        )
        for update in range(1, UPDATES_PER_HOME + 1):
            events.append(
                Envelope(
                    data=PropertyUpdated(
                        **common,
                        postcode=f"{AREAS[n % len(AREAS)]} 1AA",
                        tenure="general_needs",
                        heating_fuel=fuels[(n + update) % len(fuels)],
                        updated_at=start + timedelta(minutes=update),
                    )
                )
            )
    return events


async def consumed(bench: Workbench, homes: int) -> dict[str, Any]:
    """Visits' consumer applying `homes` homes' events (home_events) as it applies a
    partition's batches (Inbox.apply, CONSUMER_BATCH events a transaction: the inbox
    records, the handlers' runs, then each home named re-scored once, ADR 0024), on a
    fresh database; wall and CPU time of this process."""
    db = Database(await bench.service_database("visits"))
    try:
        settings = VisitsSettings(environment="development")
        inbox = Inbox(settings, db, build_handlers(settings), DeadLetters(settings, db))
        events = home_events(homes)
        batch = [(Message("bench", 0, n, None, None, ()), e) for n, e in enumerate(events)]
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, len(batch), CONSUMER_BATCH):
            async with db.sessionmaker() as session, session.begin():
                await inbox.apply(session, batch[start : start + CONSUMER_BATCH])
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        return {
            "homes": homes,
            "events": len(events),
            "batch": CONSUMER_BATCH,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "events_per_second": round(len(events) / seconds),
            "homes_per_second": round(homes / seconds),
        }
    finally:
        await db.dispose()


async def run_visits(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """The programme at 10,000 and 100,000 homes (times `scale`), side by side in one
    run: scoring every home (the re-scoring job's work, which must be linear: the
    large-to-small ratio at most 11) and the per-request ranking over the stored scores."""
    small_homes = max(100, round(10_000 * scale))
    small = await one_size(bench, small_homes, seed=1)
    large = await one_size(bench, small_homes * 10, seed=2)
    ratio = large["score_seconds"] / small["score_seconds"]
    cpu_ratio = large["score_cpu_seconds"] / small["score_cpu_seconds"]
    consumer = await consumed(bench, small_homes)
    return {
        "small": small,
        "large": large,
        "consumer": consumer,
        # Homes through the consumer (four events each, and a score) against homes
        # through the scoring job alone, at the small size: what the events add.
        "consumer_to_job": round(
            consumer["homes_per_second"] / small["homes_scored_per_second"], 2
        ),
        "score_ratio": round(ratio, 2),
        "score_cpu_ratio": round(cpu_ratio, 2),
        "linear_limit": LINEAR_LIMIT,
        "score_linear": ratio <= LINEAR_LIMIT,
        "score_cpu_linear": cpu_ratio <= LINEAR_LIMIT,
        "rank_request_ms_large": large["rank_request_ms"],
    }


async def visits_step(bench: Workbench, scale: float) -> dict[str, Any]:
    """The `visits` part of `python -m bench`."""
    return {"visits": await run_visits(bench, scale=scale)}


def visits_rows(found: dict[str, Any], row: Any) -> list[str]:
    """The benchmark table's rows for the visits part (`row` is the table's formatter)."""
    small, large = found["small"], found["large"]
    consumer = found.get("consumer")
    consumer_rows = (
        [
            row(
                f"  consumer, {consumer['events']:,} home events vs the job, homes/s",
                f"{consumer['homes_per_second']:,}/s",
                f"{small['homes_scored_per_second']:,}/s",
                f"{found['consumer_to_job']:.2f}",
                "",
                True,
            )
        ]
        if consumer
        else []
    )
    return [
        row(
            f"visits scoring every home, {large['homes']:,} vs {small['homes']:,} homes",
            f"{large['score_seconds']:.2f} s",
            f"{small['score_seconds']:.2f} s",
            f"{found['score_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["score_linear"],
        ),
        row(
            "  CPU of the scoring process",
            f"{large['score_cpu_seconds']:.2f} s",
            f"{small['score_cpu_seconds']:.2f} s",
            f"{found['score_cpu_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["score_cpu_linear"],
        ),
        row(
            "  ranking, first page with counts, median",
            f"{large['rank_request_ms']:.1f} ms",
            f"{small['rank_request_ms']:.1f} ms",
            f"{large['rank_request_ms'] / small['rank_request_ms']:.1f}",
            "",
            True,
        ),
        row(
            "  ranking, 21st page by cursor, median",
            f"{large['rank_request_page_21_ms']:.1f} ms",
            f"{small['rank_request_page_21_ms']:.1f} ms",
            f"{large['rank_request_page_21_ms'] / small['rank_request_page_21_ms']:.1f}",
            "",
            True,
        ),
        *consumer_rows,
    ]
