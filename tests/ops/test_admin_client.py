"""Where `hearth dead-letters` / `hearth outbox` reach a service and with which token:
`--url`, else the gateway's own setting, else the development default; a token signed
with the gateway's key, the development key in development only, never in production."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hearth_kit.admin_client import OperationFailed, admin_token, service_url
from hearth_kit.auth import (
    InternalTokenVerifier,
    development_private_key,
    load_public_keys,
    private_key_pem,
    public_key_pem,
)

PRIVATE_KEY = "HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY"


def test_the_url_given_wins_then_the_gateway_s_setting_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HEARTH_GATEWAY_REPAIRS_URL", raising=False)
    assert service_url("repairs") == "http://127.0.0.1:8102"
    monkeypatch.setenv("HEARTH_GATEWAY_REPAIRS_URL", "http://repairs:8000/")
    assert service_url("repairs") == "http://repairs:8000"
    assert service_url("repairs", "http://localhost:9999") == "http://localhost:9999"


def test_an_unknown_service_is_refused_by_name() -> None:
    with pytest.raises(OperationFailed, match="No service 'rent'"):
        service_url("rent")


def test_a_token_signed_here_opens_one_service_s_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(PRIVATE_KEY, private_key_pem(key))
    token = admin_token("income", subject="ops-sam")
    caller = InternalTokenVerifier(
        "income", load_public_keys(public_key_pem(key.public_key()))
    ).verify(token)
    assert caller.subject == "ops-sam"
    assert caller.scopes == {"admin"}


def test_a_token_given_is_used_as_it_is() -> None:
    assert admin_token("income", token="given") == "given"


def test_production_without_the_gateway_s_key_asks_for_a_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_ENVIRONMENT", "production")
    monkeypatch.delenv(PRIVATE_KEY, raising=False)
    with pytest.raises(OperationFailed, match="--token"):
        admin_token("repairs")


def test_production_refuses_the_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_ENVIRONMENT", "production")
    monkeypatch.setenv(PRIVATE_KEY, private_key_pem(development_private_key()))
    with pytest.raises(OperationFailed, match="development key"):
        admin_token("repairs")


def test_development_without_a_key_uses_the_development_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_ENVIRONMENT", "development")
    monkeypatch.delenv(PRIVATE_KEY, raising=False)
    token = admin_token("visits")
    development = load_public_keys(public_key_pem(development_private_key().public_key()))
    assert InternalTokenVerifier("visits", development).verify(token).scopes == {"admin"}
