"""End to end at a fixed rate: an outbox write commits in compliance's database ->
compliance's relay (its own uvicorn process) -> Kafka -> income's consumer (its own
uvicorn process) -> income's home projection row is visible.

The bench is the writer: each event is one transaction inserting one outbox row, as
`publish()` inside a request does, at `rate` a second on a fixed schedule. Visibility is
reported by PostgreSQL itself: a trigger the bench adds to income's home table sends a
NOTIFY, which PostgreSQL delivers when the consumer's transaction commits. Latency is
from the writer's commit returning to that notification arriving, both on the bench's
clock.

A request that writes through the service wakes its relay when it commits; a write from
another process does not, so the relay finds these rows by polling. The run sets
compliance's poll interval (reported with the results) so that polling does not
dominate what is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench.pipeline import OUTBOX_COLUMNS, home_registered, outbox_record
from bench.request_cost import internal_token
from bench.workbench import Workbench, connect, connection_args, cpu_seconds, rss_mb

VISIBLE_TRIGGER = """
CREATE FUNCTION bench_home_visible() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bench_home_visible', NEW.uprn);
    RETURN NEW;
END $$;
CREATE TRIGGER bench_home_visible AFTER INSERT OR UPDATE ON home
    FOR EACH ROW EXECUTE FUNCTION bench_home_visible();
