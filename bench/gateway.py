"""The gateway's home composite against the downstream calls it is made of, in one run.

Every service and the gateway run in their own processes (as the Procfile runs them).
Measured side by side:

1. each downstream call the home composite makes, alone, straight at its service with
   an internal token (wrk, 16 connections): the slowest of them is the ceiling a
   composite of it can reach;
2. the composite (gateway `GET /v1/homes/{uprn}`) at its peak (wrk): its req/s against
   the slowest call's (target >= 0.6), and its CPU per request summed over all six
   processes, background CPU (relay and consumer polls, measured idle) taken off
   (target <= 15 ms);
3. at a fixed rate of half the composite's peak (open loop: requests start on a
   schedule, not when the last one ends), the composite's p99 against the slowest
   call's p99 at that same rate (target <= 1.2 x + 5 ms), each after two seconds at
   that rate that are not counted (the client's connections opening).

`--scale` shortens every load (at least 2 s each). Unless `--no-profile`, py-spy then
samples the gateway while wrk loads the composite again, to show where its share goes
(every on-CPU stack counts: the downstream calls run in tasks of their own, outside the
request's stack).
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.profiling import Sampler
from bench.request_cost import (
    SERVICES,
    UPRN,
    gateway_token,
    internal_token,
    register_home,
    settle,
    wrk,
)
from bench.workbench import ServiceProcess, Workbench, cpu_seconds

CALLS: list[tuple[str, str]] = [
    ("compliance", f"/v1/homes/{UPRN}?include=compliance_status"),
    ("income", f"/v1/tenancies?uprn={UPRN}&status=current&include=rent_summary"),
    ("engagement", f"/v1/residents?uprn={UPRN}"),
    ("visits", f"/v1/visits?uprn={UPRN}"),
    ("repairs", f"/v1/repairs/homes/{UPRN}"),
]
"""The calls the home composite makes (one a service), each as the gateway makes it for a
token with every read scope."""

CONNECTIONS = 16
IDLE_SAMPLE_SECONDS = 3.0


async def fixed_rate(
    url: str, token: str, *, rate: float, seconds: float, warm_up_seconds: float = 2.0
) -> dict[str, float | int]:
    """Open-loop load: request i starts at i / rate seconds whatever came before; the
    latencies' p50 and p99 in milliseconds, and how many failed.

    The first `warm_up_seconds` run at the same rate on the same client and are not
    counted: they open the client's connections (and the gateway's to the services)
    that the rate needs, whose set-up cost is not the steady state measured here (in a
    run from cold, the first 0.2 s held every composite over 15 ms).

    This process's garbage collector is held off meanwhile (what it holds is frozen,
    then collection disabled until the end): the bench process holds every service's
    modules, and a full collection of it took 90 to 100 ms (`gc.callbacks`), during
    which no response was read and no request started, so every composite in flight was
    charged the client's pause: that was the whole of the composite's p99 (a cluster of
    50 slow requests within 0.3 s, in runs whose p50 was 4.4 ms). `started_late` counts
    requests that began more than 5 ms after their time all the same."""
    warm_up = int(rate * warm_up_seconds)
    total = max(1, int(rate * seconds))
    latencies: list[float] = []
    failures = 0
    late = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:

        async def one(counted: bool) -> None:
            nonlocal failures
            started = time.perf_counter()
            try:
                response = await client.get(url)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if counted:
                latencies.append((time.perf_counter() - started) * 1000)
                failures += 0 if ok else 1

        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            begun = time.perf_counter()
            tasks = []
            for i in range(warm_up + total):
                delay = begun + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -0.005 and i >= warm_up:
                    late += 1
                tasks.append(asyncio.create_task(one(counted=i >= warm_up)))
            await asyncio.gather(*tasks)
        finally:
            gc.enable()
            gc.unfreeze()
    latencies.sort()
    return {
        "requests": total,
        "rate": rate,
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "p90_ms": round(latencies[int(len(latencies) * 0.9)], 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
        "max_ms": round(latencies[-1], 2),
        "failures": failures,
        "started_late": late,
    }


async def gc_pauses(processes: dict[str, ServiceProcess]) -> dict[str, dict[str, float]]:
    """Each process's `hearth_gc_pause_seconds` so far, from its /metrics: collections
    by generation and, over all generations, how many paused it over 10 and 25 ms."""
    found: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for name, process in processes.items():
            text = (await client.get(f"{process.url}/metrics")).text
            counts: dict[str, float] = {"over_10_ms": 0.0, "over_25_ms": 0.0}
            for family in text_string_to_metric_families(text):
                if family.name != "hearth_gc_pause_seconds":
                    continue
                for sample in family.samples:
                    generation = sample.labels.get("generation", "")
                    if sample.name.endswith("_count"):
                        counts[f"generation_{generation}"] = sample.value
                    elif sample.name.endswith("_bucket"):
                        le = sample.labels["le"]
                        if le == "+Inf":
                            counts["over_10_ms"] += sample.value
                            counts["over_25_ms"] += sample.value
                        elif le == "0.01":
                            counts["over_10_ms"] -= sample.value
                        elif le == "0.025":
                            counts["over_25_ms"] -= sample.value
            found[name] = counts
    return found


def pauses_between(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, dict[str, int]]:
    """What each process's collector did between two `gc_pauses` readings."""
    return {
        name: {key: round(value - before[name].get(key, 0.0)) for key, value in counts.items()}
        for name, counts in after.items()
    }


