"""Schemathesis against every service and the gateway, with every check: no 5xx, no
response outside its documented schema or status codes, no schema-valid request
refused without the schema saying why.

Bounded (`MAX_EXAMPLES` per operation) and reproducible (fixed seed, deterministic
generation). Each run is the Schemathesis command line against the running platform,
in a subprocess, so the servers keep serving on this test's event loop meanwhile.
Run alone: `uv run pytest -m api tests/api/test_schemathesis.py`.

A failure prints Schemathesis's report (each failing operation, the check, and a curl
line that reproduces it).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.api.conftest import long_internal_token, user_token
from tests.harness.platform import SERVICE_NAMES, Platform

pytestmark = [pytest.mark.integration, pytest.mark.api]

MAX_EXAMPLES = int(os.environ.get("HEARTH_SCHEMATHESIS_MAX_EXAMPLES", "10"))
SEED = 20261129
TIMEOUT_SECONDS = 900
FINDINGS = Path(__file__).resolve().parents[2] / "var" / "schemathesis"
"""Each run's full report, kept after the test (var/ is not in git)."""
FINDINGS.mkdir(parents=True, exist_ok=True)


async def schemathesis(url: str, token: str, report: Path) -> tuple[int, str]:
    """Run Schemathesis on `url`'s /openapi.json; its exit code and output."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-path-regex",
        "^/(metrics|healthz|readyz)$",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    async with asyncio.timeout(TIMEOUT_SECONDS):
        output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.parametrize("name", [*SERVICE_NAMES, "gateway"])
async def test_every_operation_answers_within_its_schema(
    platform: Platform, name: str, tmp_path: Path
) -> None:
    url = platform.apps[name].url
    token = user_token() if name == "gateway" else long_internal_token(name)
    code, output = await schemathesis(url, token, tmp_path / f"{name}.xml")
    (FINDINGS / f"{name}.txt").write_text(output)
    assert code == 0, (
        f"Schemathesis found faults in {name} (all of it: {FINDINGS / name}.txt):\n"
        + output[output.find("FAILURES") :][:20000]
    )
