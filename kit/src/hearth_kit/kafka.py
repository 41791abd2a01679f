"""Kafka clients configured the way Hearth needs them (aiokafka's defaults are weak)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import create_conn
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.errors import (
    AuthenticationFailedError,
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    SaslAuthenticationFailed,
    TopicAlreadyExistsError,
    UnsupportedSaslMechanismError,
)
from aiokafka.helpers import create_ssl_context

from hearth_kit.settings import ServiceSettings


def namespaced(topic: str, namespace: str) -> str:
    return f"{namespace}.{topic}" if namespace else topic


PRODUCER_BATCH_BYTES = 512 * 1024
"""Largest record batch per partition (aiokafka's default, 16 KiB, holds about 30 events)."""
PRODUCER_MAX_REQUEST_BYTES = 1024 * 1024
"""Largest single message the producer sends (aiokafka's default; the broker's
message.max.bytes is a little more)."""


def connection_kwargs(settings: ServiceSettings) -> dict[str, Any]:
    """How every Kafka client the kit makes reaches the brokers: the bootstrap servers,
    the security protocol, the TLS context (the CA, and the client's own certificate
    where the brokers ask for one) and the SASL login. The one place these are read, so
    no client (producer, consumer, admin, the rebuild's, the dead letters') is left on
    plaintext by a copy that was forgotten (ADR 0143). The password goes to aiokafka
    only; the dict is never logged."""
    protocol = settings.kafka_security_protocol
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        key_password = settings.kafka_ssl_key_password.get_secret_value()
        kwargs["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_ca_file or None,
            certfile=settings.kafka_ssl_cert_file or None,
            keyfile=settings.kafka_ssl_key_file or None,
            password=key_password or None,
        )
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        kwargs["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return kwargs


class KafkaLoginRefused(KafkaError):
    """The brokers refused the service's Kafka login (a wrong password, a user the
    brokers do not know, a mechanism they do not offer). Named so, instead of aiokafka's
    "Unable to bootstrap", which reads like a broker that is down. It names the user and
    the settings, never the password."""


class _Startable(Protocol):
    async def start(self) -> None: ...


async def start_client(client: _Startable, settings: ServiceSettings) -> None:
    """Start a client built with `connection_kwargs`. aiokafka reports every failed
    bootstrap alike (KafkaConnectionError: Unable to bootstrap); with a SASL login, one
    connection is tried again to tell a refused login (KafkaLoginRefused) from brokers
    that cannot be reached (the KafkaConnectionError, as before)."""
    try:
        await client.start()
    except KafkaConnectionError:
        if settings.kafka_security_protocol.startswith("SASL_"):
            await _raise_if_login_refused(settings)
        raise


async def _raise_if_login_refused(settings: ServiceSettings) -> None:
    kwargs = connection_kwargs(settings)
    del kwargs["bootstrap_servers"]
    for server in settings.kafka_bootstrap_servers.split(","):
        parts = urlsplit(f"//{server.strip()}")
        host, port = parts.hostname or "127.0.0.1", parts.port or 9092
        try:
            conn = await create_conn(
                host, port, request_timeout_ms=settings.kafka_request_timeout_ms, **kwargs
            )
        except (
            SaslAuthenticationFailed,
            AuthenticationFailedError,
            UnsupportedSaslMechanismError,
            IllegalSaslStateError,
        ) as refused:
            raise KafkaLoginRefused(
                f"the Kafka brokers refused the login {settings.kafka_sasl_username!r} "
                f"({settings.kafka_sasl_mechanism} over {settings.kafka_security_protocol}: "
                f"{type(refused).__name__}): check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD "
                "and KAFKA_SASL_MECHANISM (or the service's HEARTH_<SERVICE>_KAFKA_SASL_...)"
            ) from None
        except (OSError, KafkaError, TimeoutError):
            continue
        conn.close()


def new_producer(settings: ServiceSettings, *, client_id: str | None = None) -> AIOKafkaProducer:
    """acks=all and the idempotent producer: no loss, no duplicates from retries, per-key
    order kept (aiokafka limits in-flight requests per connection to keep it)."""
    return AIOKafkaProducer(
        **connection_kwargs(settings),
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


PRODUCER_STOP_GRACE_SECONDS = 5.0
TEARDOWN_STEP_SECONDS = 5.0
"""Each step of a client's teardown cancels tasks or closes sockets: quick, but bounded."""


async def stop_producer(
    producer: AIOKafkaProducer, *, grace: float = PRODUCER_STOP_GRACE_SECONDS
) -> bool:
    """Stop a producer, sending what it holds first, and say whether it could. One that
    cannot within `grace` seconds is torn down instead: what it held fails (its senders
    see KafkaTimeoutError), its sender task ends and its connections close.

    An idempotent producer whose broker is lost never expires what it holds, so
    aiokafka's `stop()` waits for the broker for ever; cancelled, it leaves the sender
    task retrying and logging for the rest of the process (ADR 0232). aiokafka has no
    stop without the flush, so the teardown reaches its sender, accumulator and client,
    the parts `stop()` itself closes. uv.lock pins aiokafka, and
    kit/tests/test_consumer_commit_budget.py fails if the teardown stops working."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(grace):
            await producer.stop()
            return True
    # The sender first: cancelled, it waits for its requests in flight (each bounded by
    # request_timeout_ms) and ends. Then what it held fails, which also ends the flush
    # that the cancelled stop() started, and the client's connections close.
    await _teardown_step(producer._sender.close())
    accumulator = producer._message_accumulator
    held = [*(b for batches in accumulator._batches.values() for b in batches)]
    held += accumulator._pending_batches
    accumulator.fail_all(KafkaTimeoutError(f"the producer was stopped unsent after {grace:g} s"))
    for batch in held:
        # Read here, so a future no sender awaits any more (its wait given up) is not
        # reported as "never retrieved" whenever it is collected.
        for failed in (batch.future, batch._drain_waiter, *(f for f, _ in batch._msg_futures)):
            if failed.done() and not failed.cancelled():
                failed.exception()
    await _teardown_step(producer.client.close())
    return False


async def stop_consumer(consumer: AIOKafkaConsumer, *, grace: float) -> bool:
    """Stop a consumer (leaving its group), and say whether it could. One that cannot
    within `grace` seconds, or whose stop fails, is torn down instead: its group
    coordination, heartbeat, fetcher and connections end, and the broker drops the
    member at its session timeout. Nothing it held is lost: offsets are committed only
    after a batch's transaction, so whoever takes its partitions starts from there.

    With the broker lost, aiokafka's `stop()` waits for a group coordinator that cannot
    be found (aio-libs/aiokafka#659), for ever, or ends cancelled by the tasks it
    stops, before it closes the client. Left so, the client retries and logs for the
    rest of the process (ADR 0232). As with `stop_producer`, the teardown reaches the
    parts `stop()` closes."""
    stopping = asyncio.create_task(_stopped_quietly(consumer), name="consumer-stop")
    _STOPPING.add(stopping)  # the loop keeps only a weak reference to a task
    stopping.add_done_callback(_STOPPING.discard)
    await asyncio.wait({stopping}, timeout=grace)
    if stopping.done() and not stopping.cancelled() and stopping.result():
        return True
    coordinator = consumer._coordinator
    if isinstance(coordinator, GroupCoordinator):
        # The stop waits on the coordination task (looking for the coordinator);
        # cancelled, it ends the stop too. Then what the stop would have closed after it.
        coordinator._coordination_task.cancel()
        await _teardown_step(asyncio.wait({stopping}))
        await _teardown_step(coordinator._stop_heartbeat_task())
        await _teardown_step(coordinator._stop_commit_offsets_refresh_task())
    if consumer._fetcher is not None:
        await _teardown_step(consumer._fetcher.close())
    await _teardown_step(consumer._client.close())
    return False


_STOPPING: set[asyncio.Task[bool]] = set()
"""Consumers' stops under way, kept referenced until they end: one given up on, and not
ended by its teardown, would otherwise be collected while it runs."""


async def _stopped_quietly(consumer: AIOKafkaConsumer) -> bool:
    try:
        await consumer.stop()
    except Exception:
        return False
    return True


async def _teardown_step(step: Awaitable[Any]) -> None:
    """One step of a client's teardown, given TEARDOWN_STEP_SECONDS. What it raises is
    dropped: the client is being thrown away. A CancelledError too (aiokafka awaits
    tasks it has just cancelled), unless this task itself is being cancelled."""
    try:
        async with asyncio.timeout(TEARDOWN_STEP_SECONDS):
            await step
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    except Exception:
        return


def new_consumer(settings: ServiceSettings, *topics: str) -> AIOKafkaConsumer:
    """Manual commits only; start from the earliest event a new group has not seen.
    Polls up to consumer_batch_size records; a rebalance waits up to
    consumer_rebalance_timeout_ms for the batch in hand (a failing batch stops at its
    next retry, and a database outage pauses partitions instead of holding one)."""
    return AIOKafkaConsumer(
        *topics,
        **connection_kwargs(settings),
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


def new_admin(settings: ServiceSettings, *, client_id: str) -> AIOKafkaAdminClient:
    """An admin client (topics and their partitions) reaching the brokers as the
    producers and consumers do."""
    return AIOKafkaAdminClient(
        **connection_kwargs(settings),
        client_id=client_id,
        request_timeout_ms=settings.kafka_request_timeout_ms,
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
    admin = new_admin(settings, client_id=f"hearth-{settings.service_name}-admin")
    await start_client(admin, settings)
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