async def _whole_overview(url: str, token: str) -> None:
    """Wait until the composite answers whole (each service's pool is open)."""
    async with httpx.AsyncClient(timeout=30) as client:
        for _attempt in range(20):
            answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 200 and not answer.json().get("degraded"):
                return
            await asyncio.sleep(1)
    raise RuntimeError(f"the composite is not whole: {answer.status_code} {answer.text}")


async def run_gateway(
    bench: Workbench, *, scale: float = 1.0, profile: bool = True
) -> dict[str, Any]:
    seconds = max(2, round(10 * scale))  # wrk takes whole seconds
    processes: dict[str, ServiceProcess] = {}
    for service in SERVICES:
        processes[service] = await bench.start_service(
            service, await bench.service_database(service)
        )
    urls = {f"{service}_url": processes[service].url for service in SERVICES}
    processes["gateway"] = await bench.start_service("gateway", "", **urls)
    await settle(3)
    await register_home(processes["compliance"], internal_token("compliance"))
    token = gateway_token()
    composite = f"{processes['gateway'].url}/v1/homes/{UPRN}"
    await _whole_overview(composite, token)

    alone: dict[str, Any] = {}
    for service, path in CALLS:
        url = f"{processes[service].url}{path}"
        pid = processes[service].pid
        wrk(url, 1, token=internal_token(service), pids=[pid])  # warm-up
        load = wrk(url, seconds, token=internal_token(service), pids=[pid])
        alone[f"{service} {path.split('?')[0]}"] = {
            "url": url,
            "service": service,
            **load.as_dict(),
        }
    slowest_name = min(alone, key=lambda name: alone[name]["per_second"])
    slowest = alone[slowest_name]

    pids = [p.pid for p in processes.values()]
    wrk(composite, 1, token=token, pids=pids, connections=CONNECTIONS)  # warm-up
    idle_before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
    await asyncio.sleep(IDLE_SAMPLE_SECONDS)
    background = {
        name: (cpu_seconds(p.pid) - idle_before[name]) / IDLE_SAMPLE_SECONDS
        for name, p in processes.items()
    }
    before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
    started = time.perf_counter()
    peak = wrk(composite, seconds, token=token, pids=pids, connections=CONNECTIONS)
    elapsed = time.perf_counter() - started
    cpu_by_process = {
        name: round(
            max(cpu_seconds(p.pid) - before[name] - background[name] * elapsed, 0.0)
            / max(peak.requests, 1)
            * 1000,
            2,
        )
        for name, p in processes.items()
    }
    cpu_per_request = round(sum(cpu_by_process.values()), 2)
    # The gateway's own share per downstream call it makes (five a composite here).
    gateway_cpu_per_call = round(cpu_by_process["gateway"] / len(CALLS), 3)
    # The same reads cost their services more inside the composite than loaded alone:
    # each process is woken for one call at a time among six processes and
    # PostgreSQL on the machine's cores, instead of serving sixteen per loop turn.
    service_cpu_alone = round(
        sum(float(a["cpu_ms_per_request"]) for a in alone.values()) / len(alone), 3
    )
    service_cpu_in_composite = round(
        sum(cpu_by_process[service] for service in SERVICES) / len(CALLS), 3
    )

    half = max(1.0, round(peak.per_second / 2, 1))
    pauses_before = await gc_pauses(processes)
    composite_fixed = await fixed_rate(composite, token, rate=half, seconds=seconds)
    pauses = pauses_between(pauses_before, await gc_pauses(processes))
    slowest_fixed = await fixed_rate(
        slowest["url"], internal_token(slowest["service"]), rate=half, seconds=seconds
    )
    throughput_ratio = round(peak.per_second / max(slowest["per_second"], 1e-9), 3)
    p99_limit = round(1.2 * float(slowest_fixed["p99_ms"]) + 5, 2)
    gateway_profile: dict[str, Any] = {}
    if profile:
        sampler = Sampler.start(processes["gateway"], seconds + 1, nonblocking=True, rate=100)
        sampled = wrk(composite, seconds, token=token, pids=pids, connections=CONNECTIONS)
        gateway_profile = {
            "requests_while_sampling": sampled.requests,
            **sampler.summary(),
        }
    # A target is met only by answers: a run with refused or failed composites (a 429
    # from the rate limiter, a 503, a timeout) measured something cheaper than the composite.
    answered = peak.as_dict().get("non_2xx_or_errors", 0) == 0
    answered_fixed = not composite_fixed.get("failures")
    return {
        "endpoint": "gateway GET /v1/homes/{uprn} (five downstream calls, one a service)",
        "load": f"wrk -t1 -c{CONNECTIONS} -d{seconds:g}s on loopback; fixed rate open loop",
        "downstream_alone": alone,
        "slowest_downstream": slowest_name,
        "composite": peak.as_dict(),
        "throughput_ratio": throughput_ratio,
        "throughput_target": 0.6,
        "throughput_met": answered and throughput_ratio >= 0.6,
        "cpu_ms_per_request_by_process": cpu_by_process,
        "cpu_ms_per_request": cpu_per_request,
        "gateway_cpu_ms_per_downstream_call": gateway_cpu_per_call,
        "service_cpu_ms_per_call_alone": service_cpu_alone,
        "service_cpu_ms_per_call_in_composite": service_cpu_in_composite,
        "cpu_target_ms": 15,
        "cpu_met": answered and cpu_per_request <= 15,
        "half_peak_rate": half,
        "composite_at_half_peak": composite_fixed,
        "gc_pauses_during_composite_at_half_peak": pauses,
        "slowest_at_half_peak": slowest_fixed,
        "p99_limit_ms": p99_limit,
        "p99_met": answered_fixed and float(composite_fixed["p99_ms"]) <= p99_limit,
        "gateway_profile": gateway_profile,
    }


