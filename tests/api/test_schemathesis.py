"""Schemathesis against every service and the gateway, with every check: no 5xx, no
response outside its documented schema or status codes, no schema-valid request
refused without the schema saying why.

Bounded (`MAX_EXAMPLES` per operation) and reproducible (fixed seed, deterministic
generation). tests/api/schemathesis_hooks.py makes generated requests behave as a
client does and lists, with reasons, the refusals no schema can state (docs/api.md,
"Known gaps"). One process alone: HEARTH_SCHEMATHESIS_ONLY=compliance.

Each run is the Schemathesis command line against the running platform,
in a subprocess, so the services keep serving on this test's event loop meanwhile; the
gateway runs in a process of its own in front of them (`gateway_process`).
Run alone: `uv run pytest -m api tests/api/test_schemathesis.py`.

A failure prints Schemathesis's report (each failing operation, the check, and a curl
line that reproduces it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.openapi_document import CONTRACTOR_PREFIX
from repairs.sor.service import import_schedule
from services.compliance.tests.factories import a_record, london_today
from tests.api.conftest import long_internal_token, user_token
from tests.harness.infra import free_port
from tests.harness.platform import SERVICE_NAMES, Platform
from tests.harness.processes import uvicorn_command
from tests.harness.service import opened_database

pytestmark = [pytest.mark.integration, pytest.mark.api]

MAX_EXAMPLES = int(os.environ.get("HEARTH_SCHEMATHESIS_MAX_EXAMPLES", "5"))
GATEWAY_PHASES = os.environ.get("HEARTH_SCHEMATHESIS_GATEWAY_PHASES", "examples,coverage")
"""The gateway's own operations (the home, tenancy and resident views, the writes it
makes across services, the regulator's report), asked with a staff user's token, and
the contractor API's, asked with a contractor's (CONTRACTOR_ID): examples and the
coverage phase (every documented status, undocumented method, missing header and
malformed input at the gateway itself), not the fuzzing phase."""
CONTRACTOR_ID = "contractor-general"
"""The contractor the contractor API's run speaks for: repairs' default contractor, doing
every trade, so a work order raised for a repair is its. `contractor_work` gives it a
work order, a home's check and a gas safety record before the run, and the run's path
parameters name them (a Schemathesis configuration file's `[parameters]`), so its
requests reach a real work order, check and record as a contractor's system does, not
only the 404 of an id made up. A staff token there is refused (403) before any of that,
and gateway/tests/test_authorisation_matrix.py asks that of every contractor route."""
SOR_CSV = [
    "schedule,code,description,trade,unit,unit_price\n",
    "PLB,20140,Isolate and cap leaking supply,plumbing,each,40.00\n",
]
PASSED_THROUGH_PHASES = os.environ.get("HEARTH_SCHEMATHESIS_PASSED_THROUGH_PHASES", "examples")
"""The operations the gateway passes through to a service unchanged (148 of its 157),
each run through all three phases at its service: at the gateway their examples, each
answer checked against the gateway's document. Their coverage phase at the gateway was
half of the test's time again, for the services' own checks asked a second time; the
gateway's part of them (its token, roles, limits and errors) is the same code for every
passed-through route, and gateway/tests/test_authorisation_matrix.py asks it of each."""
CHECKS = os.environ.get(
    "HEARTH_SCHEMATHESIS_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "positive_data_acceptance,missing_required_header,unsupported_method,"
    "allow_header_conformance,use_after_free,ensure_resource_availability,ignored_auth,"
    "object_level_authorization",
)
"""Every check Schemathesis has but max_response_time (which `all` adds with a 10 s
limit: a timing on a shared CI machine, not a property of the API; speed belongs in
bench/): no 5xx, every answer in its documented status, media type, headers and
schema, schema-violating requests refused, schema-valid ones accepted (but for the
refusals tests/api/schemathesis_hooks.py lists, which no schema can state), 405 with
an honest Allow for undocumented methods, 401 without the token."""
PASSED_THROUGH_WORKERS = os.environ.get("HEARTH_SCHEMATHESIS_PASSED_THROUGH_WORKERS", "2")
"""The passed-through run, the gateway's longest, asks two operations at a time: with
one, a client and the servers take turns and each waits on the other (measured when the
gateway had one run, all its operations: 118 s alone against 89 s with two). The other
runs keep one: with it, they already fill the machine, and the coverage phase on two
threads met a race in CPython 3.11's `ast` (Hypothesis parses a module's source to name
a filter; two threads parsing at once raised "AST constructor recursion depth mismatch"
inside Schemathesis, an error of the tool and not of the API)."""
HOOKS = "tests.api.schemathesis_hooks"
PHASES = os.environ.get("HEARTH_SCHEMATHESIS_PHASES", "examples,coverage,fuzzing")
SEED = 20261129
TIMEOUT_SECONDS = 900
REPO = Path(__file__).resolve().parents[2]
FINDINGS = REPO / "var" / "schemathesis"
"""Each run's full report, kept after the test (var/ is not in git)."""
FINDINGS.mkdir(parents=True, exist_ok=True)


