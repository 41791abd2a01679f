from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, Served
from pydantic import ValidationError

from gateway.app import create_app
from gateway.auth import (
    DevelopmentTokenRefused,
    TokenVerifier,
    issue_development_token,
)
from gateway.settings import DEVELOPMENT_JWT_SECRET, GatewaySettings
from hearth_contracts.topics import SERVICES
from hearth_kit.auth import InsecureConfiguration
from hearth_kit.problems import ServiceUnavailable, Unauthorized

DEV = GatewaySettings(environment="development", jwt_algorithm="HS256")


def claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "iss": "hearth-dev",
        "aud": "hearth",
        "sub": "someone",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "scope": "homes:read",
        **overrides,
    }


def hs256(payload: dict[str, Any], secret: str = DEVELOPMENT_JWT_SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rs256(payload: dict[str, Any], key: rsa.RSAPrivateKey, kid: str | None = None) -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid} if kid else None)


# HS256 development tokens


async def test_a_staff_development_token_grants_every_staff_scope() -> None:
    token = issue_development_token("staff", "officer-7", settings=DEV)
    principal = await TokenVerifier(DEV).verify(token)
    assert principal.subject == "officer-7"
    assert {"homes:read", "homes:write", "visits:write", "repairs:read"} <= principal.scopes
    assert "contractor" not in principal.scopes
    assert principal.contractor_id is None


async def test_a_contractor_token_is_bound_to_its_contractor() -> None:
    token = issue_development_token("contractor", "engineer-1", contractor_id="gasco", settings=DEV)
    principal = await TokenVerifier(DEV).verify(token)
    assert principal.contractor_id == "gasco"
    assert principal.is_contractor
    assert principal.scopes == {"contractor"}


def test_a_contractor_token_cannot_be_issued_without_its_contractor() -> None:
    with pytest.raises(ValueError, match="contractor_id"):
        issue_development_token("contractor", "engineer-1", settings=DEV)


async def test_a_contractor_scope_without_contractor_id_is_refused() -> None:
    token = hs256(claims(scope="contractor repairs:read"))
    with pytest.raises(Unauthorized, match="contractor_id"):
        await TokenVerifier(DEV).verify(token)


async def test_an_expired_token_is_refused() -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = hs256(claims(iat=past - timedelta(minutes=5), exp=past))
    with pytest.raises(Unauthorized, match="expired") as raised:
        await TokenVerifier(DEV).verify(token)
    assert 'error="invalid_token"' in raised.value.headers["WWW-Authenticate"]


async def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = hs256(claims(), secret="another-secret-that-is-long-enough-for-hs256")
    with pytest.raises(Unauthorized, match=r"[Ss]ignature"):
        await TokenVerifier(DEV).verify(token)


@pytest.mark.parametrize(("field", "value"), [("aud", "someone-else"), ("iss", "someone-else")])
async def test_a_token_for_another_audience_or_issuer_is_refused(field: str, value: str) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(DEV).verify(hs256(claims(**{field: value})))


async def test_a_token_without_expiry_is_refused() -> None:
    payload = claims()
    del payload["exp"]
    with pytest.raises(Unauthorized, match="exp"):
        await TokenVerifier(DEV).verify(hs256(payload))


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": "s" * 65},
        {"sub": "engineer-1", "scope": "contractor", "contractor_id": "c" * 65},
    ],
    ids=["sub", "contractor_id"],
)
async def test_a_caller_id_longer_than_the_services_keep_is_refused(
    overrides: dict[str, Any],
) -> None:
    """The services keep who did what in 64-character columns: a longer `sub` or
    `contractor_id` is a 401 here, not a 500 at the write that records it."""
    with pytest.raises(Unauthorized, match="longer than 64") as raised:
        await TokenVerifier(DEV).verify(hs256(claims(**overrides)))
    assert 'error="invalid_token"' in raised.value.headers["WWW-Authenticate"]
    principal = await TokenVerifier(DEV).verify(hs256(claims(sub="s" * 64)))
    assert principal.subject == "s" * 64


def test_development_tokens_are_not_issued_in_production() -> None:
    production = GatewaySettings(environment="production", jwt_secret="x" * 40)
    with pytest.raises(DevelopmentTokenRefused):
        issue_development_token("staff", "officer-7", settings=production)


# Settings that must not start


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="development JWT secret"):
        GatewaySettings(
            environment="production", jwt_algorithm="HS256", jwt_secret=DEVELOPMENT_JWT_SECRET
        )


def test_production_without_a_user_token_key_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="Refusing to start in production without"):
        GatewaySettings(environment="production", jwt_algorithm="HS256")


def test_production_starts_with_a_jwks_endpoint() -> None:
    settings = GatewaySettings(
        environment="production", jwt_algorithm="RS256", jwks_url="https://idp.example/jwks"
    )
    assert settings.jwks_url == "https://idp.example/jwks"


