"""The kit's Kafka clients log in to a broker that asks for it (ADR 0143): a producer and
a consumer built by the kit with the service's password carry an event through a broker
whose listener is SASL_PLAINTEXT with PLAIN; with a wrong password, starting fails as a
refused login (KafkaLoginRefused, naming the user and the settings), not as a broker
that cannot be reached, and the password is in no error and no log line.

A broker of its own (deploy/local/kafka.sh --sasl-plain), since the shared one takes no
login."""

from __future__ import annotations

import asyncio
import random
import shutil
from collections.abc import Iterator
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from hearth_kit.kafka import (
    KafkaLoginRefused,
    ensure_topics,
    new_consumer,
    new_producer,
    start_client,
)
from hearth_kit.logs import setup_logging
from hearth_kit.personal_data import describe_exception
from hearth_kit.settings import ServiceSettings
from tests.harness.infra import LocalKafka

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("java") is None or shutil.which("mvn") is None,
        reason="a broker asking for a login is the test's own: deploy/local (a JDK and Maven)",
    ),
]

USER = "hearth-repairs"
PASSWORD = "right-horse-battery-staple"
WRONG_PASSWORD = "wrong-horse-battery-staple"
TOPIC = "kit-login.hearth.repairs.events"


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


class LoginKafka(LocalKafka):
    """A deploy/local broker whose listener asks for a SASL PLAIN login, USER's."""

    start_options = ("--sasl-plain", f"{USER}:{PASSWORD}")


@pytest.fixture(scope="module")
def broker() -> Iterator[LoginKafka]:
    with LoginKafka.running(f"kit-login-{random.randint(0, 10**6)}") as kafka:
        yield kafka


def settings_for(broker: LoginKafka, password: str) -> RepairsSettings:
    return RepairsSettings(
        environment="development",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=USER,
        kafka_sasl_password=password,
        kafka_namespace="kit-login",
        kafka_request_timeout_ms=5000,
    )


async def test_a_producer_and_a_consumer_with_the_password_carry_an_event(
    broker: LoginKafka,
) -> None:
    settings = settings_for(broker, PASSWORD)
    await ensure_topics(settings, [TOPIC])
    producer = new_producer(settings)
    await start_client(producer, settings)
    try:
        await producer.send_and_wait(TOPIC, b'{"type": "repair.reported"}', key=b"repair-1")
    finally:
        await producer.stop()
    consumer = new_consumer(settings, TOPIC)
    await start_client(consumer, settings)
    try:
        async with asyncio.timeout(30):
            record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"repair-1", b'{"type": "repair.reported"}')


async def test_a_wrong_password_is_a_refused_login_and_never_shown(
    broker: LoginKafka, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read from the process's own log handler at its most verbose (HEARTH_LOG_LEVEL=
    DEBUG): aiokafka's debug lines would print a PLAIN login's bytes, password and all,
    and the kit keeps aiokafka at WARNING whatever the level (hearth_kit.logs)."""
    settings = settings_for(broker, WRONG_PASSWORD)
    setup_logging("DEBUG", "json")
    capsys.readouterr()  # what came before the test
    producer = new_producer(settings)
    with pytest.raises(KafkaLoginRefused) as refused:
        await start_client(producer, settings)
    await producer.stop()
    # What the relay and the consumer log when they retry (hearth_kit.personal_data).
    described = describe_exception(refused.value)
    assert f"refused the login '{USER}'" in described
    assert "KAFKA_SASL_PASSWORD" in described
    with pytest.raises(KafkaLoginRefused):  # the topics' admin client, first at start
        await ensure_topics(settings, [TOPIC])
    logged = capsys.readouterr().out
    assert "SaslAuthenticationFailed" in logged  # aiokafka's own line says why
    shown = [described, str(refused.value), repr(refused.value), logged]
    for text in shown:
        assert WRONG_PASSWORD not in text
        assert PASSWORD not in text
