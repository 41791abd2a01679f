"""What the home composite's list reads cost each service: the six calls the gateway's
home overview makes to income, engagement, visits and repairs for one home (income's
current tenancy and its rent summary, engagement's residents, visits' visits, repairs'
open repairs and appointment requests), each loaded alone with wrk against its own
service process, CPU per request from /proc.

The home has what a lived-in home has (two joint tenants, half a year of payments, two
residents, four visits of which three reported with findings, three open repairs, an
appointment request covering two of them), among other homes, so the filters and the
child rows are exercised. Each read is checked to answer 200 with what was seeded before
it is loaded.

`compare_with` (a directory holding an older `services/` tree, e.g. from `git archive`)
also starts each service from that tree (PYTHONPATH ahead of the workspace's editable
installs) on the same database, and loads the two alternately, so before and after are
measured in the same minutes on a shared machine.
"""

from __future__ import annotations

import os
import statistics
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.profiling import REQUEST_HANDLING, Sampler
from bench.request_cost import internal_token, settle, wrk
from bench.workbench import ServiceProcess, Workbench, connect

SERVICES = ("income", "engagement", "visits", "repairs")
UPRN = "100023336956"
CONNECTIONS = 8


@dataclass(frozen=True)
class Read:
    """One of the composite's calls: its service, its path and what it must find."""

    name: str
    service: str
    path: str
    expect_items: int | None
    """How many items the list must hold at least; None: not a list."""


def reads(rent_account_id: str) -> list[Read]:
    return [
        Read("income tenancies", "income", f"/v1/tenancies?uprn={UPRN}&status=current", 1),
        Read(
            "income rent summary",
            "income",
            f"/v1/rent-accounts/{rent_account_id}/summary",
            None,
        ),
        Read("engagement residents", "engagement", f"/v1/residents?uprn={UPRN}", 2),
        Read("visits visits", "visits", f"/v1/visits?uprn={UPRN}", 4),
        Read("repairs open repairs", "repairs", f"/v1/repairs?uprn={UPRN}&status=open", 3),
        Read("repairs appointment requests", "repairs", f"/v1/appointment-requests?uprn={UPRN}", 1),
    ]


def _other_uprn(n: int) -> str:
    return str(200000000000 + n)


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"seeding {path}: {response.status_code} {response.text[:500]}")
    found: dict[str, Any] = response.json()
    return found


async def seed_income(client: httpx.AsyncClient, others: int) -> str:
    """The home's current tenancy (two joint tenants) and half a year of weekly payments,
    among `others` other homes' tenancies; the rent account's id."""
    tenancy = await _post(
        client,
        "/v1/tenancies",
        {
            "tenancy_reference": "T-BENCH-HOME",
            "uprn": UPRN,
            "tenants": [{"full_name": "Sam Jones"}, {"full_name": "Alex Jones"}],
            "start_date": "2025-04-07",
            "tenancy_type": "secure",
            "weekly_rent_pence": 11_250,
            "weekly_service_charge_pence": 1_500,
        },
    )
    account = str(tenancy["rent_account_id"])
    first = date(2026, 5, 4)
    for week in range(26):
        await _post(
            client,
            f"/v1/rent-accounts/{account}/payments",
            {
                "amount_pence": 12_750,
                "method": "direct_debit",
                "received_on": (first + timedelta(weeks=week)).isoformat(),
            },
        )
    for n in range(others):
        await _post(
            client,
            "/v1/tenancies",
            {
                "tenancy_reference": f"T-BENCH-{n:05d}",
                "uprn": _other_uprn(n),
                "tenants": [{"full_name": "Someone Else"}],
                "start_date": "2024-01-01",
                "tenancy_type": "assured",
                "weekly_rent_pence": 10_000,
            },
        )
    return account


async def seed_engagement(client: httpx.AsyncClient, others: int) -> None:
    tenancy_id = str(uuid.uuid4())
    for name, channel in (("Sam Jones", "email"), ("Alex Jones", "letter")):
        await _post(
            client,
            "/v1/residents",
            {
                "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
                "uprn": UPRN,
                "tenancy_id": tenancy_id,
                "full_name": name,
                "email": "sam@example.org" if channel == "email" else None,
                "preferred_channel": channel,
            },
        )
    for n in range(others):
        await _post(
            client,
            "/v1/residents",
            {
                "person_id": str(uuid.uuid4()),
                "uprn": _other_uprn(n),
                "tenancy_id": str(uuid.uuid4()),
                "full_name": "Someone Else",
                "preferred_channel": "letter",
            },
        )


