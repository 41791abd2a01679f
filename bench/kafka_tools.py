"""Apache Kafka's own performance tools, run from the jars deploy/local/kafka.sh fetched
(~/.cache/hearth/kafka-<version>/libs): the ceiling each Hearth figure is a ratio of."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

KAFKA_HOME = Path(
    os.environ.get("HEARTH_KAFKA_HOME", Path.home() / ".cache" / "hearth" / "kafka-4.1.1")
)

PRODUCER_PROPS = ("acks=all", "enable.idempotence=true", "linger.ms=5")
"""As hearth_kit.kafka.new_producer configures the relay's producer."""


@dataclass(frozen=True)
class ToolRun:
    records: int
    per_second: float
    detail: dict[str, float]


def _run(main_class: str, *args: str) -> str:
    libs = KAFKA_HOME / "libs"
    if not libs.is_dir():
        raise SystemExit(f"Kafka's jars are not in {libs}: run `make kafka-start` once")
    result = subprocess.run(
        ["java", "-Xmx512m", "-cp", f"{libs}/*", main_class, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def producer_performance(servers: str, topic: str, records: int, record_size: int) -> ToolRun:
    """ProducerPerformance at full speed: acks=all, idempotent, linger 5 ms."""
    out = _run(
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(record_size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={servers}",
        *PRODUCER_PROPS,
    )
    # The last line sums up the whole run: "N records sent, X records/sec (Y MB/sec),
    # A ms avg latency, M ms max latency, p50 ms 50th, ..."
    summary = [line for line in out.splitlines() if "records sent" in line][-1]
    found = re.search(r"([\d.]+) records/sec", summary)
    if found is None:
        raise RuntimeError(f"ProducerPerformance printed no rate:\n{out}")
    rate = float(found.group(1))
    detail = {"record_size_bytes": float(record_size)}
    for name, pattern in {
        "avg_latency_ms": r"([\d.]+) ms avg latency",
        "p99_latency_ms": r"([\d.]+) ms 99th",
    }.items():
        if found := re.search(pattern, summary):
            detail[name] = float(found.group(1))
    return ToolRun(records, rate, detail)


def consumer_performance(servers: str, topic: str, records: int) -> ToolRun:
    """ConsumerPerformance reading `records` from the start of `topic` in a new group.
    The rate is its fetch rate (excluding the group join), as the consumer's is timed
    from its first handled event."""
    out = _run(
        "org.apache.kafka.tools.ConsumerPerformance",
        "--bootstrap-server",
        servers,
        "--topic",
        topic,
        "--messages",
        str(records),
        "--group",
        f"bench-perf-{uuid.uuid4().hex[:6]}",
        "--timeout",
        "60000",
    )
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    # rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    last = [line for line in out.splitlines() if line and line[0].isdigit()][-1]
    fields = [field.strip() for field in last.split(",")]
    consumed = int(float(fields[4]))
    return ToolRun(
        consumed,
        float(fields[9]),
        {"including_group_join_per_second": float(fields[5]), "rebalance_ms": float(fields[6])},
    )