async def test_production_refuses_to_start_without_each_services_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Left at http://127.0.0.1:<port>, every call in a deployment would be a 503; a URL
    from the environment counts as set, as one given in code does."""
    for service in SERVICES:
        monkeypatch.delenv(f"HEARTH_GATEWAY_{service.upper()}_URL", raising=False)
    others = {f"{service}_url": f"http://{service}:8000" for service in SERVICES}
    del others["income_url"]
    without_income = GatewaySettings(environment="production", jwt_secret="x" * 40, **others)
    with pytest.raises(InsecureConfiguration, match="HEARTH_GATEWAY_INCOME_URL"):
        async with LifespanManager(create_app(without_income)):
            pass
    monkeypatch.setenv("HEARTH_GATEWAY_INCOME_URL", "http://income:8000")
    every_url = GatewaySettings(environment="production", jwt_secret="x" * 40, **others)
    async with LifespanManager(create_app(every_url)):
        pass


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example/jwks",
        "http://keycloak.auth.svc:8080/realms/hearth/protocol/openid-connect/certs",
        "http://127.0.0.1.example/jwks",
        "ftp://idp.example/jwks",
        "idp.example/jwks",
        "http://hearth:s3cret@idp.example/jwks",
    ],
)
def test_production_refuses_a_key_set_fetched_without_tls(url: str) -> None:
    """Over plain HTTP the key set is anyone's on the way to hand over: their key then
    verifies every token they sign, an admin's or any contractor's. Production took it."""
    with pytest.raises(ValidationError, match="jwks_url") as refused:
        GatewaySettings(environment="production", jwt_algorithm="RS256", jwks_url=url)
    assert "https://" in str(refused.value)
    assert "s3cret" not in str(refused.value)  # the URL may hold credentials: not echoed


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/jwks", "http://localhost:8080/jwks", "http://[::1]:8080/jwks"],
)
def test_a_key_set_on_the_gateways_own_machine_may_be_fetched_over_http(url: str) -> None:
    """Nothing is on the way to the loopback (an identity provider's sidecar, the tests)."""
    settings = GatewaySettings(environment="production", jwt_algorithm="RS256", jwks_url=url)
    assert settings.jwks_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example\\@127.0.0.1/jwks",  # urllib asks DNS for "idp.example\\@127.0.0.1"
        "http://[::1]idp.example/jwks",  # and for "[::1]idp.example"
        "http://localhost@idp.example/jwks",
        "http://[::1/jwks",  # urlsplit's own ValueError did not name the setting
    ],
)
def test_production_refuses_a_url_that_reads_as_the_loopback_only_to_urlsplit(
    url: str,
) -> None:
    """The loopback is taken over HTTP only when the URL's whole authority is the
    loopback host: urlsplit read the first two as 127.0.0.1 and ::1 (production started),
    urllib (which fetches the key set) takes the whole authority and asks DNS for it."""
    with pytest.raises(ValidationError, match="jwks_url"):
        GatewaySettings(environment="production", jwt_algorithm="RS256", jwks_url=url)


def test_development_fetches_a_key_set_over_http() -> None:
    settings = GatewaySettings(
        environment="development", jwt_algorithm="RS256", jwks_url="http://idp:8080/jwks"
    )
    assert settings.jwks_url == "http://idp:8080/jwks"


def test_an_hs256_secret_shorter_than_256_bits_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        GatewaySettings(jwt_algorithm="HS256", jwt_secret="short")


def test_rs256_needs_something_to_verify_signatures_with() -> None:
    with pytest.raises(ValidationError, match="jwks_url or jwt_public_key"):
        GatewaySettings(jwt_algorithm="RS256")


# RS256


