"""Settings every service shares. A service subclasses ServiceSettings with its own
env prefix (HEARTH_<SERVICE>_), so one process environment can configure them all."""

from __future__ import annotations

import os
from datetime import date
from typing import ClassVar, Literal, cast

from pydantic import Field, SecretStr, TypeAdapter, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hearth_kit.request_limits import max_body_bytes_from_env

LogFormat = Literal["json", "console"]
OtelExporter = Literal["none", "console", "otlp"]
KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
KafkaSaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
Environment = Literal["development", "production"]
"""Where a process runs. Production unless HEARTH_ENVIRONMENT=development says otherwise:
development is the one explicit opt-in to development keys (see docs/adr/0006)."""


class InsecureConfiguration(RuntimeError):
    """The process would start in production on what suits only a developer's machine: a
    key anyone can read, no key at all, a SQLite file for a database, a broker
    assumed on 127.0.0.1 or reached in plaintext on a network nobody said was trusted."""


def environment_from_env() -> Environment:
    """HEARTH_ENVIRONMENT, shared by every process; production when unset."""
    return cast(Environment, _env("HEARTH_ENVIRONMENT", "production"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _secret_env(name: str) -> SecretStr:
    return SecretStr(os.environ.get(name, ""))


class ServiceSettings(BaseSettings):
    """Runtime settings. The unprefixed KAFKA_BOOTSTRAP_SERVERS, HEARTH_KAFKA_NAMESPACE,
    HEARTH_LOG_LEVEL, HEARTH_LOG_FORMAT and HEARTH_OTEL_EXPORTER apply to every service
    unless a service-prefixed value (HEARTH_REPAIRS_LOG_LEVEL, ...) overrides them."""

    # A setting refused at start is named, never echoed: the value may be a password
    # (a database URL's, an SMTP login's, a contractor's webhook secret inside
    # HEARTH_REPAIRS_CONTRACTORS), and the error goes to the logs. Subclasses inherit it.
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_", extra="ignore", hide_input_in_errors=True
    )

    service_name: ClassVar[str] = "hearth"

    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL. Required in production (PostgreSQL); in "
        "development the default is a SQLite file var/<service>.db",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        description="Connections the service keeps open to its database: at least the "
        "requests it serves at once, so none is opened inside a request",
    )
    database_max_overflow: int = Field(
        default=10, ge=0, description="Connections opened beyond the pool for a burst"
    )
    database_read_pool_size: int = Field(
        default=10,
        ge=1,
        description="Connections of the read pool on PostgreSQL (reads by key through "
        "ReadConnectionDep, the kit's ReadPool of asyncpg connections), opened as they are needed",
    )
    database_statement_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        allow_inf_nan=False,
        description="The longest one PostgreSQL statement may take, answer included, "
        "before it is given up as the database not answering (a 503 to a request; the "
        "consumer pauses the partition and comes back to it): a connection whose server "
        "went silent, or a lock nobody releases, otherwise holds a request or a consumer's "
        "batch for ever. At least the longest wait a statement may rightly have: a stock "
        "file waits for the one before it (about a minute; ADR 0083)",
    )
    kafka_bootstrap_servers: str = Field(
        default_factory=lambda: _env("KAFKA_BOOTSTRAP_SERVERS", ""),
        description="The brokers (KAFKA_BOOTSTRAP_SERVERS for every service). Required in "
        "production; in development the default is 127.0.0.1:9092",
    )
    kafka_security_protocol: KafkaSecurityProtocol = Field(
        default_factory=lambda: cast(
            KafkaSecurityProtocol, _env("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
        ),
        validate_default=True,
        description="How the Kafka clients reach the brokers (KAFKA_SECURITY_PROTOCOL for "
        "every service): PLAINTEXT (no encryption, no login), SSL (TLS), SASL_PLAINTEXT (a "
        "login, no encryption) or SASL_SSL (a login over TLS). Production refuses the two "
        "plaintext ones unless kafka_allow_plaintext says the network is trusted (ADR 0143)",
    )
    kafka_allow_plaintext: bool = Field(
        default_factory=lambda: _env("KAFKA_ALLOW_PLAINTEXT", "false"),
        validate_default=True,
        description="KAFKA_ALLOW_PLAINTEXT: production may reach the brokers without TLS "
        "(PLAINTEXT or SASL_PLAINTEXT), because something else keeps the traffic private: "
        "deploy/k8s's NetworkPolicy admitting only the services to the broker's listener "
        "(ADR 0004). Ignored in development",
    )
    kafka_sasl_mechanism: KafkaSaslMechanism = Field(
        default_factory=lambda: cast(
            KafkaSaslMechanism, _env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        ),
        validate_default=True,
        description="KAFKA_SASL_MECHANISM with SASL_PLAINTEXT or SASL_SSL: SCRAM-SHA-512 (a "
        "Strimzi KafkaUser's), SCRAM-SHA-256 or PLAIN (the password itself goes to the "
        "broker: over TLS only in production)",
    )
    kafka_sasl_username: str = Field(
        default_factory=lambda: _env("KAFKA_SASL_USERNAME", ""),
        description="KAFKA_SASL_USERNAME: the service's Kafka login (one per service, "
        "HEARTH_<SERVICE>_KAFKA_SASL_USERNAME, so each has its own ACLs)",
    )
    kafka_sasl_password: SecretStr = Field(
        default_factory=lambda: _secret_env("KAFKA_SASL_PASSWORD"),
        description="KAFKA_SASL_PASSWORD: the login's password (a secret, never logged)",
    )
    kafka_ssl_ca_file: str = Field(
        default_factory=lambda: _env("KAFKA_SSL_CA_FILE", ""),
        description="KAFKA_SSL_CA_FILE: PEM file of the CA that signed the brokers' "
        "certificates (Strimzi's <cluster>-cluster-ca-cert); the system's CAs when empty",
    )
    kafka_ssl_cert_file: str = Field(
        default_factory=lambda: _env("KAFKA_SSL_CERT_FILE", ""),
        description="KAFKA_SSL_CERT_FILE: the client's own certificate (PEM), for a broker "
        "that authenticates clients by TLS (Strimzi's `tls` authentication); with "
        "kafka_ssl_key_file",
    )
    kafka_ssl_key_file: str = Field(
        default_factory=lambda: _env("KAFKA_SSL_KEY_FILE", ""),
        description="KAFKA_SSL_KEY_FILE: the private key of kafka_ssl_cert_file (PEM)",
    )
    kafka_ssl_key_password: SecretStr = Field(
        default_factory=lambda: _secret_env("KAFKA_SSL_KEY_PASSWORD"),
        description="KAFKA_SSL_KEY_PASSWORD: the key file's password, if it has one (a secret)",
    )
    kafka_namespace: str = Field(
        default_factory=lambda: _env("HEARTH_KAFKA_NAMESPACE", ""),
        description="Optional prefix on every topic and consumer group (test isolation).",
    )
    relay_enabled: bool = True
    consumer_enabled: bool = True
    scheduler_enabled: bool = Field(
        default=True, description="Run the service's scheduled jobs (hearth_kit.scheduler)"
    )
    outbox_batch_size: int = Field(
        default=5000, ge=1, le=20_000, description="Rows the relay reads, sends and marks at once"
    )
    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_max_attempts: int = Field(
        default=5, ge=1, description="Refusals of one row by the broker before it is parked"
    )
    outbox_delivery_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Wait for the broker's acks before backing off"
    )
    outbox_metrics_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the backlog and parked gauges are counted"
    )
    outbox_relay_lanes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Lanes the outbox is published in: a row's lane is a hash of its key, "
        "each lane has its own lock, so as many relays (replicas) send side by side "
        "(docs/adr/0018-relay-lanes.md). Every replica of a service must use the same value.",
    )
    consumer_max_attempts: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Tries of one event's handler before it is dead-lettered",
    )
    consumer_retry_backoff_seconds: float = Field(
        default=0.2,
        ge=0,
        le=60,
        description="The wait before a handler's second try, doubled before each next one; "
        "all of one event's waits must fit in half of consumer_max_poll_interval_ms",
    )
    consumer_batch_size: int = Field(
        default=5000, ge=1, le=20_000, description="Records the consumer polls and handles at once"
    )
    consumer_rebalance_timeout_ms: int = Field(
        default=30_000, ge=1000, description="How long a rebalance waits for the batch in hand"
    )
    consumer_max_poll_interval_ms: int = Field(
        default=300_000, ge=1000, description="Longest gap between polls before the group moves on"
    )
    consumer_lag_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often hearth_consumer_lag is refreshed"
    )
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    kafka_request_timeout_ms: int = Field(default=10_000, ge=1000)
    log_level: str = Field(default_factory=lambda: _env("HEARTH_LOG_LEVEL", "INFO"))
    log_format: LogFormat = Field(
        default_factory=lambda: cast(LogFormat, _env("HEARTH_LOG_FORMAT", "json")),
        validate_default=True,
    )
    otel_exporter: OtelExporter = Field(
        default_factory=lambda: cast(OtelExporter, _env("HEARTH_OTEL_EXPORTER", "none")),
        validate_default=True,
    )
    environment: Environment = Field(
        default_factory=environment_from_env,
        validate_default=True,
        description="HEARTH_ENVIRONMENT: production unless set to development",
    )
    internal_token_public_keys: str = Field(
        default_factory=lambda: _env("HEARTH_INTERNAL_TOKEN_PUBLIC_KEY", ""),
        description="PEM Ed25519 public key(s) the gateway's internal tokens are verified "
        "with (HEARTH_INTERNAL_TOKEN_PUBLIC_KEY; several PEM blocks during a key rotation). "
        "Required in production; development falls back to the development key.",
    )
    max_request_body_bytes: int = Field(
        default_factory=max_body_bytes_from_env,
        ge=1,
        description="Largest request body accepted; a larger one is refused with a 413 "
        "problem, unread (HEARTH_MAX_REQUEST_BODY_BYTES for every process, default 1 MiB)",
    )
    closure_days: list[date] = Field(
        default_factory=lambda: TypeAdapter(list[date]).validate_json(
            _env("HEARTH_CLOSURE_DAYS", "[]")
        ),
        description="HEARTH_CLOSURE_DAYS: the landlord's own closure days as a JSON list of "
        'dates (["2026-12-29", "2026-12-30"]): '
        "not working days for the landlord's own targets (repairs), working days for "
        "legal deadlines (Awaab's Law, complaints: docs/adr/0035, 0041)",
    )

    inbox_retention_days: int = Field(
        default=60,
        ge=1,
        le=36_500,
        description="How long a handled event's inbox row (its id, type and place on its "
        "topic: no data) is kept to stop a redelivery applying it twice. Keep it above the "
        "topics' retention (30 days in deploy/k8s/topics.yaml): an event still on a topic "
        "can be delivered again (a consumer group's offsets lost or reset), and one whose "
        "row is gone would be applied twice",
    )

    @model_validator(mode="after")
    def _development_defaults(self) -> ServiceSettings:
        """A developer's machine has defaults for the database (a SQLite file) and the
        broker (127.0.0.1:9092); production has none, and a process that would use them
        refuses to start (`refuse_development_defaults`)."""
        if self.environment == "development":
            if not self.database_url:
                self.database_url = f"sqlite+aiosqlite:///var/{self.service_name}.db"
            if not self.kafka_bootstrap_servers:
                self.kafka_bootstrap_servers = "127.0.0.1:9092"
        return self

    @model_validator(mode="after")
    def _retries_fit_between_polls(self) -> ServiceSettings:
        """A failing event's retries wait inside the batch, between two polls: waits that
        outlast the poll interval would have the group move the partition on (and a
        second consumer handle the same batch) while this one sleeps, and with the
        attempts or the first wait set high by mistake a poison event would hold its
        partition for days before it is dead-lettered. So all of one event's waits
        (backoff x (2^(attempts-1) - 1)) must fit in half the poll interval, or the
        process does not start, naming the settings."""
        waits = self.consumer_retry_backoff_seconds * (2 ** (self.consumer_max_attempts - 1) - 1)
        allowed = self.consumer_max_poll_interval_ms / 1000 / 2
        if waits > allowed:
            raise ValueError(
                f"consumer_max_attempts={self.consumer_max_attempts} with "
                f"consumer_retry_backoff_seconds={self.consumer_retry_backoff_seconds} waits "
                f"{waits:.0f} s for one failing event, more than half of "
                f"consumer_max_poll_interval_ms ({allowed:.0f} s): lower either, or raise "
                "the poll interval"
            )
        return self

    @model_validator(mode="after")
    def _whole_kafka_security(self) -> ServiceSettings:
        """Kafka's security settings are whole, in any environment: a SASL protocol
        without its login, a certificate without its key, or a login or a TLS file beside
        a protocol that would not use it (a typo in KAFKA_SECURITY_PROTOCOL silently
        sending in plaintext what was meant to be encrypted) stops the process starting,
        naming the settings, never their values."""
        protocol = self.kafka_security_protocol
        sasl = protocol.startswith("SASL_")
        tls = protocol in ("SSL", "SASL_SSL")
        has_login = bool(self.kafka_sasl_username or self.kafka_sasl_password.get_secret_value())
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs both KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD (or the service's HEARTH_<SERVICE>_KAFKA_SASL_...)"
            )
        if has_login and not sasl:
            raise ValueError(
                f"KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set but "
                f"KAFKA_SECURITY_PROTOCOL={protocol} sends no login: set SASL_SSL (or "
                "SASL_PLAINTEXT), or remove the login"
            )
        if bool(self.kafka_ssl_cert_file) != bool(self.kafka_ssl_key_file):
            raise ValueError("KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together")
        tls_files = self.kafka_ssl_ca_file or self.kafka_ssl_cert_file
        if tls_files and not tls:
            raise ValueError(
                f"KAFKA_SSL_CA_FILE or KAFKA_SSL_CERT_FILE is set but "
                f"KAFKA_SECURITY_PROTOCOL={protocol} does not use TLS: set SSL or SASL_SSL"
            )
        return self

    def refuse_development_defaults(self, *, broker: bool = True) -> None:
        """InsecureConfiguration when production would run without an explicit
        PostgreSQL database (a SQLite file inside the container, lost with it) or, if
        `broker`, without explicit bootstrap servers (nothing would be published while
        /readyz said only "degraded") or, if `broker`, over a plaintext connection to the
        brokers the operator has not said is on a trusted network (kafka_allow_plaintext).
        Called where a process starts: the service's app, the migrations, the relay and
        the projection rebuild."""
        if self.environment == "development":
            return
        prefix = str(self.model_config.get("env_prefix", "HEARTH_"))
        if not self.database_url.startswith("postgresql"):
            raise InsecureConfiguration(
                f"Refusing to start in production without {prefix}DATABASE_URL set to the "
                "service's PostgreSQL database (postgresql+asyncpg://...), or set "
                "HEARTH_ENVIRONMENT=development to use a SQLite file on a developer's machine"
            )
        if broker and not self.kafka_bootstrap_servers:
            raise InsecureConfiguration(
                "Refusing to start in production without KAFKA_BOOTSTRAP_SERVERS (or "
                f"{prefix}KAFKA_BOOTSTRAP_SERVERS), or set HEARTH_ENVIRONMENT=development "
                "to use a broker on 127.0.0.1:9092"
            )
        if (
            broker
            and self.kafka_security_protocol in ("PLAINTEXT", "SASL_PLAINTEXT")
            and not self.kafka_allow_plaintext
        ):
            raise InsecureConfiguration(
                "Refusing to start in production with KAFKA_SECURITY_PROTOCOL="
                f"{self.kafka_security_protocol}: events would cross the network unencrypted"
                + (" and unauthenticated" if self.kafka_security_protocol == "PLAINTEXT" else "")
                + ". Set KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SSL) with its login and CA, "
                "or KAFKA_ALLOW_PLAINTEXT=true where a NetworkPolicy keeps the brokers' "
                "listener to the services (docs/adr/0143)"
            )

    @property
    def consumer_group(self) -> str:
        prefix = f"{self.kafka_namespace}." if self.kafka_namespace else ""
        return f"{prefix}{self.service_name}"
