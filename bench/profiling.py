"""Where a process's CPU goes: py-spy samples of its on-CPU Python stacks, summed up by
the library each sample was in, and by named costs looked for on purpose.

py-spy comes from PyPI through uv's tool cache (`uvx`), so nothing is added to the
project; it samples only stacks that are on the CPU and follows SQLAlchemy's greenlets
as they run (a wall-clock profiler inside the process misattributes their waits).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.workbench import ServiceProcess

PY_SPY = ("uvx", "--from", "py-spy==0.4.3", "py-spy")
"""py-spy from PyPI through uv's tool cache (nothing added to the project). It samples
only stacks that are on the CPU, and sees SQLAlchemy's greenlets as they run."""

NAMED_COSTS = {
    "pool pre-ping (a SELECT 1 on each checkout)": "_async_ping",
    "opening a database connection (pool overflow, SSL probe)": "asyncpg/connect_utils.py",
    "the query itself": "_prepare_and_execute",
    "a read on the read pool (kit DriverReads.fetch, asyncpg's fetch)": "DriverReads.fetch",
    "the read pool's checkout and return (kit ReadPool)": "ReadPool.",
    "FastAPI dependency solving": "solve_dependencies",
    "COMMIT": "_commit_and_discard",
    "internal token verification (kit auth, PyJWT EdDSA)": "hearth_kit/auth.py",
    "OpenTelemetry SQLAlchemy instrumentation": "opentelemetry/instrumentation/sqlalchemy",
    "functools.update_wrapper (a wrapper made per call)": "update_wrapper",
    "logging (structlog)": "structlog",
    "pydantic": "pydantic",
    "SQLAlchemy session and ORM": "sqlalchemy/orm",
    "SQLAlchemy statement compilation": "sqlalchemy/sql/compiler",
    "prometheus_client": "prometheus_client",
    "aiokafka": "aiokafka",
    "envelope parsing and building (contracts)": "hearth_contracts",
    "downstream calls (gateway Downstreams.request)": "Downstreams.request",
    "JSON parsing of downstream answers": "Response.json",
    "user token verification (gateway)": "TokenVerifier.verify",
    "internal token signing (gateway)": "issue_internal_token",
}
"""Costs looked for by name: the share of samples with a frame in them anywhere on the
stack (they overlap). Wrappers (middleware) are left to the categories, which count only
the time spent in their own code."""

REQUEST_HANDLING = "uvicorn/protocols/http"


CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tracing: OpenTelemetry ASGI middleware", ("opentelemetry/instrumentation/asgi",)),
    (
        "tracing: OpenTelemetry SQLAlchemy instrumentation",
        ("opentelemetry/instrumentation/sqlalchemy",),
    ),
    ("tracing: OpenTelemetry SDK and API (spans, context)", ("opentelemetry",)),
    ("tracing: FastAPI's native telemetry", ("fastapi/telemetry",)),
    ("HTTP client (httpx, httpcore, h11)", ("httpx/", "httpcore/", "h11/")),
    ("logging (structlog, logging)", ("structlog", "logging/__init__", "hearth_kit/logs")),
    ("request metrics (prometheus_client)", ("prometheus_client", "hearth_kit/request_metrics")),
    ("token verification (PyJWT, cryptography)", ("jwt/", "cryptography", "hearth_kit/auth")),
    ("database driver (asyncpg)", ("asyncpg",)),
    ("sessions and ORM (SQLAlchemy, SQLModel)", ("sqlalchemy", "sqlmodel")),
    ("Kafka client (aiokafka)", ("aiokafka",)),
    ("contracts (envelopes, event models)", ("hearth_contracts",)),
    ("validation and serialisation (pydantic)", ("pydantic",)),
    ("FastAPI (routing, dependencies, encoding)", ("fastapi",)),
    ("Starlette (middleware, routing, responses)", ("starlette",)),
    ("HTTP server (uvicorn, httptools)", ("uvicorn", "httptools")),
    ("service code (compliance)", ("compliance/",)),
    ("gateway code", ("gateway/src/gateway",)),
    ("other kit code", ("hearth_kit",)),
    ("event loop and waiting (asyncio, uvloop)", ("asyncio", "uvloop", "selectors")),
)


def _category(path: str | None) -> str | None:
    if not path:
        return None
    for name, needles in CATEGORIES:
        if any(needle in path for needle in needles):
            return name
    return None


@dataclass
class Sampler:
    """py-spy recording one process for a while."""

    popen: subprocess.Popen[bytes]
    stacks: Path
    rate: int

    @classmethod
    def start(
        cls, process: ServiceProcess, seconds: float, *, nonblocking: bool, rate: int = 250
    ) -> Sampler:
        """Sample `process` for `seconds`. Non-blocking sampling does not pause the process
        (for runs whose speed is being measured at the same time), at the price of an
        occasional torn stack."""
        stacks = process.log_path.with_suffix(".py-spy.txt")
        command = [
            *PY_SPY,
            "record",
            "--pid",
            str(process.pid),
            "--duration",
            f"{max(seconds, 1):.0f}",
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--full-filenames",
            "--output",
            str(stacks),
        ]
        if nonblocking:
            command.append("--nonblocking")
        popen = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # py-spy attaches
        return cls(popen, stacks, rate)

    def summary(self, within: str | None = None) -> dict[str, Any]:
        _out, err = self.popen.communicate(timeout=180)
        if self.popen.returncode != 0 or not self.stacks.exists():
            return {"error": f"py-spy failed: {err.decode(errors='replace')[-500:]}"}
        return {
            "profiler": f"py-spy 0.4.3, {self.rate} samples/s of on-CPU stacks",
            **where_time_goes(self.stacks, within),
            "stacks_file": str(self.stacks),
        }


def where_time_goes(stacks_file: Path, within: str | None = None) -> dict[str, Any]:
    """Share of on-CPU samples (only stacks with a frame in `within`, when given: for a
    service, REQUEST_HANDLING), by the innermost library CATEGORIES names (so json.dumps
    called by pydantic counts as serialisation); "other" when none."""
    totals: dict[str, int] = {}
    by_name = dict.fromkeys(NAMED_COSTS, 0)
    innermost: dict[str, int] = {}
    outside = 0
    for line in stacks_file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        # SQLAlchemy runs its synchronous core in a greenlet whose stack starts at
        # SQLAlchemy's own frame, not under the request that awaits it: count those too.
        greenlet = "sqlalchemy/" in frames[0]
        if within is not None and not greenlet and not any(within in f for f in frames):
            outside += count
            continue
        category = "other (stdlib and code outside a named library)"
        for frame in reversed(frames):
            if (named := _category(frame)) is not None:
                category = named
                break
        totals[category] = totals.get(category, 0) + count
        innermost[frames[-1]] = innermost.get(frames[-1], 0) + count
        for name, needle in NAMED_COSTS.items():
            if any(needle in frame for frame in frames):
                by_name[name] += count
    inside = sum(totals.values()) or 1
    return {
        "samples": inside + outside,
        "samples_counted": inside,
        "percent_by_category": {
            name: round(100 * value / inside, 1)
            for name, value in sorted(totals.items(), key=lambda item: -item[1])
        },
        "percent_with_a_frame_in": {
            name: round(100 * value / inside, 1) for name, value in by_name.items()
        },
        "top_innermost_frames": {
            frame: round(100 * value / inside, 1)
            for frame, value in sorted(innermost.items(), key=lambda item: -item[1])[:15]
        },
    }
