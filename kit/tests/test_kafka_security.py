"""How the kit's Kafka clients reach the brokers: TLS and a SASL login are settings
(KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_..., KAFKA_SSL_...), one function turns them into
every client's arguments, and production refuses a plaintext connection unless the
operator says the network is trusted (KAFKA_ALLOW_PLAINTEXT, ADR 0143).

The clients' login against a real broker is kit/tests/test_kafka_login.py."""

from __future__ import annotations

import datetime
import re
import ssl
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from hearth_kit.kafka import connection_kwargs, new_admin, new_consumer, new_producer
from hearth_kit.settings import InsecureConfiguration, ServiceSettings

KIT_SOURCES = Path(__file__).resolve().parents[1] / "src" / "hearth_kit"
PASSWORD = "s3cret-kafka-password"
POSTGRESQL = "postgresql+asyncpg://income@db.internal/income"


class IncomeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_INCOME_", extra="ignore")
    service_name: ClassVar[str] = "income"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_ALLOW_PLAINTEXT",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SSL_CA_FILE",
        "KAFKA_SSL_CERT_FILE",
        "KAFKA_SSL_KEY_FILE",
        "KAFKA_SSL_KEY_PASSWORD",
        "HEARTH_INCOME_KAFKA_SECURITY_PROTOCOL",
        "HEARTH_INCOME_KAFKA_SASL_USERNAME",
        "HEARTH_INCOME_KAFKA_SASL_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CA file and a client certificate and key, as Strimzi's Secrets hold them."""
    folder = tmp_path_factory.mktemp("kafka-tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hearth-income")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (folder / "ca.crt").write_bytes(pem)
    (folder / "user.crt").write_bytes(pem)
    (folder / "user.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        "ca": str(folder / "ca.crt"),
        "cert": str(folder / "user.crt"),
        "key": str(folder / "user.key"),
    }


def sasl_ssl(**configured: Any) -> IncomeSettings:
    return IncomeSettings(
        environment="development",
        kafka_bootstrap_servers="kafka-1:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="hearth-income",
        kafka_sasl_password=PASSWORD,
        **configured,
    )


def test_development_reaches_the_broker_in_plaintext_as_before() -> None:
    assert connection_kwargs(IncomeSettings(environment="development")) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "security_protocol": "PLAINTEXT",
    }


def test_a_sasl_ssl_login_is_a_scram_login_over_verified_tls() -> None:
    kwargs = connection_kwargs(sasl_ssl())
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"  # a Strimzi KafkaUser's
    assert kwargs["sasl_plain_username"] == "hearth-income"
    assert kwargs["sasl_plain_password"] == PASSWORD
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_the_brokers_ca_and_the_clients_certificate_are_loaded(
    certificates: dict[str, str],
) -> None:
    kwargs = connection_kwargs(
        IncomeSettings(
            environment="development",
            kafka_security_protocol="SSL",
            kafka_ssl_ca_file=certificates["ca"],
            kafka_ssl_cert_file=certificates["cert"],
            kafka_ssl_key_file=certificates["key"],
        )
    )
    context = kwargs["ssl_context"]
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "hearth-income"),),)]
    assert "sasl_plain_password" not in kwargs


def test_a_missing_ca_file_stops_the_client_being_made(tmp_path: Path) -> None:
    settings = IncomeSettings(
        environment="development",
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=str(tmp_path / "absent.crt"),
    )
    with pytest.raises(FileNotFoundError):
        connection_kwargs(settings)


async def test_every_client_the_kit_makes_logs_in() -> None:
    """The producer (relay, dead letters), the consumer and the admin client (topics,
    the rebuild's partitions) are built from the same arguments."""
    settings = sasl_ssl(kafka_sasl_mechanism="SCRAM-SHA-256")
    clients = [
        new_producer(settings).client,
        new_consumer(settings, "hearth.income.events")._client,
        new_admin(settings, client_id="hearth-income-admin")._client,
    ]
    for client in clients:
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-256"
        assert client._sasl_plain_username == "hearth-income"
        assert client._ssl_context is not None


def test_no_client_in_the_kit_is_given_its_brokers_by_hand() -> None:
    """Every client takes `connection_kwargs`: one given bootstrap_servers= itself
    would reach the brokers in plaintext whatever the settings say."""
    by_hand = [
        f"{path.name}:{number}"
        for path in sorted(KIT_SOURCES.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bbootstrap_servers\s*=", line)
    ]
    assert by_hand == []


def test_the_password_is_never_shown() -> None:
    settings = sasl_ssl()
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())


def test_a_service_may_have_its_own_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "hearth")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "shared")
    monkeypatch.setenv("HEARTH_INCOME_KAFKA_SASL_USERNAME", "hearth-income")
    monkeypatch.setenv("HEARTH_INCOME_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = IncomeSettings(environment="development")
    assert settings.kafka_sasl_username == "hearth-income"
    assert settings.kafka_sasl_password.get_secret_value() == PASSWORD


@pytest.mark.parametrize(
    ("configured", "named"),
    [
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "u"}, "PASSWORD"),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_password": PASSWORD},
            "USERNAME",
        ),
        ({"kafka_sasl_username": "u", "kafka_sasl_password": PASSWORD}, "sends no login"),
        ({"kafka_security_protocol": "SSL", "kafka_ssl_cert_file": "u.crt"}, "KEY_FILE"),
        ({"kafka_ssl_ca_file": "ca.crt"}, "does not use TLS"),
    ],
    ids=[
        "login-without-password",
        "login-without-user",
        "login-on-plaintext",
        "cert-no-key",
        "ca-on-plaintext",
    ],
)
def test_half_a_kafka_security_setting_stops_the_process(
    configured: dict[str, Any], named: str
) -> None:
    """In any environment: a login or a CA beside a protocol that would not use it was
    meant to secure a connection that would stay plaintext."""
    with pytest.raises(ValidationError, match=named) as refused:
        IncomeSettings(environment="development", **configured)
    assert PASSWORD not in str(refused.value)


def production(**configured: Any) -> IncomeSettings:
    return IncomeSettings(
        environment="production",
        database_url=POSTGRESQL,
        kafka_bootstrap_servers="hearth-kafka-bootstrap:9092",
        **configured,
    )


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_production_refuses_a_plaintext_broker_connection(protocol: str) -> None:
    login = {"kafka_sasl_username": "u", "kafka_sasl_password": PASSWORD}
    settings = production(
        kafka_security_protocol=protocol, **(login if protocol.startswith("SASL") else {})
    )
    with pytest.raises(InsecureConfiguration, match="KAFKA_ALLOW_PLAINTEXT") as refused:
        settings.refuse_development_defaults()
    assert f"KAFKA_SECURITY_PROTOCOL={protocol}" in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_production_starts_in_plaintext_where_the_network_is_said_to_be_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """deploy/k8s: the NetworkPolicy keeps Strimzi's plain listener to the services."""
    monkeypatch.setenv("KAFKA_ALLOW_PLAINTEXT", "true")
    production().refuse_development_defaults()


def test_production_starts_with_a_login_over_tls() -> None:
    production(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="hearth-income",
        kafka_sasl_password=PASSWORD,
    ).refuse_development_defaults()
    production(kafka_security_protocol="SSL").refuse_development_defaults()


def test_migrations_need_no_broker_setting() -> None:
    production().refuse_development_defaults(broker=False)


def test_development_is_unchanged() -> None:
    settings = IncomeSettings(environment="development")
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert not settings.kafka_allow_plaintext
    settings.refuse_development_defaults()
