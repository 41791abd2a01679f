"""Settings every service shares: service-prefixed values override the platform-wide
ones, which override the defaults."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from hearth_kit.settings import InsecureConfiguration, ServiceSettings


class IncomeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_INCOME_", extra="ignore")
    service_name: ClassVar[str] = "income"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_ALLOW_PLAINTEXT",
        "HEARTH_KAFKA_NAMESPACE",
        "HEARTH_LOG_LEVEL",
        "HEARTH_LOG_FORMAT",
        "HEARTH_OTEL_EXPORTER",
        "HEARTH_INCOME_DATABASE_URL",
        "HEARTH_INCOME_KAFKA_BOOTSTRAP_SERVERS",
        "HEARTH_INCOME_KAFKA_NAMESPACE",
        "HEARTH_INCOME_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_default_database_is_a_sqlite_file_named_after_the_service() -> None:
    assert IncomeSettings().database_url == "sqlite+aiosqlite:///var/income.db"


def test_a_configured_database_url_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://income@db.internal/income"
    monkeypatch.setenv("HEARTH_INCOME_DATABASE_URL", url)
    assert IncomeSettings().database_url == url


POSTGRESQL = "postgresql+asyncpg://income@db.internal/income"


def test_development_needs_nothing_configured() -> None:
    IncomeSettings(environment="development").refuse_development_defaults()


def test_production_has_no_default_database_or_broker() -> None:
    settings = IncomeSettings(environment="production")
    assert settings.database_url == ""
    assert settings.kafka_bootstrap_servers == ""


def test_production_refuses_to_start_without_a_postgresql_database_url() -> None:
    """The image runs in production: without its URL a service used to write to a SQLite
    file inside the container, lost with it."""
    with pytest.raises(InsecureConfiguration, match="HEARTH_INCOME_DATABASE_URL"):
        IncomeSettings(environment="production").refuse_development_defaults()
    sqlite = IncomeSettings(environment="production", database_url="sqlite+aiosqlite:///i.db")
    with pytest.raises(InsecureConfiguration, match="PostgreSQL"):
        sqlite.refuse_development_defaults()


def test_production_refuses_to_start_without_bootstrap_servers() -> None:
    """Without them a service pointed at 127.0.0.1:9092, published nothing and its
    /readyz said only "degraded"."""
    settings = IncomeSettings(environment="production", database_url=POSTGRESQL)
    with pytest.raises(InsecureConfiguration, match="KAFKA_BOOTSTRAP_SERVERS"):
        settings.refuse_development_defaults()
    settings.refuse_development_defaults(broker=False)  # the migrations need no broker


def test_production_starts_with_its_database_and_brokers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INCOME_DATABASE_URL", POSTGRESQL)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092")
    # A plaintext broker is taken only where the network is said to be trusted (ADR
    # 0143; kit/tests/test_kafka_security.py).
    monkeypatch.setenv("KAFKA_ALLOW_PLAINTEXT", "true")
    IncomeSettings(environment="production").refuse_development_defaults()


def test_kafka_defaults_to_a_local_broker() -> None:
    assert IncomeSettings().kafka_bootstrap_servers == "127.0.0.1:9092"


def test_kafka_bootstrap_servers_applies_to_a_service_without_its_own_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    assert IncomeSettings().kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"


def test_a_service_prefixed_kafka_value_overrides_the_platform_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092")
    monkeypatch.setenv("HEARTH_INCOME_KAFKA_BOOTSTRAP_SERVERS", "income-kafka:9092")
    assert IncomeSettings().kafka_bootstrap_servers == "income-kafka:9092"


def test_the_platform_log_level_applies_unless_the_service_sets_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_LOG_LEVEL", "DEBUG")
    assert IncomeSettings().log_level == "DEBUG"
    monkeypatch.setenv("HEARTH_INCOME_LOG_LEVEL", "WARNING")
    assert IncomeSettings().log_level == "WARNING"


def test_the_consumer_group_is_the_service_name_without_a_namespace() -> None:
    settings = IncomeSettings()
    assert settings.kafka_namespace == ""
    assert settings.consumer_group == "income"


def test_the_consumer_group_is_prefixed_by_the_namespace() -> None:
    assert IncomeSettings(kafka_namespace="t1a2b3").consumer_group == "t1a2b3.income"


def test_the_platform_namespace_applies_to_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_KAFKA_NAMESPACE", "staging")
    assert IncomeSettings().consumer_group == "staging.income"


def test_a_failing_events_retries_must_fit_between_two_polls() -> None:
    """Ten tries doubling from 1 s wait 511 s, past half of a 300 s poll interval: the
    group would move the partition on while the consumer sleeps (and a poison event
    would hold it for minutes); refused, naming the settings."""
    with pytest.raises(ValueError, match="consumer_max_attempts=10"):
        IncomeSettings(consumer_max_attempts=10, consumer_retry_backoff_seconds=1.0)
    with pytest.raises(ValueError, match="consumer_max_attempts"):
        IncomeSettings(consumer_max_attempts=30)


def test_retries_within_the_poll_interval_are_taken() -> None:
    assert IncomeSettings().consumer_max_attempts == 4
    taken = IncomeSettings(
        consumer_max_attempts=8,
        consumer_retry_backoff_seconds=1.0,
        consumer_max_poll_interval_ms=600_000,
    )
    assert taken.consumer_retry_backoff_seconds == 1.0