async def test_an_rs256_token_verifies_against_the_configured_public_key(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    settings = GatewaySettings(jwt_algorithm="RS256", jwt_public_key=public_pem(rsa_key))
    principal = await TokenVerifier(settings).verify(rs256(claims(), rsa_key))
    assert principal.scopes == {"homes:read"}


async def test_an_rs256_token_signed_by_another_key_is_refused(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = GatewaySettings(jwt_algorithm="RS256", jwt_public_key=public_pem(rsa_key))
    with pytest.raises(Unauthorized):
        await TokenVerifier(settings).verify(rs256(claims(), other))


async def test_an_hs256_token_is_refused_when_rs256_is_expected(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    settings = GatewaySettings(jwt_algorithm="RS256", jwt_public_key=public_pem(rsa_key))
    with pytest.raises(Unauthorized):
        await TokenVerifier(settings).verify(hs256(claims()))


@pytest.fixture(scope="module")
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A JWKS endpoint, served over HTTP like an identity provider's."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        return {"keys": [{**jwk, "kid": "key-1", "alg": "RS256", "use": "sig"}]}

    served = Served(app)
    served.start()
    yield f"{served.url}/.well-known/jwks.json"
    served.stop()


async def test_an_rs256_token_verifies_against_the_jwks(
    rsa_key: rsa.RSAPrivateKey, jwks_url: str
) -> None:
    settings = GatewaySettings(environment="production", jwt_algorithm="RS256", jwks_url=jwks_url)
    verifier = TokenVerifier(settings)
    principal = await verifier.verify(rs256(claims(sub="idp-user"), rsa_key, kid="key-1"))
    assert principal.subject == "idp-user"
    # The key is cached: a second token needs no fetch, and still verifies.
    assert (await verifier.verify(rs256(claims(), rsa_key, kid="key-1"))).scopes == {"homes:read"}


async def test_a_token_naming_a_key_the_jwks_lacks_is_refused(
    rsa_key: rsa.RSAPrivateKey, jwks_url: str
) -> None:
    settings = GatewaySettings(jwt_algorithm="RS256", jwks_url=jwks_url)
    with pytest.raises(Unauthorized, match="key"):
        await TokenVerifier(settings).verify(rs256(claims(), rsa_key, kid="key-unknown"))


async def test_an_unreachable_jwks_is_a_503_not_a_401(rsa_key: rsa.RSAPrivateKey) -> None:
    with socket.socket() as nothing:
        nothing.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{nothing.getsockname()[1]}/jwks.json"
        settings = GatewaySettings(jwt_algorithm="RS256", jwks_url=url)
        with pytest.raises(ServiceUnavailable):
            await TokenVerifier(settings).verify(rs256(claims(), rsa_key, kid="key-1"))


# Through the API


async def test_no_token_is_a_401_problem_asking_for_a_bearer_token(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["status"] == 401
    assert problem["title"] == "Unauthorized"
    assert "bearer token" in problem["detail"]


async def test_a_garbled_token_is_a_401_invalid_token(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/v1/homes", json={}, headers={"Authorization": "Bearer not.a.token"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_token_without_the_scope_is_a_403_naming_the_scope(
    gateway: httpx.AsyncClient, contractor: dict[str, str]
) -> None:
    response = await gateway.post("/v1/homes", json={"uprn": "1"}, headers=contractor)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert 'scope="homes:write"' in response.headers["www-authenticate"]
    problem = response.json()
    assert problem["missing_scopes"] == ["homes:write"]
    assert "homes:write" in problem["detail"]


async def test_an_rs256_gateway_refuses_development_tokens(
    open_gateway: OpenGateway, rsa_key: rsa.RSAPrivateKey, staff: dict[str, str]
) -> None:
    async with open_gateway(jwt_algorithm="RS256", jwt_public_key=public_pem(rsa_key)) as gateway:
        refused = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
        token = rs256(claims(scope="homes:read"), rsa_key)
        accepted = await gateway.get(
            f"/v1/homes/{KNOWN_UPRN}", headers={"Authorization": f"Bearer {token}"}
        )
    assert refused.status_code == 401
    assert accepted.status_code == 200


# Verified tokens kept for reuse (docs/adr/0022-composite-per-request-work.md)


async def test_a_verified_token_is_taken_again_without_a_second_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = TokenVerifier(DEV)
    token = issue_development_token("staff", "officer-7", settings=DEV)
    first = await verifier.verify(token)
    monkeypatch.setattr(jwt, "decode", _never_called)
    assert await verifier.verify(token) is first
    assert verifier.tokens_remembered == 1


async def test_a_kept_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(DEV.model_copy(update={"jwt_leeway_seconds": 0}))
    token = hs256(claims(exp=datetime.now(UTC) + timedelta(seconds=30)))
    await verifier.verify(token)
    later = datetime.now(UTC).timestamp() + 31
    monkeypatch.setattr("gateway.auth.time.time", lambda: later)
    monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenAt(later))
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)
    assert verifier.tokens_remembered == 0


async def test_refused_tokens_are_not_kept() -> None:
    verifier = TokenVerifier(DEV)
    for forged in (
        hs256(claims(), secret="not the gateway's secret, though as long"),
        "not.a.token",
    ):
        with pytest.raises(Unauthorized):
            await verifier.verify(forged)
    assert verifier.tokens_remembered == 0


async def test_kept_tokens_are_bounded() -> None:
    verifier = TokenVerifier(DEV, kept=2)
    tokens = [issue_development_token("staff", f"officer-{n}", settings=DEV) for n in range(3)]
    for token in tokens:
        await verifier.verify(token)
    assert verifier.tokens_remembered == 2


async def test_a_token_from_the_jwks_is_kept_no_longer_than_the_key_set(
    rsa_key: rsa.RSAPrivateKey, jwks_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = GatewaySettings(
        environment="production",
        jwt_algorithm="RS256",
        jwks_url=jwks_url,
        jwks_cache_seconds=60,
    )
    verifier = TokenVerifier(settings)
    token = rs256(claims(exp=datetime.now(UTC) + timedelta(hours=1)), rsa_key, kid="key-1")
    await verifier.verify(token)
    kept_until, _ = verifier._verified[token]
    assert kept_until <= datetime.now(UTC).timestamp() + 60


def _never_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the token was checked again")


class _FrozenAt:
    """Stands in for the datetime module PyJWT reads the time from."""

    def __init__(self, timestamp: float) -> None:
        self.timestamp = timestamp

    def now(self, tz: Any = None) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)
