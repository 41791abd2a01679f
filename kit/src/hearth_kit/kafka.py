"""Kafka clients configured the way Hearth needs them (aiokafka's defaults are weak)."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from hearth_kit.settings import ServiceSettings


def namespaced(topic: str, namespace: str) -> str:
    return f"{namespace}.{topic}" if namespace else topic


PRODUCER_BATCH_BYTES = 512 * 1024
"""Largest record batch per partition (aiokafka's default, 16 KiB, holds about 30 events)."""
PRODUCER_MAX_REQUEST_BYTES = 1024 * 1024
"""Largest single message the producer sends (aiokafka's default; the broker's
message.max.bytes is a little more)."""


def new_producer(settings: ServiceSettings, *, client_id: str | None = None) -> AIOKafkaProducer:
    """acks=all and the idempotent producer: no loss, no duplicates from retries, per-key
    order kept (aiokafka limits in-flight requests per connection to keep it)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id or f"hearth-{settings.service_name}",
        acks="all",
        enable_idempotence=True,
        # The relay queues thousands of rows at once: large record batches mean few
        # produce requests (aiokafka keeps one in flight per broker), and a short linger
        # lets a lone event after a commit go out at once.
        max_batch_size=PRODUCER_BATCH_BYTES,
        max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        linger_ms=5,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        retry_backoff_ms=200,
    )


def new_consumer(settings: ServiceSettings, *topics: str) -> AIOKafkaConsumer:
    """Manual commits only; start from the earliest event a new group has not seen.
    Polls up to consumer_batch_size records; a rebalance waits up to
    consumer_rebalance_timeout_ms for the batch in hand (a failing batch stops at its
    next retry, and a database outage pauses partitions instead of holding one)."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"hearth-{settings.service_name}",
        group_id=settings.consumer_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=settings.consumer_batch_size,
        max_poll_interval_ms=settings.consumer_max_poll_interval_ms,
        rebalance_timeout_ms=settings.consumer_rebalance_timeout_ms,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        metadata_max_age_ms=5_000,
        retry_backoff_ms=200,
    )


async def broker_reachable(bootstrap_servers: str, timeout: float = 1.0) -> bool:
    """True if any bootstrap server accepts a TCP connection."""
    for server in bootstrap_servers.split(","):
        parts = urlsplit(f"//{server.strip()}")
        host, port = parts.hostname or "127.0.0.1", parts.port or 9092
        try:
            async with asyncio.timeout(timeout):
                _reader, writer = await asyncio.open_connection(host, port)
            writer.close()
            await writer.wait_closed()
            return True
        except (OSError, TimeoutError):
            continue
    return False


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create topics that do not exist yet, with the configured partitions (idempotent),
    and wait until the broker's metadata lists them: a consumer that subscribes right
    after a creation would otherwise be told the topic is not found (aiokafka logs that
    as an error) until the metadata catches up. In production the platform team's topic
    manifests (deploy/k8s) own this; locally and in tests the service does it so a fresh
    broker just works."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"hearth-{settings.service_name}-admin",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if not missing:
            return
        with contextlib.suppress(TopicAlreadyExistsError):  # created meanwhile elsewhere
            await admin.create_topics(
                [
                    NewTopic(
                        name=t,
                        num_partitions=settings.kafka_topic_partitions,
                        replication_factor=settings.kafka_topic_replication_factor,
                    )
                    for t in missing
                ]
            )
        deadline = asyncio.get_running_loop().time() + settings.kafka_request_timeout_ms / 1000
        while not set(missing) <= set(await admin.list_topics()):
            if asyncio.get_running_loop().time() > deadline:
                break  # the consumer's own metadata retries take it from here
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
