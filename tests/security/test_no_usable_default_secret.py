"""No usable default secret: every process defaults to production, and in production
refuses to start without its keys, or with the development keys whose seeds are in the
repository. HEARTH_ENVIRONMENT=development is the one opt-in (docs/adr/0006)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from gateway.settings import DEVELOPMENT_JWT_SECRET, GatewaySettings
from hearth_kit.auth import InsecureConfiguration, development_private_key, private_key_pem
from hearth_kit.auth import public_key_pem as public_pem
from tests.harness.infra import REPO
from tests.harness.platform import SERVICE_NAMES, settings_class
from tests.harness.tokens import PRIVATE_KEY_VARIABLE, PUBLIC_KEY_VARIABLE

A_SECRET = "a-production-secret-of-at-least-32-bytes"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process environment as a fresh production host has it: nothing configured."""
    for variable in (
        "HEARTH_ENVIRONMENT",
        "HEARTH_GATEWAY_ENVIRONMENT",
        PRIVATE_KEY_VARIABLE,
        PUBLIC_KEY_VARIABLE,
        "HEARTH_GATEWAY_JWT_SECRET",
    ):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_every_process_defaults_to_production(production: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="Refusing to start in production"):
        GatewaySettings()
    for service in SERVICE_NAMES:
        assert settings_class(service)().environment == "production"


def test_the_gateway_refuses_production_without_a_user_token_key(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv(PRIVATE_KEY_VARIABLE, private_key_pem(Ed25519PrivateKey.generate()))
    with pytest.raises(ValidationError, match="HEARTH_GATEWAY_JWT_SECRET"):
        GatewaySettings()
    with pytest.raises(ValidationError, match="development JWT secret"):
        GatewaySettings(jwt_secret=DEVELOPMENT_JWT_SECRET)


def test_the_gateway_refuses_production_without_its_internal_token_key(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("HEARTH_GATEWAY_JWT_SECRET", A_SECRET)
    with pytest.raises(ValidationError, match=PRIVATE_KEY_VARIABLE):
        GatewaySettings()
    production.setenv(PRIVATE_KEY_VARIABLE, private_key_pem(development_private_key()))
    with pytest.raises(ValidationError, match="is the development key"):
        GatewaySettings()


def test_the_gateway_starts_in_production_with_its_own_keys(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("HEARTH_GATEWAY_JWT_SECRET", A_SECRET)
    production.setenv(PRIVATE_KEY_VARIABLE, private_key_pem(Ed25519PrivateKey.generate()))
    assert GatewaySettings().environment == "production"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_refuses_production_without_the_gateways_public_key(
    production: pytest.MonkeyPatch, service: str
) -> None:
    create_app = importlib.import_module(f"{service}.app").create_app
    with pytest.raises(InsecureConfiguration, match=PUBLIC_KEY_VARIABLE):
        create_app(settings_class(service)())
    production.setenv(PUBLIC_KEY_VARIABLE, public_pem(development_private_key().public_key()))
    with pytest.raises(InsecureConfiguration, match="development key"):
        create_app(settings_class(service)())
    production.setenv(PUBLIC_KEY_VARIABLE, public_pem(Ed25519PrivateKey.generate().public_key()))
    assert create_app(settings_class(service)()) is not None


def test_the_gateway_process_exits_with_a_clear_message_in_production() -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HEARTH_") or name == "HEARTH_LOG_FORMAT"
    }
    result = subprocess.run(
        [sys.executable, "-c", "from gateway.app import create_app; create_app()"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