"""

VISIBLE_WAIT_SECONDS = 60
"""How long after the last write the run waits for the rest to become visible."""

_CREATED_AT = OUTBOX_COLUMNS.index("created_at")

INSERT_OUTBOX = (
    f"INSERT INTO outbox_message ({', '.join(OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(OUTBOX_COLUMNS) + 1))})"
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_end_to_end(
    bench: Workbench, *, rate: int, seconds: int, poll_interval: float, through_api: bool = False
) -> dict[str, Any]:
    """Write `rate` events a second for `seconds` and time each to its projection row.
    `through_api`: each event is a `POST /v1/homes` to compliance (whose relay the commit
    wakes) instead of an outbox row written by the bench (which the relay finds by
    polling every `poll_interval` seconds)."""
    compliance_db = await bench.service_database("compliance")
    income_db = await bench.service_database("income")
    listener = await connect(income_db)
    await listener.execute(VISIBLE_TRIGGER)

    committed: dict[str, float] = {}
    visible: dict[str, float] = {}
    first_visible = asyncio.Event()
    all_visible = asyncio.Event()
    total = rate * seconds

    def on_visible(_conn: Any, _pid: int, _channel: str, uprn: str) -> None:
        visible.setdefault(uprn, time.perf_counter())
        first_visible.set()
        if len(visible) >= total:
            all_visible.set()

    await listener.add_listener("bench_home_visible", on_visible)
    polling = {} if through_api else {"outbox_poll_interval_seconds": str(poll_interval)}
    compliance = await bench.start_service("compliance", compliance_db, **polling)
    income = await bench.start_service("income", income_db)
    writers = await asyncpg.create_pool(**connection_args(compliance_db), min_size=8, max_size=8)
    # Envelopes are built before the clock starts, so building them costs the writer
    # nothing while it keeps time; each row's created_at is set as it is written.
    records = [outbox_record(home_registered(10_000_000 + i)) for i in range(total + 1)]
    # Without block_id: the bench's event names its block "BLK-..." (any text in the
    # event), but the API takes a block's own UPRN of a block it has registered, so a
    # third of the homes (the flats) would be refused.
    bodies = [
        home_registered(10_000_000 + i).data.model_dump(
            mode="json", exclude={"registered_at", "block_id"}
        )
        for i in range(total + 1)
    ]
    api = httpx.AsyncClient(
        base_url=compliance.url,
        headers={"Authorization": f"Bearer {internal_token('compliance')}"},
        timeout=60,
    )

    async def write(i: int) -> None:
        if through_api:
            await _post(api, bodies[i], committed)
        else:
            await _write(writers, records[i], committed)

    try:
        # Warm-up: one event through, so the consumer has joined its group.
        await write(total)
        await asyncio.wait_for(first_visible.wait(), timeout=120)
        visible.clear()
        committed.clear()

        cpu_before = {p.name: cpu_seconds(p.pid) for p in (compliance, income)}
        started = time.perf_counter()
        pending: set[asyncio.Task[None]] = set()
        late = 0
        for i in range(total):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                late += 1
            task = asyncio.create_task(write(i))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        written_in = time.perf_counter() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_visible.wait(), timeout=VISIBLE_WAIT_SECONDS)
        cpu = {p.name: cpu_seconds(p.pid) - cpu_before[p.name] for p in (compliance, income)}
        rss = {p.name: rss_mb(p.pid) for p in (compliance, income)}
    finally:
        await writers.close()
        await api.aclose()
        await listener.close()
        compliance.stop()
        income.stop()
        bench.processes.remove(compliance)
        bench.processes.remove(income)

    failed = int(committed.pop(FAILED, 0))
    latencies = [(visible[uprn] - at) * 1000 for uprn, at in committed.items() if uprn in visible]
    result: dict[str, Any] = {
        "rate_per_second": rate,
        "seconds": seconds,
        "events_written": len(committed),
        "achieved_write_rate": round(len(committed) / written_in),
        "writes_started_over_50_ms_late": late,
        "events_visible": len(latencies),
        "writes_failed": failed,
        "writer": "POST /v1/homes to compliance (one request, one transaction)"
        if through_api
        else "outbox rows written by the bench (one transaction each)",
        "compliance_outbox_poll_interval_seconds": None if through_api else poll_interval,
        "process_cpu_share_of_a_core": {
            name: round(used / written_in, 3) for name, used in cpu.items()
        },
        "process_rss_mb_after": rss,
    }
    # An event never seen counts as slower than any seen (it is still on its way), so a
    # percentile that falls among them is reported as unknown, not as a seen one.
    missing = len(committed) - len(latencies)
    ranked = sorted(latencies) + [math.inf] * missing
    if ranked:
        for name, fraction in (("p50_ms", 0.50), ("p90_ms", 0.90), ("p99_ms", 0.99)):
            value = percentile(ranked, fraction)
            result[name] = round(value, 1) if math.isfinite(value) else None
        if latencies:
            result["max_seen_ms"] = round(max(latencies), 1)
            result["mean_seen_ms"] = round(statistics.fmean(latencies), 1)
        if missing:
            result["not_visible_within_seconds"] = VISIBLE_WAIT_SECONDS
    result["target_p99_ms"] = 200
    result["met"] = result.get("p99_ms") is not None and result["p99_ms"] < 200 and not missing
    return result


async def _write(pool: asyncpg.Pool, record: tuple[Any, ...], committed: dict[str, float]) -> None:
    """One event in one transaction (an autocommitted INSERT), timed at its commit. A
    write the database refuses (a restart of the shared server) is counted, not raised."""
    row = (*record[:_CREATED_AT], datetime.now(UTC), *record[_CREATED_AT + 1 :])
    try:
        async with pool.acquire() as conn:
            await conn.execute(INSERT_OUTBOX, *row)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        committed[FAILED] = committed.get(FAILED, 0.0) + 1
        return
    committed[str(record[3])] = time.perf_counter()


async def _post(
    client: httpx.AsyncClient, body: dict[str, Any], committed: dict[str, float]
) -> None:
    """One home registered through compliance's API; its transaction has committed when
    the response arrives (the kit commits before it sends the response)."""
    try:
        response = await client.post(
            "/v1/homes", json=body, headers={"Idempotency-Key": f"bench-{body['uprn']}"}
        )
    except httpx.HTTPError:
        response = None
    if response is None or response.status_code != 201:
        committed[FAILED] = committed.get(FAILED, 0.0) + 1
        return
    committed[body["uprn"]] = time.perf_counter()


FAILED = "failed writes"
"""The key under which `_write` counts writes that failed (not a UPRN)."""
