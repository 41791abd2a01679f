"""What a request costs: a service's GET by key beside the same process's bare /healthz,
the gateway's home overview across every process it touches, where the time goes
(py-spy), and each process's memory idle and after load.

Load comes from wrk (Debian's package; installed when missing) in a second process on
loopback. CPU per request is the service process's own CPU time (from /proc) over the
run divided by the requests it answered, which does not depend on how much CPU wrk or
anything else on the machine took.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from bench.profiling import REQUEST_HANDLING, Sampler
from bench.workbench import ServiceProcess, Workbench, cpu_seconds, listening_pid, rss_mb

OVERVIEW_CONNECTIONS = 4
IDLE_SAMPLE_SECONDS = 5.0
SERVICES = ("compliance", "income", "engagement", "visits", "repairs")
UPRN = "100023336956"
HOME = {
    "uprn": UPRN,
    "address_line_1": "12 Hyde Park Road",
    "town": "Leeds",
    "postcode": "LS6 1AB",
    "property_type": "house",
    "heating_fuel": "gas",
    "gas_supply": "live",
}


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package once if it is missing."""
    if (found := shutil.which("wrk")) is not None:
        return found
    print("bench: installing wrk (apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench: wrk is not available; install Debian's wrk package")
    return found


@dataclass(frozen=True)
class Load:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "per_second": round(self.per_second),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "non_2xx_or_errors": self.errors,
            "cpu_ms_per_request": round(self.cpu_ms_per_request, 2),
        }


def _find(pattern: str, text: str) -> str:
    """The first group of `pattern` in wrk's output (which must have it)."""
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk's output has no {pattern!r}:\n{text}")
    return found.group(1)


def _ms(text: str) -> float:
    """wrk's latency text (850.00us, 1.20ms, 1.05s) in milliseconds."""
    number = re.match(r"[\d.]+", text)
    value = float(number.group(0)) if number else 0.0
    if text.endswith("us"):
        return round(value / 1000, 3)
    if text.endswith("ms"):
        return round(value, 3)
    if text.endswith("s"):
        return round(value * 1000, 3)
    return value


def wrk(
    url: str, seconds: float, *, token: str | None, pids: list[int], connections: int = 16
) -> Load:
    """One wrk run (one thread, `connections` keep-alive connections); CPU is summed over
    `pids`, the processes serving the request."""
    command = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token is not None:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    before = sum(cpu_seconds(pid) for pid in pids)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    used = sum(cpu_seconds(pid) for pid in pids) - before
    total = int(_find(r"(\d+) requests in", out))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    socket_errors = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
    if found := re.search(socket_errors, out):
        errors += sum(int(n) for n in found.groups())
    return Load(
        requests=total,
        per_second=float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(percentiles.get("50", "0")),
        p99_ms=_ms(percentiles.get("99", "0")),
        errors=errors,
        cpu_ms_per_request=used / max(total, 1) * 1000,
    )


def internal_token(service: str) -> str:
    """An internal token for `service`, signed with the development key, as the gateway
    would mint one for a staff member (valid for the whole run)."""
    from hearth_kit.auth import development_private_key, issue_internal_token

    return issue_internal_token(
        development_private_key(),
        service=service,
        subject="bench",
        scopes=staff_scopes(),
        ttl=timedelta(hours=1),
    )


def staff_scopes() -> tuple[str, ...]:
    from gateway.auth import ROLE_SCOPES

    return tuple(ROLE_SCOPES["staff"])


def gateway_token() -> str:
    """A staff member's development access token for the gateway."""
    from gateway.auth import issue_development_token
    from gateway.settings import GatewaySettings

    return issue_development_token(
        "staff",
        "bench-staff",
        ttl=timedelta(hours=1),
        settings=GatewaySettings(environment="development"),
    )


async def register_home(process: ServiceProcess, token: str) -> None:
    async with httpx.AsyncClient(base_url=process.url) as client:
        response = await client.post(
            "/v1/homes",
            json=HOME,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "bench-home"},
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"registering a home: {response.status_code} {response.text}")


async def settle(seconds: float = 3.0) -> None:
    """Let a freshly started process finish its start-up work before reading its RSS."""
    await asyncio.sleep(seconds)


