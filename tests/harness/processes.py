"""A service in its own operating-system process (uvicorn), for tests that kill it.

The child inherits this process's environment (so the test session's development
settings and internal-token key reach it) with the service's database, the broker and
the run's topic namespace set on top.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.harness.infra import REPO


def start_service_process(
    service: str, *, database_url: str, kafka: str, namespace: str, port: int
) -> subprocess.Popen[bytes]:
    prefix = f"HEARTH_{service.upper()}_"
    env = {
        **os.environ,
        f"{prefix}DATABASE_URL": database_url,
        f"{prefix}OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
        f"{prefix}CONSUMER_RETRY_BACKOFF_SECONDS": "0.05",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "HEARTH_KAFKA_NAMESPACE": namespace,
        "HEARTH_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        uvicorn_command(f"{service}.app", port),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def uvicorn_command(module: str, port: int) -> list[str]:
    """The command that serves `module`'s `create_app` on localhost `port` (uvicorn's app
    factory), no access log."""
    return [
        *(sys.executable, "-m", "uvicorn", f"{module}:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
    ]
