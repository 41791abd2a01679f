"""`make run`: the whole platform on this machine.

Finds a Kafka broker (KAFKA_BOOTSTRAP_SERVERS if set; else a Docker engine through
testcontainers; else deploy/local/kafka.sh on the JDK), migrates every service's
database (SQLite files under var/ unless HEARTH_<SERVICE>_DATABASE_URL says otherwise),
imports the sample Schedule of Rates (deploy/local/sample-sor.csv) into repairs' database
when its schedule is empty (so the docs' work-order examples work), then runs the five
services and the gateway with honcho from the Procfile. Ctrl-C stops everything, the
broker included, and leaves no process behind.

It sets HEARTH_ENVIRONMENT=development for every process it starts: the explicit opt-in
to the development user-token secret and the development internal-token key (every
process defaults to production and refuses to start without its keys there). Income is
a council's unless HEARTH_INCOME_LANDLORD_KIND says otherwise (`housing_association`):
the docs' examples record introductory tenancies (ADR 0150).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from hearth_contracts.topics import GATEWAY_DEFAULT_PORT, SERVICES

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SOR = REPO / "deploy" / "local" / "sample-sor.csv"
"""A small Schedule of Rates for development only (the codes docs/api/repairs.md uses);
a landlord imports its own with `uv run hearth import sor FILE`."""
GATEWAY_URL = f"http://127.0.0.1:{GATEWAY_DEFAULT_PORT}"


def say(message: str) -> None:
    print(f"hearth: {message}", flush=True)


def docker_reachable() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        from testcontainers.core.docker_client import DockerClient

        DockerClient().client.ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def kafka() -> Iterator[str]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        say(f"using the Kafka broker at {servers} (KAFKA_BOOTSTRAP_SERVERS)")
        yield servers
        return
    if docker_reachable():
        from testcontainers.kafka import KafkaContainer

        say("starting Kafka in Docker (testcontainers)")
        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    script = REPO / "deploy" / "local" / "kafka.sh"
    say("starting Apache Kafka on the local JDK (deploy/local/kafka.sh); first run fetches it")
    out = subprocess.run(
        ["bash", str(script), "start", "--name", "run"],
        check=True,
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    servers = next(
        line.split("=", 1)[1]
        for line in out.splitlines()
        if line.startswith("KAFKA_BOOTSTRAP_SERVERS=")
    )
    try:
        yield servers
    finally:
        say("stopping Kafka")
        subprocess.run(["bash", str(script), "stop", "--name", "run"], check=False, cwd=REPO)


def migrate() -> None:
    from hearth_kit.migrations import upgrade

    for name in SERVICES:
        module = importlib.import_module(f"{name}.settings")
        url = module.settings_from_env().database_url
        asyncio.run(upgrade(module.MIGRATIONS_DIR, url))
        say(f"migrated {name} ({url.split('@')[-1]})")


async def import_sample_schedule(url: str, sample: Path = SAMPLE_SOR) -> int | None:
    """Import the sample into the repairs database at `url` if its schedule is empty:
    the number of codes added, or None when a schedule was there already."""
    from sqlalchemy import func, select

    from hearth_kit.db import Database
    from repairs.models import ScheduleOfRatesItem
    from repairs.sor.service import import_schedule

    db = Database(url)
    try:
        async with db.sessionmaker() as session, session.begin():
            count = select(func.count()).select_from(ScheduleOfRatesItem)
            if (await session.execute(count)).scalar_one() > 0:
                return None  # the landlord's own schedule (or the sample) is there already
            with sample.open(newline="", encoding="utf-8") as file:
                report = await import_schedule(session, file)
            return report.added
    finally:
        await db.dispose()


def seed_schedule_of_rates(sample: Path = SAMPLE_SOR) -> None:
    """Import the sample Schedule of Rates into repairs' database when its schedule is
    empty: a fresh `make run` can then raise the docs' work orders. A schedule already
    there (imported before, or the landlord's own) is left exactly as it is."""
    from repairs.settings import settings_from_env

    added = asyncio.run(import_sample_schedule(settings_from_env().database_url, sample))
    if added is not None:
        say(f"imported the sample Schedule of Rates ({added} codes, {sample.relative_to(REPO)})")


async def _group_coordinator_ready(servers: str, seconds: float = 30.0) -> None:
    """Wait until the broker can coordinate consumer groups. A fresh broker creates its
    offsets topic on the first group's request and answers "coordinator not available"
    meanwhile, which each service's consumer would log as an error at start-up; asking
    here first, quietly, keeps a fresh `make run`'s log free of errors that are not."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=servers, client_id="hearth-make-run")
    await admin.start()
    try:
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            try:
                await admin.describe_consumer_groups(["hearth-make-run"])
                return
            except KafkaError:
                if asyncio.get_running_loop().time() > deadline:
                    return  # the services' consumers retry on their own
                await asyncio.sleep(0.2)
    finally:
        await admin.close()


def development_token() -> str:
    from gateway.auth import issue_development_token

    return issue_development_token(role="staff", subject="make-run")


def main() -> int:
    os.chdir(REPO)
    os.environ["HEARTH_ENVIRONMENT"] = "development"
    os.environ.setdefault("HEARTH_LOG_FORMAT", "console")
    os.environ.setdefault("HEARTH_INCOME_LANDLORD_KIND", "council")
    with kafka() as servers:
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = servers
        migrate()
        seed_schedule_of_rates()
        asyncio.run(_group_coordinator_ready(servers))
        token = development_token()
        say("starting the services and the gateway (Ctrl-C stops everything)")
        print(
            f"""
  Gateway:      {GATEWAY_URL}   (OpenAPI: {GATEWAY_URL}/docs)
  A token:      export HEARTH_ENVIRONMENT=development; uv run hearth dev-token --role staff
  Try:          curl -H "Authorization: Bearer {token[:16]}..." {GATEWAY_URL}/v1/homes/100023336956
                (the full token is printed by the command above)
  /admin:       uv run hearth admin-token --service repairs   (a service's own token)
""",
            flush=True,
        )
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "-f", str(REPO / "Procfile"), "start"],
            cwd=REPO,
        )
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # honcho gets it too
        try:
            return honcho.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
            if honcho.poll() is None:
                honcho.terminate()
                honcho.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
