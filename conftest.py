"""Fixtures every test in the repository can use: real Kafka and a real database.

See tests/harness/infra.py for how each is found (env var, testcontainers, deploy/local).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Import the real gateway package before pytest (importlib mode) imports
# gateway/tests/conftest.py as `gateway.tests.conftest`, which would otherwise register
# the gateway/ folder as a namespace package named `gateway` and hide it.
import gateway  # noqa: F401
from tests.harness.infra import DatabaseFactory, kafka_bootstrap_servers, postgres_server_url
from tests.harness.tokens import use_test_session_keys

# Tests opt in to development explicitly (processes default to production), with a
# fresh internal-token key pair for this session: see tests/harness/tokens.py.
use_test_session_keys()

# Property tests check rules, never speed (speed belongs in bench/): on a shared 2-core
# machine running the suite in parallel an example can take longer than Hypothesis'
# default 200 ms deadline without anything being wrong.
settings.register_profile("hearth", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# In CI the examples are the same on every run (seeded from each test): a submission is
# judged on its own change, not failed by a counterexample that a new random draw found
# in code it did not touch. Run locally, each run draws new examples and finds those.
settings.register_profile("hearth-ci", parent=settings.get_profile("hearth"), derandomize=True)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}
settings.load_profile("hearth-ci" if IN_CI else "hearth")


LONG_MODULES = (
    "tests/reliability/test_stream_faults.py",
    "kit/tests/test_consumer_commit_budget.py",
    "tests/reliability/test_faults.py",
    "tests/security/test_jwks_keys_expire_with_the_key_set.py",
    "tests/reliability/test_outbox.py",
    "tests/ops/test_operations_cli.py",
    "gateway/tests/test_authorisation_matrix.py",
    "tests/security/test_services_check_the_caller.py",
    "tests/ops/test_trace_chain.py",
    "kit/tests/test_kafka_login.py",
    "gateway/tests/homes/test_endpoints.py",
    "gateway/tests/test_reports.py",
    "gateway/tests/test_upload_limits.py",
    "services/engagement/tests/messages/test_send_faults.py",
)
"""The modules that keep a test worker longest (15 to 115 s each, `--durations=0` on two
workers), longest first. `make test` runs them first (`--no-loadscope-reorder`): pytest-
xdist otherwise starts the modules with most tests first, and these, few tests each,
ended the run on one worker while the other had nothing left (docs/adr/0232)."""
ROOT = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """LONG_MODULES' tests first, in its order; every other test as collected."""
    missing = [module for module in LONG_MODULES if not (ROOT / module).is_file()]
    if missing:
        raise pytest.UsageError(f"conftest.LONG_MODULES names no such module: {missing}")
    rank = {module: index for index, module in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def kafka() -> Iterator[str]:
    """Bootstrap servers of a real Apache Kafka broker (started on first use)."""
    with kafka_bootstrap_servers() as servers:
        yield servers


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseFactory]:
    """Creates fresh databases: PostgreSQL when one is configured, else SQLite files.
    Dropped at the end unless HEARTH_TEST_KEEP_DATABASES=1 (CI's, whose server goes with
    the machine: a worker's hundreds of drops cost its last test half a minute)."""
    sqlite_dir: Path = tmp_path_factory.mktemp("sqlite")
    with postgres_server_url() as server_url:
        factory = DatabaseFactory(server_url, sqlite_dir)
        yield factory
        if os.environ.get("HEARTH_TEST_KEEP_DATABASES") != "1":
            await factory.drop_all()