async def run_request_cost(bench: Workbench, *, seconds: float, profile: bool) -> dict[str, Any]:
    """compliance's GET /v1/homes/{uprn} beside its /healthz, then the same under
    py-spy to see where the time goes."""
    database = await bench.service_database("compliance")
    process = await bench.start_service("compliance", database)
    await settle()
    idle_rss = rss_mb(process.pid)
    token = internal_token("compliance")
    await register_home(process, token)
    # A short warm-up, so first-request costs (imports, caches, pools) are not counted.
    wrk(f"{process.url}/v1/homes/{UPRN}", 2, token=token, pids=[process.pid])
    health = wrk(f"{process.url}/healthz", seconds, token=None, pids=[process.pid])
    get = wrk(f"{process.url}/v1/homes/{UPRN}", seconds, token=token, pids=[process.pid])
    result: dict[str, Any] = {
        "service": "compliance",
        "endpoint": "GET /v1/homes/{uprn}",
        "load": f"wrk -t1 -c16 -d{seconds:g}s on loopback",
        "healthz": health.as_dict(),
        "get_by_key": get.as_dict(),
        "get_vs_healthz": round(get.per_second / health.per_second, 3),
        "target": 0.3,
        "rss_mb": {"idle": idle_rss, "after_load": rss_mb(process.pid)},
    }
    result["met"] = result["get_vs_healthz"] >= 0.3

    if profile:
        result["profile"] = profile_requests(
            process, f"{process.url}/v1/homes/{UPRN}", token, seconds
        )
    process.stop()
    bench.processes.remove(process)
    return result


async def run_overview(bench: Workbench, *, seconds: float) -> dict[str, Any]:
    """Every service and the gateway in their own processes: idle RSS, the home
    overview's CPU across all six, and RSS after load."""
    processes: dict[str, ServiceProcess] = {}
    for service in SERVICES:
        processes[service] = await bench.start_service(
            service, await bench.service_database(service)
        )
    urls = {f"{service}_url": processes[service].url for service in SERVICES}
    processes["gateway"] = await bench.start_service("gateway", "", **urls)
    await settle(5)
    idle = {name: rss_mb(p.pid) for name, p in processes.items()}
    await register_home(processes["compliance"], internal_token("compliance"))
    token = gateway_token()
    pids = [p.pid for p in processes.values()]
    url = f"{processes['gateway'].url}/v1/homes/{UPRN}"
    # The first calls open each service's database pool; until they answer within the
    # gateway's downstream timeout the overview comes back degraded.
    async with httpx.AsyncClient(timeout=30) as client:
        for _attempt in range(10):
            answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 200 and not answer.json().get("degraded"):
                break
            await asyncio.sleep(1)
        else:
            raise RuntimeError(f"the overview is not whole: {answer.status_code} {answer.text}")
    # Four connections: enough to keep every process busy without queueing past the
    # gateway's downstream timeout, which would measure time-outs instead of work.
    wrk(url, 2, token=token, pids=pids, connections=OVERVIEW_CONNECTIONS)
    # Each process also spends CPU in the background (its relay's and consumer's polls);
    # that rate, measured idle, is taken off what it spent during the load.
    idle_before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
    await asyncio.sleep(IDLE_SAMPLE_SECONDS)
    background = {
        name: (cpu_seconds(p.pid) - idle_before[name]) / IDLE_SAMPLE_SECONDS
        for name, p in processes.items()
    }
    before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
    load_started = time.perf_counter()
    load = wrk(url, seconds, token=token, pids=pids, connections=OVERVIEW_CONNECTIONS)
    load_seconds = time.perf_counter() - load_started
    per_process = {
        name: round(
            max(cpu_seconds(p.pid) - before[name] - background[name] * load_seconds, 0.0)
            / max(load.requests, 1)
            * 1000,
            2,
        )
        for name, p in processes.items()
    }
    loaded = {name: rss_mb(p.pid) for name, p in processes.items()}
    return {
        "endpoint": "gateway GET /v1/homes/{uprn} (five downstream calls, one a service)",
        "load": f"wrk -t1 -c{OVERVIEW_CONNECTIONS} -d{seconds:g}s on loopback",
        "overview": load.as_dict(),
        "cpu_ms_per_overview_by_process": per_process,
        "cpu_ms_per_overview": round(sum(per_process.values()), 1),
        "background_cpu_share_of_a_core_by_process": {
            name: round(rate, 3) for name, rate in background.items()
        },
        "rss_mb": {name: {"idle": idle[name], "after_load": loaded[name]} for name in processes},
    }


def kafka_rss_mb(servers: str) -> float | None:
    """The broker's resident memory, when it runs on this machine."""
    port = int(servers.split(",")[0].rsplit(":", 1)[1])
    pid = listening_pid(port)
    return rss_mb(pid) if pid is not None else None


def profile_requests(
    process: ServiceProcess, url: str, token: str, seconds: float
) -> dict[str, Any]:
    """Sample the process with py-spy while wrk loads `url`, and sum the samples up by
    what code they were in (only stacks inside request handling count)."""
    sampler = Sampler.start(process, seconds + 1, nonblocking=False)
    load = wrk(url, seconds, token=token, pids=[process.pid])
    return {
        "requests_while_sampling": load.requests,
        "cpu_ms_per_request_while_sampling": round(load.cpu_ms_per_request, 2),
        **sampler.summary(within=REQUEST_HANDLING),
    }