async def seed_visits(client: httpx.AsyncClient, others: int) -> None:
    # a completed visit's report holds the household's details (ADR 0146): confirmed with a
    # resident visits has not heard of, which it takes
    household = {"resident_id": str(uuid.uuid4()), "household_size": 2}
    reports: list[dict[str, Any] | None] = [
        {
            "outcome": "completed",
            "repairs_found": [
                {"description": "Dripping tap", "location": "kitchen", "trade": "plumbing"},
                {"description": "Loose socket", "location": "hall", "trade": "electrical"},
            ],
            "hazards_found": [
                {
                    "hazard_type": "damp_and_mould",
                    "severity": "significant",
                    "location": "bedroom 1",
                    "description": "Mould behind the wardrobe",
                }
            ],
            "household_confirmed": True,
            "household": household,
        },
        {
            "outcome": "completed",
            "tenancy_concerns": [{"concern": "hoarding", "notes": "Spare room full"}],
            "household": household,
        },
        {"outcome": "completed", "household": household},
        None,
    ]
    for n, report in enumerate(reports):
        visit = await _post(
            client,
            "/v1/visits",
            {
                "uprn": UPRN,
                "kind": "full",
                "scheduled_for": f"2026-12-0{n + 1}T10:00:00+00:00",
                "officer": "officer-17",
            },
        )
        if report is not None:
            visited_at = f"2026-11-0{n + 1}T10:30:00+00:00"  # required: when the officer was there
            await _post(
                client, f"/v1/visits/{visit['id']}/report", report | {"visited_at": visited_at}
            )
    for n in range(others):
        await _post(
            client,
            "/v1/visits",
            {
                "uprn": _other_uprn(n),
                "kind": "full",
                "scheduled_for": "2026-12-01T10:00:00+00:00",
                "officer": "officer-17",
            },
        )


async def seed_repairs(client: httpx.AsyncClient, database_url: str, others: int) -> None:
    """Three open repairs and a completed one at the home, two of the open ones in an
    appointment request (written directly: in production it comes from a visit's event)."""
    repairs = []
    for description, trade in (
        ("Dripping tap", "plumbing"),
        ("Loose socket", "electrical"),
        ("Sticking door", "carpentry"),
        ("Broken gutter", "roofing"),
    ):
        repairs.append(
            await _post(
                client,
                "/v1/repairs",
                {
                    "uprn": UPRN,
                    "description": description,
                    "location": "kitchen",
                    "trade": trade,
                    "priority": "routine",
                },
            )
        )
    for n in range(others):
        await _post(
            client,
            "/v1/repairs",
            {
                "uprn": _other_uprn(n),
                "description": "Dripping tap",
                "location": "kitchen",
                "trade": "plumbing",
                "priority": "routine",
            },
        )
    connection = await connect(database_url)
    try:
        request_id = uuid.uuid4()
        await connection.execute(
            "INSERT INTO appointment_request (id, uprn, visit_id, status, requested_at) "
            "VALUES ($1, $2, $3, 'pending', now())",
            request_id,
            UPRN,
            uuid.uuid4(),
        )
        await connection.execute(
            "UPDATE repair_request SET appointment_request_id = $1 WHERE id = ANY($2::uuid[])",
            request_id,
            [uuid.UUID(r["id"]) for r in repairs[:2]],
        )
        await connection.execute(
            "UPDATE repair_request SET status = 'completed', completed_at = now() WHERE id = $1",
            uuid.UUID(repairs[3]["id"]),
        )
    finally:
        await connection.close()


def _start(
    bench: Workbench, service: str, database_url: str, pythonpath: str | None
) -> ServiceProcess:
    old = os.environ.get("PYTHONPATH")
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = pythonpath
    try:
        process = ServiceProcess.start(bench, service, database_url, {})
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    bench.processes.append(process)
    return process


def _services_path(tree: Path) -> str:
    """PYTHONPATH putting `tree`'s service sources ahead of the workspace's."""
    return os.pathsep.join(str(tree.resolve() / "services" / s / "src") for s in SERVICES)


