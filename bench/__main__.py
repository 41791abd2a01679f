"""Hearth's benchmarks: `make bench`, or `uv run python -m bench [part ...] [--scale S]`.

Parts (all by default, in this order):
  relay     ProducerPerformance (acks=all, idempotent), then compliance's relay draining
            a full outbox on PostgreSQL, in its own service process
  consumer  ConsumerPerformance, income's consumer (inbox, projection upsert) handling
            what the relay published, and a bare asyncpg insert of the same rows
            (needs relay: it reads what the relay published)
  e2e       outbox commit -> relay -> Kafka -> consumer -> projection visible, at a fixed
            rate, in service processes; p50/p99 commit-to-visible
  requests  compliance GET /v1/homes/{uprn} beside its /healthz (wrk), and a py-spy
            profile of where the GET's time goes
  overview  every service and the gateway: the home overview's CPU across the six
            processes, and every process's RSS idle and after load
  gateway   the gateway's home composite against the slowest of its downstream calls
            alone: req/s, CPU per request over all processes, p99 at half peak
  compliance  the homes import and the daily sweep at 10,000 and 100,000 homes
            (300,000 checks): the large-to-small ratio shows it linear (at most 11)
  visits    the visit programme ranked at 10,000 and 100,000 homes (linear: at most 11),
            and visits' consumer applying 10,000 homes' events
  repairs   availability p99 at 10,000 open work orders and figures over 200,000 repairs,
            each against its bare SQL in the same run
  engagement the complaint-deadline sweep and the message sender at 2,000 and 20,000 rows
             (linear: at most 11)
  income    the weekly rent run at 10,000 and 100,000 rent accounts (linear: at most 11)
            and an account summary with 5 years of history at both sizes
  list-reads  the home overview's six calls to income, engagement, visits and repairs,
            each loaded alone: CPU per request, and a py-spy profile of visits' list

Absolute rates on a shared machine vary from run to run; each figure that has a target
is a ratio to a ceiling measured in the same run, or a latency. Results go to
bench/results/<date>.json (or <date>-<parts>.json for a partial run) and a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.compliance import run_compliance
from bench.end_to_end import run_end_to_end
from bench.engagement import run_engagement
from bench.gateway import gateway_rows, gateway_step
from bench.income import income_rows, income_step
from bench.list_reads import list_reads_rows, list_reads_step
from bench.pipeline import run_pipeline
from bench.repairs import repairs_rows, repairs_step
from bench.request_cost import kafka_rss_mb, run_overview, run_request_cost
from bench.visits import visits_rows, visits_step
from bench.workbench import REPO, Workbench, machine, postgres_started_at, workbench

PARTS = (
    "relay",
    "consumer",
    "e2e",
    "requests",
    "overview",
    "compliance",
    "visits",
    "repairs",
    "engagement",
    "income",
    "gateway",
    "list-reads",
)
RESULTS = REPO / "bench" / "results"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("parts", nargs="*", metavar="part", help=f"any of {', '.join(PARTS)}")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every count and duration (0.1 for a quick look; default 1)",
    )
    parser.add_argument("--outbox-events", type=int, default=500_000)
    parser.add_argument("--tool-records", type=int, default=2_000_000)
    parser.add_argument(
        "--limit-seconds",
        type=float,
        default=150,
        help="longest the relay or the consumer may take before its rate is taken from "
        "what it did so far (keeps `make bench` bounded)",
    )
    parser.add_argument(
        "--relay-lanes",
        type=int,
        default=1,
        help="relay processes publishing compliance's outbox in that many lanes (the "
        "service's own relay and `hearth relay`s; docs/adr/0018-relay-lanes.md)",
    )
    parser.add_argument("--e2e-rate", type=int, default=1000, help="events a second")
    parser.add_argument("--e2e-seconds", type=float, default=60)
    parser.add_argument(
        "--e2e-low-rate",
        type=int,
        default=100,
        help="a second, short e2e run at this rate (20 s), for the latency without backlog",
    )
    parser.add_argument(
        "--e2e-poll-interval",
        type=float,
        default=0.05,
        help="compliance's outbox poll interval in the e2e run (the bench writes from "
        "outside the service, so its relay is not woken by the commit)",
    )
    parser.add_argument(
        "--e2e-api-rate",
        type=int,
        default=50,
        help="a third e2e run (20 s) writing through compliance's API at this rate",
    )
    parser.add_argument(
        "--trace-sample-ratio",
        type=float,
        default=0.1,
        help="the share of requests traced, as production sets it with OpenTelemetry's "
        "OTEL_TRACES_SAMPLER=parentbased_traceidratio (default 0.1; 1 traces every event)",
    )
    parser.add_argument("--request-seconds", type=float, default=10)
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--output", type=Path, help="where to write the JSON results")
    args = parser.parse_args()
    if unknown := [part for part in args.parts if part not in PARTS]:
        parser.error(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    if not 0 <= args.trace_sample_ratio <= 1:
        parser.error("--trace-sample-ratio is a share between 0 and 1")
    # OpenTelemetry's own settings: every service process the bench starts inherits them,
    # and the outbox rows the bench writes carry traceparents sampled at the same ratio.
    os.environ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
    os.environ["OTEL_TRACES_SAMPLER_ARG"] = str(args.trace_sample_ratio)
    return args


async def run(args: argparse.Namespace, parts: list[str]) -> dict[str, Any]:
    scale = args.scale
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            "parts": parts,
            "scale": scale,
            "outbox_events": int(args.outbox_events * scale),
            "tool_records": int(args.tool_records * scale),
            "limit_seconds": args.limit_seconds,
            "trace_sample_ratio": args.trace_sample_ratio,
            "e2e_rate": args.e2e_rate,
            "e2e_seconds": max(5, round(args.e2e_seconds * scale)),
            "request_seconds": max(3, round(args.request_seconds * scale)),
        },
    }
    opts = results["options"]
    async with workbench() as bench:
        postgres_start = await postgres_started_at(bench.postgres_url)
        results["kafka_rss_mb"] = {"at_start": kafka_rss_mb(bench.servers)}

        async def pipeline() -> dict[str, Any]:
            found = await run_pipeline(
                bench,
                outbox_events=opts["outbox_events"],
                tool_records=opts["tool_records"],
                parts=set(parts),
                limit=args.limit_seconds,
                relay_lanes=args.relay_lanes,
            )
            results["kafka_rss_mb"]["after_pipeline"] = kafka_rss_mb(bench.servers)
            return found

        async def e2e() -> dict[str, Any]:
            return {
                "e2e": await run_end_to_end(
                    bench,
                    rate=opts["e2e_rate"],
                    seconds=opts["e2e_seconds"],
                    poll_interval=args.e2e_poll_interval,
                )
            }

        async def e2e_low() -> dict[str, Any]:
            # The same at a rate the consumer keeps up with: the latency without a backlog.
            found = await run_end_to_end(
                bench,
                rate=args.e2e_low_rate,
                seconds=max(5, round(20 * scale)),
                poll_interval=args.e2e_poll_interval,
            )
            results["kafka_rss_mb"]["after_e2e"] = kafka_rss_mb(bench.servers)
            return {"e2e_low_rate": found}

        async def e2e_api() -> dict[str, Any]:
            found = await run_end_to_end(
                bench,
                rate=args.e2e_api_rate,
                seconds=max(5, round(20 * scale)),
                poll_interval=args.e2e_poll_interval,
                through_api=True,
            )
            return {"e2e_through_api": found}

        async def requests() -> dict[str, Any]:
            return {
                "requests": await run_request_cost(
                    bench, seconds=opts["request_seconds"], profile=not args.no_profile
                )
            }

        async def overview() -> dict[str, Any]:
            return {"overview": await run_overview(bench, seconds=opts["request_seconds"])}

        steps: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = []
        if "relay" in parts or "consumer" in parts:
            steps.append(("pipeline", pipeline))
        if "e2e" in parts:
            steps += [("e2e", e2e), ("e2e-low", e2e_low), ("e2e-api", e2e_api)]
        if "requests" in parts:
            steps.append(("requests", requests))
        if "overview" in parts:
            steps.append(("overview", overview))
        if "compliance" in parts:
            steps.append(("compliance", lambda: compliance_step(bench, scale)))
        if "visits" in parts:
            steps.append(("visits", lambda: visits_step(bench, scale)))
        if "repairs" in parts:
            steps.append(("repairs", lambda: repairs_step(bench, scale)))
        if "engagement" in parts:
            steps.append(("engagement", lambda: engagement_step(bench, scale)))
        if "income" in parts:
            steps.append(("income", lambda: income_step(bench, scale)))
        if "gateway" in parts:
            steps.append(("gateway", lambda: gateway_step(bench, scale)))
        if "list-reads" in parts:
            steps.append(("list-reads", lambda: list_reads_step(bench, scale)))
        for name, step in steps:
            # Each step in its own topic namespace; a step that fails is reported and the
            # others still run (a shared machine has other people's work on it).
            bench.use_namespace(name)
            started = time.perf_counter()
            try:
                results.update(await step())
            except Exception as exc:
                traceback.print_exc()
                results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"[:2000]
                await bench.stop_services()
            print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", flush=True)
            if (now_started := await postgres_started_at(bench.postgres_url)) != postgres_start:
                postgres_start = now_started
                results.setdefault("postgres_restarted_during", []).append(name)
                results["warning"] = (
                    "PostgreSQL restarted during "
                    + ", ".join(results["postgres_restarted_during"])
                    + " (someone else's fault test on the shared server): do not trust "
                    "those figures"
                )
                print(f"bench: WARNING: {results['warning']}", flush=True)
    return results


async def engagement_step(bench: Workbench, scale: float) -> dict[str, Any]:
    return {"engagement": await run_engagement(bench, scale=scale)}


async def compliance_step(bench: Workbench, scale: float) -> dict[str, Any]:
    return {"compliance": await run_compliance(bench, scale=scale)}


def compliance_rows(found: dict[str, Any]) -> list[str]:
    small, large = found["small"], found["large"]
    return [
        _row(
            f"compliance import, {large['homes']:,} vs {small['homes']:,} homes",
            f"{large['import_seconds']:.1f} s",
            f"{small['import_seconds']:.1f} s",
            f"{found['import_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["import_linear"],
        ),
        _row(
            "  the same, a transaction per 1,000 rows",
            f"{large['import_batched_seconds']:.1f} s",
            f"{small['import_batched_seconds']:.1f} s",
            f"{found['import_batched_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["import_batched_linear"],
        ),
        _row(
            f"compliance sweep, {large['checks']:,} vs {small['checks']:,} checks",
            f"{large['sweep_seconds']:.1f} s",
            f"{small['sweep_seconds']:.1f} s",
            f"{found['sweep_ratio']:.1f}",
            f"<= {found['linear_limit']:.0f}",
            found["sweep_linear"],
        ),
    ]


def _row(measure: str, ours: str, ceiling: str, ratio: str, target: str, met: Any) -> str:
    verdict = "" if met is None else ("met" if met else "NOT met")
    return f"{measure:<44}{ours:>14}{ceiling:>16}{ratio:>8}{target:>10}  {verdict}"


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Hearth benchmarks, {results['date']}, commit {results['machine']['commit']}, "
        f"{results['machine']['cpus']} CPUs (shared), PostgreSQL, one broker",
        _row("measure", "hearth", "ceiling", "ratio", "target", None),
    ]
    tools = results.get("kafka_tools", {})
    if producer := tools.get("producer_performance"):
        size = producer["record_size_bytes"]
        lines.append(
            _row(
                f"ProducerPerformance ({producer['records']:,} x {size} B)",
                "",
                f"{producer['per_second']:,}/s",
                "",
                "",
                None,
            )
        )
    if consumer_tool := tools.get("consumer_performance"):
        lines.append(
            _row(
                f"ConsumerPerformance ({consumer_tool['records']:,})",
                "",
                f"{consumer_tool['per_second']:,}/s",
                "",
                "",
                None,
            )
        )
    if relay := results.get("relay"):
        lines.append(
            _row(
                f"outbox relay ({relay['events_published']:,} of {relay['events']:,})",
                f"{relay['steady_per_second']:,}/s",
                f"{tools['producer_performance']['per_second']:,}/s",
                f"{relay['vs_producer_performance']:.2f}",
                ">= 0.30",
                relay["met"],
            )
        )
        if relay.get("steady_cpu_microseconds_per_event") is not None:
            lines.append(
                _row(
                    "  relay CPU per event (steady / whole run)",
                    f"{relay['steady_cpu_microseconds_per_event']:.0f} µs",
                    f"{relay['process_cpu_microseconds_per_event']} µs",
                    "",
                    "",
                    None,
                )
            )
    if consumer := results.get("consumer"):
        lines.append(
            _row(
                f"consumer vs bare asyncpg ({consumer['events_handled']:,})",
                f"{consumer['steady_per_second']:,}/s",
                f"{consumer['bare_asyncpg_per_second']:,}/s",
                f"{consumer['vs_bare_asyncpg']:.2f}",
                ">= 0.50",
                consumer["vs_bare_asyncpg"] >= 0.5,
            )
        )
        lines.append(
            _row(
                "consumer events/s",
                f"{consumer['steady_per_second']:,}/s",
                "",
                "",
                ">= 20,000",
                consumer["steady_per_second"] >= 20_000,
            )
        )
    if inbox_only := results.get("consumer_inbox_only"):
        lines.append(
            _row(
                f"  kit consumer, no handler write ({inbox_only['events_handled']:,})",
                f"{inbox_only['steady_per_second']:,}/s",
                f"{results['consumer']['bare_asyncpg_per_second']:,}/s",
                f"{inbox_only['vs_bare_asyncpg']:.2f}",
                "",
                None,
            )
        )
    if e2e := results.get("e2e"):
        label = f"end to end p50 / p99 ({e2e['events_visible']:,} of {e2e['events_written']:,})"
        lines.append(
            _row(
                label,
                f"{e2e.get('p50_ms') or '-'} / {e2e.get('p99_ms') or '-'} ms",
                f"at {e2e['rate_per_second']}/s",
                "",
                "p99<200ms",
                e2e.get("met", False),
            )
        )
    if low := results.get("e2e_low_rate"):
        label = f"  the same at {low['rate_per_second']}/s ({low['events_written']:,} events)"
        lines.append(
            _row(
                label,
                f"{low.get('p50_ms') or '-'} / {low.get('p99_ms') or '-'} ms",
                "",
                "",
                "",
                None,
            )
        )
    if api := results.get("e2e_through_api"):
        label = f"  through the API at {api['rate_per_second']}/s ({api['events_written']:,})"
        lines.append(
            _row(
                label,
                f"{api.get('p50_ms') or '-'} / {api.get('p99_ms') or '-'} ms",
                "",
                "",
                "",
                None,
            )
        )
    if requests := results.get("requests"):
        lines.append(
            _row(
                "compliance GET by key vs /healthz",
                f"{requests['get_by_key']['per_second']:,}/s",
                f"{requests['healthz']['per_second']:,}/s",
                f"{requests['get_vs_healthz']:.2f}",
                ">= 0.30",
                requests["met"],
            )
        )
        lines.append(
            _row(
                "  CPU per request (GET / healthz)",
                f"{requests['get_by_key']['cpu_ms_per_request']} ms",
                f"{requests['healthz']['cpu_ms_per_request']} ms",
                "",
                "",
                None,
            )
        )
    if overview := results.get("overview"):
        total_cpu = overview["cpu_ms_per_overview"]
        lines.append(
            _row(
                "home overview CPU, all six processes",
                f"{total_cpu:.1f} ms",
                f"{overview['overview']['per_second']:,}/s",
                "",
                "",
                None,
            )
        )
        for name, rss in overview["rss_mb"].items():
            lines.append(
                _row(
                    f"  RSS {name} idle / after load",
                    f"{rss['idle']} MB",
                    f"{rss['after_load']} MB",
                    "",
                    "",
                    None,
                )
            )
    if compliance := results.get("compliance"):
        lines += compliance_rows(compliance)
    if visits := results.get("visits"):
        lines += visits_rows(visits, _row)
    if income := results.get("income"):
        lines += income_rows(income, _row)
    if gateway_found := results.get("gateway"):
        lines += gateway_rows(gateway_found, _row)
    if list_reads := results.get("list_reads"):
        lines += ["the home overview's list reads, CPU per request:", *list_reads_rows(list_reads)]
    if repairs := results.get("repairs"):
        lines += repairs_rows(repairs, _row)
    if warning := results.get("warning"):
        lines.append(f"WARNING: {warning}")
    for name, error in results.get("errors", {}).items():
        lines.append(f"{name} FAILED: {error.splitlines()[0][:150]}")
    kafka = results.get("kafka_rss_mb", {})
    if kafka:
        readings = " / ".join(f"{value} MB" for value in kafka.values() if value is not None)
        lines.append(_row("  RSS Kafka (" + ", ".join(kafka) + ")", readings, "", "", "", None))
    return "\n".join(lines)


def main() -> None:
    args = options()
    parts = [part for part in PARTS if part in args.parts] if args.parts else list(PARTS)
    if "consumer" in parts and "relay" not in parts:
        parts.insert(0, "relay")  # the consumer reads what the relay published
    started = time.perf_counter()
    results = asyncio.run(run(args, parts))
    results["wall_seconds"] = round(time.perf_counter() - started)
    day = results["date"][:10]
    name = f"{day}.json" if parts == list(PARTS) else f"{day}-{'-'.join(parts)}.json"
    output: Path = args.output or RESULTS / name
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\nbench: {results['wall_seconds']} s; results in {output}")


if __name__ == "__main__":
    main()