async def gateway_step(bench: Workbench, scale: float, profile: bool = True) -> dict[str, Any]:
    """The `gateway` part of `python -m bench`."""
    try:
        return {"gateway": await run_gateway(bench, scale=scale, profile=profile)}
    finally:
        await bench.stop_services()


def gateway_rows(found: dict[str, Any], row: Any) -> list[str]:
    """The benchmark table's rows for the gateway part (`row` is the table's formatter)."""
    return [
        row(
            "gateway home composite req/s vs slowest call alone",
            f"{found['composite']['per_second']:,}/s"
            + (
                f" ({found['composite']['non_2xx_or_errors']:,} failed)"
                if found["composite"].get("non_2xx_or_errors")
                else ""
            ),
            f"{found['downstream_alone'][found['slowest_downstream']]['per_second']:,}/s",
            f"{found['throughput_ratio']:.2f}",
            ">= 0.60",
            found["throughput_met"],
        ),
        row(
            "  composite CPU per request, all six processes",
            f"{found['cpu_ms_per_request']:.1f} ms",
            "",
            "",
            "<= 15 ms",
            found["cpu_met"],
        ),
        row(
            "  of which the gateway, per downstream call",
            f"{found['gateway_cpu_ms_per_downstream_call']:.2f} ms",
            "",
            "",
            "",
            None,
        ),
        row(
            "  service CPU per call, in composite vs alone",
            f"{found.get('service_cpu_ms_per_call_in_composite', 0):.2f} ms",
            f"{found.get('service_cpu_ms_per_call_alone', 0):.2f} ms",
            "",
            "",
            None,
        ),
        row(
            f"  p50 at {found['half_peak_rate']:g}/s (half peak) vs slowest call",
            f"{found['composite_at_half_peak']['p50_ms']:.1f} ms",
            f"{found['slowest_at_half_peak']['p50_ms']:.1f} ms",
            "",
            "",
            None,
        ),
        row(
            f"  p99 at {found['half_peak_rate']:g}/s (half peak) vs slowest call",
            f"{found['composite_at_half_peak']['p99_ms']:.1f} ms",
            f"{found['slowest_at_half_peak']['p99_ms']:.1f} ms",
            "",
            f"<= {found['p99_limit_ms']:.1f} ms",
            found["p99_met"],
        ),
    ]