async def schemathesis(
    url: str,
    token: str,
    report: Path,
    phases: str,
    workers: str,
    *only: str,
    config: Path | None = None,
) -> tuple[int, str]:
    """Run Schemathesis on `url`'s /openapi.json (with `only`, Schemathesis' filters
    choosing the operations; with `config`, its configuration file); its exit code and
    output."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        *(("--config-file", str(config)) if config is not None else ()),
        "run",
        f"{url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--phases",
        phases,
        "--workers",
        workers,
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-path-regex",
        "^/(metrics|healthz|readyz)$",
        *only,
        *os.environ.get("HEARTH_SCHEMATHESIS_ARGS", "").split(),
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": HOOKS},
        cwd=REPO,
    )
    async with asyncio.timeout(TIMEOUT_SECONDS):
        output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


@pytest.fixture
async def gateway_process(platform: Platform) -> AsyncIterator[str]:
    """The gateway in a process of its own, in front of the platform's services: the
    URL its Schemathesis run asks. Served on this test's loop with the five services,
    the gateway's answers and theirs took turns on one core while the other was half
    idle, and the gateway's run, with the most operations, ended the test alone."""
    port = free_port()
    env = {
        **os.environ,
        **{f"HEARTH_GATEWAY_{name.upper()}_URL": platform.apps[name].url for name in SERVICE_NAMES},
        "HEARTH_GATEWAY_DOWNSTREAM_TIMEOUT_SECONDS": "5",
        "HEARTH_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        *uvicorn_command("gateway.app", port),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            async with asyncio.timeout(60):
                while True:
                    assert process.returncode is None, "the gateway stopped while starting"
                    with contextlib.suppress(httpx.TransportError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.2)
            # Built once here, as the services' are in the test
            assert (await client.get("/openapi.json")).status_code == 200
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def contractor_work(platform: Platform, url: str, config: Path) -> None:
    """Give CONTRACTOR_ID a work order (a plumbing repair's), a home's gas check and
    electrical check assigned to it, and a gas safety record it made, through the gateway
    as staff and as the contractor; write the Schemathesis configuration file whose
    `[parameters]` name them (the electrical check's id for `check_id`: a certificate is
    recorded for a check other than gas)."""
    async with (
        opened_database(platform.service("repairs").database_url) as db,
        db.sessionmaker() as session,
        session.begin(),
    ):
        await import_schedule(session, SOR_CSV)
    uprn = str(random.randint(10**9, 10**12 - 1))
    staff = {"Authorization": f"Bearer {user_token()}"}
    contractor = {
        "Authorization": f"Bearer {user_token(['contractor'], contractor_id=CONTRACTOR_ID)}"
    }
    async with httpx.AsyncClient(base_url=url, timeout=30) as api:

        async def made(path: str, body: dict[str, object], headers: dict[str, str]) -> Any:
            """What a POST made (201), as its answer's JSON."""
            response = await api.post(
                path, json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
            )
            assert response.status_code == 201, response.text
            return response.json()

        today = london_today()
        await made(
            "/v1/homes",
            {
                "uprn": uprn,
                "address_line_1": "7 Schemathesis Row",
                "town": "London",
                "postcode": "E8 1DY",
                "property_type": "flat",
                "tenure": "general_needs",
                "heating_fuel": "gas",
                "gas_supply": "live",
                "gas_certificate_expires_on": (today + timedelta(days=20)).isoformat(),
            },
            staff,
        )
        home = await api.get(f"/v1/compliance/homes/{uprn}", headers=staff)
        assert home.status_code == 200, home.text
        checks = {check["check_type"]: check for check in home.json()["checks"]}
        for check in (checks["gas_safety"], checks["electrical"]):
            assigned = await api.put(
                f"/v1/compliance/checks/{check['id']}/contractor",
                headers={**staff, "If-Match": f'"{check["version"]}"'},
                json={"contractor_id": CONTRACTOR_ID},
            )
            assert assigned.status_code == 200, assigned.text
        record = await made("/v1/contractor/gas-safety-records", a_record(uprn, today), contractor)
        repair = await made(
            "/v1/repairs",
            {
                "uprn": uprn,
                "description": "Leaking pipe under the sink",
                "location": "kitchen",
                "trade": "plumbing",
                "priority": "routine",
            },
            staff,
        )
        work_order = await made(
            "/v1/work-orders",
            {"repair_id": repair["id"], "lines": [{"sor_code": "PLB:20140", "quantity": 1}]},
            staff,
        )
    parameters = {
        "work_order_id": work_order["id"],
        "check_id": checks["electrical"]["id"],
        "record_id": record["id"],
    }
    write_parameters(config, parameters)


def write_parameters(config: Path, parameters: dict[str, str]) -> None:
    """A Schemathesis configuration file giving each path parameter named its value."""
    config.write_text(
        "[parameters]\n" + "".join(f'{name} = "{value}"\n' for name, value in parameters.items())
    )


async def gateway_operations(url: str) -> tuple[list[str], list[str]]:
    """The gateway's own operations and the contractor API's, as Schemathesis names
    them ("GET /v1/homes/{uprn}"): every staff operation not tagged with the service
    whose route the gateway passes through, and every one under the contractor prefix."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
    operations = [
        (f"{method.upper()} {path}", path.startswith(CONTRACTOR_PREFIX))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
        and (
            path.startswith(CONTRACTOR_PREFIX)
            or not set(operation.get("tags", [])) & set(SERVICE_NAMES)
        )
    ]
    own = [name for name, contractors in operations if not contractors]
    contractors = [name for name, contractors in operations if contractors]
    assert len(own) >= 7, own  # the views, the writes, the report
    assert len(contractors) >= 12, contractors  # work orders, gas safety, checks
    return own, contractors


async def test_every_operation_answers_within_its_schema(
    platform: Platform, gateway_process: str, tmp_path: Path
) -> None:
    """The runs at once (each a subprocess; the services answer on this loop, the
    gateway in its own process), so the suite pays for the slowest, not the sum: one a
    service, and three at the gateway (its own operations, the contractor API's, and
    those it passes through)."""
    names = [*SERVICE_NAMES, "gateway"]
    if only := os.environ.get("HEARTH_SCHEMATHESIS_ONLY"):
        names = [name for name in names if name in only.split(",")]

    for name in SERVICE_NAMES:
        # Built once here: six runs asking at once on a busy machine would each wait
        # for the document longer than Schemathesis' 10 s.
        platform.apps[name].app.openapi()

    async def run(label: str, phases: str = PHASES, *only: str) -> tuple[int, str]:
        at_gateway = label.startswith("gateway")  # gateway, gateway-contractor, -passed-through
        url = gateway_process if at_gateway else platform.apps[label].url
        if label == "gateway-contractor":
            token = user_token(["contractor"], contractor_id=CONTRACTOR_ID)
        else:
            token = user_token() if at_gateway else long_internal_token(label)
        workers = PASSED_THROUGH_WORKERS if label == "gateway-passed-through" else "1"
        config = tmp_path / "contractor.toml" if label == "gateway-contractor" else None
        code, output = await schemathesis(
            url, token, tmp_path / f"{label}.xml", phases, workers, *only, config=config
        )
        (FINDINGS / f"{label}.txt").write_text(output)
        return code, output

    runs = {name: run(name) for name in names if name != "gateway"}
    if "gateway" in names:
        own, contractors = await gateway_operations(gateway_process)
        await contractor_work(platform, gateway_process, tmp_path / "contractor.toml")
        include = [arg for name in own for arg in ("--include-name", name)]
        for_contractors = [arg for name in contractors for arg in ("--include-name", name)]
        exclude = [arg for name in own + contractors for arg in ("--exclude-name", name)]
        runs["gateway"] = run("gateway", GATEWAY_PHASES, *include)
        runs["gateway-contractor"] = run("gateway-contractor", GATEWAY_PHASES, *for_contractors)
        runs["gateway-passed-through"] = run(
            "gateway-passed-through", PASSED_THROUGH_PHASES, *exclude
        )
    results = await asyncio.gather(*runs.values())
    faults = []
    for name, (code, output) in zip(runs, results, strict=True):
        if code != 0:
            faults.append(
                f"Schemathesis found faults in {name} (all of it: {FINDINGS / name}.txt):\n"
                + output[output.find("FAILURES") :][:8000]
            )
    assert not faults, "\n\n".join(faults)