async def _check(process: ServiceProcess, read: Read, token: str) -> None:
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        response = await client.get(read.path, headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise RuntimeError(f"{read.name}: {response.status_code} {response.text[:300]}")
    if read.expect_items is not None and len(response.json()["items"]) < read.expect_items:
        raise RuntimeError(f"{read.name}: fewer than {read.expect_items} items: {response.text}")


async def run_list_reads(
    bench: Workbench,
    *,
    scale: float,
    seconds: float,
    rounds: int = 1,
    compare_with: Path | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """CPU per request of each of the composite's six calls to these four services."""
    others = max(20, round(400 * scale))
    seconds = max(1, round(seconds))  # wrk takes whole seconds
    databases = {service: await bench.service_database(service) for service in SERVICES}
    current = {service: _start(bench, service, databases[service], None) for service in SERVICES}
    for process in current.values():
        await process.wait_healthy(timeout=240)
    tokens = {service: internal_token(service) for service in SERVICES}

    def client(service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=current[service].url,
            headers={"Authorization": f"Bearer {tokens[service]}"},
            timeout=30,
        )

    async with client("income") as income:
        account = await seed_income(income, others)
    async with client("engagement") as engagement:
        await seed_engagement(engagement, others)
    async with client("visits") as visits:
        await seed_visits(visits, others)
    async with client("repairs") as repairs:
        await seed_repairs(repairs, databases["repairs"], others)

    sides: dict[str, dict[str, ServiceProcess]] = {"after": current}
    if compare_with is not None:
        pythonpath = _services_path(compare_with)
        sides = {
            "before": {
                service: _start(bench, service, databases[service], pythonpath)
                for service in SERVICES
            },
            "after": current,
        }
        for process in sides["before"].values():
            await process.wait_healthy(timeout=240)
    await settle()
    found: dict[str, Any] = {
        "home": UPRN,
        "other_homes": others,
        "load": f"wrk -t1 -c{CONNECTIONS} -d{seconds:g}s on loopback, {rounds} round(s)",
        "reads": {},
    }
    all_reads = reads(account)
    for read in all_reads:
        for side in sides.values():
            await _check(side[read.service], read, tokens[read.service])
            url = side[read.service].url + read.path
            wrk(url, 1, token=tokens[read.service], pids=[side[read.service].pid])
    for read in all_reads:
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        for round_number in range(rounds):
            order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
            for name in order:
                process = sides[name][read.service]
                load = wrk(
                    process.url + read.path,
                    seconds,
                    token=tokens[read.service],
                    pids=[process.pid],
                    connections=CONNECTIONS,
                )
                runs[name].append(load.as_dict())
        found["reads"][read.name] = {
            "path": read.path,
            **{
                name: {
                    "cpu_ms_per_request_median": round(
                        statistics.median(r["cpu_ms_per_request"] for r in side_runs), 2
                    ),
                    "requests": [r["requests"] for r in side_runs],
                    "cpu_ms_per_request": [r["cpu_ms_per_request"] for r in side_runs],
                    "errors": sum(r["non_2xx_or_errors"] for r in side_runs),
                }
                for name, side_runs in runs.items()
            },
        }
    if profile is not None:
        (read,) = [r for r in all_reads if r.name == profile]
        process = current[read.service]
        sampler = Sampler.start(process, seconds + 1, nonblocking=False)
        load = wrk(
            process.url + read.path,
            seconds,
            token=tokens[read.service],
            pids=[process.pid],
            connections=CONNECTIONS,
        )
        found["profile"] = {
            "read": read.name,
            "requests_while_sampling": load.requests,
            **sampler.summary(within=REQUEST_HANDLING),
        }
    for side in sides.values():
        for process in side.values():
            process.stop()
            bench.processes.remove(process)
    return found


def list_reads_rows(found: dict[str, Any]) -> list[str]:
    rows = []
    for name, read in found["reads"].items():
        after = read["after"]
        text = f"{after['cpu_ms_per_request_median']:.2f} ms"
        if before := read.get("before"):
            text = f"{before['cpu_ms_per_request_median']:.2f} -> " + text
        rows.append(f"  {name:<34} CPU/request {text}  ({sum(after['requests'])} requests)")
    return rows


async def list_reads_step(bench: Workbench, scale: float) -> dict[str, Any]:
    """The `list-reads` part: each read for 10 s (x scale, at least 3), two rounds, and a
    py-spy profile of visits' list (the widest read). HEARTH_BENCH_LIST_READS_BEFORE
    names an older tree (`git archive <commit> services | tar -x -C DIR`) to measure
    side by side with this one."""
    before = os.environ.get("HEARTH_BENCH_LIST_READS_BEFORE")
    return {
        "list_reads": await run_list_reads(
            bench,
            scale=scale,
            seconds=max(3, round(10 * scale)),
            rounds=2,
            compare_with=Path(before) if before else None,
            profile="visits visits",
        )
    }
