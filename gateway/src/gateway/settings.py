"""Gateway settings (env prefix HEARTH_GATEWAY_; HEARTH_ENVIRONMENT and the log and
tracing settings are shared with every process).

No usable default secret: the gateway refuses to start in production (the default)
without its own user-token secret or identity provider, and without its internal-token
private key. HEARTH_ENVIRONMENT=development is the one explicit opt-in to the
development secret and the development internal key (docs/adr/0006-internal-tokens.md).
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Annotated, Literal, cast
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.roles import DEFAULT_ROLES, check_roles
from hearth_contracts.topics import SERVICES, Service, default_url
from hearth_kit.auth import (
    InsecureConfiguration,
    development_private_key,
    key_id,
    load_private_key,
)
from hearth_kit.settings import Environment, LogFormat, OtelExporter, environment_from_env

DEVELOPMENT_JWT_SECRET = "hearth-development-only-secret-never-use-in-production"
"""Signs development tokens (`hearth dev-token`). Used only when
HEARTH_ENVIRONMENT=development and no secret is configured; refused in production."""

MIN_HMAC_SECRET_BYTES = 32
"""RFC 7518 section 3.2: an HS256 key is at least as long as the hash output (256 bits)."""

CORS_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9._-]+|\[(?P<ipv6>[0-9a-f:.]+)\])"
    r"(:(?P<port>[1-9][0-9]{0,4}))?"
)
"""An origin as a browser sends it in `Origin` (RFC 6454: scheme, host and port, lower
case, nothing after): CORS compares the configured origins with it as strings, so
"https://contact.hearth.example/" or one in capitals would match no request and every
front-end call would fail in the browser with nothing in the gateway to say why. A host
may hold an underscore (browsers send `http://contact_ui:5173`, a compose service name,
as it is); a port is 1 to 65535 without leading zeros and never the scheme's default,
which a browser leaves out (`https://contact.hearth.example:443` matches nothing). An IP
address is written as the browser writes it (the WHATWG URL standard's serialisation):
`http://[::1]:3000`, not `http://[0:0:0:0:0:0:0:1]:3000` nor `[::ffff:127.0.0.1]`
(sent as `[::ffff:7f00:1]`); `http://127.0.0.1:3000`, not `127.000.000.001` or `127.1`."""

DEFAULT_PORTS = {"http": 80, "https": 443}


def _ipv6_as_a_browser_writes_it(address: ipaddress.IPv6Address) -> str:
    """The WHATWG URL standard's IPv6 serialisation: eight pieces in lower-case hex
    without leading zeros, the first longest run of two or more zero pieces written
    `::`, and never the dotted IPv4 form (Python's own str() writes `::ffff:1.2.3.4`
    for a mapped address from 3.13)."""
    pieces = [int.from_bytes(address.packed[i : i + 2], "big") for i in range(0, 16, 2)]
    start, length, at = -1, 0, 0
    while at < 8:
        end = at
        while end < 8 and pieces[end] == 0:
            end += 1
        if end - at > length:
            start, length = at, end - at
        at = max(end, at + 1)
    written = [f"{piece:x}" for piece in pieces]
    if length < 2:
        return ":".join(written)
    return ":".join(written[:start]) + "::" + ":".join(written[start + length :])


def _host_as_a_browser_writes_it(matched: re.Match[str]) -> bool:
    """Whether an IP address host is written as a browser writes it: a browser reads a
    host whose last label is a number as an IPv4 address and sends it dotted, without
    leading zeros; an IPv6 address as _ipv6_as_a_browser_writes_it does. Such a host
    written otherwise would match no request."""
    if (ipv6 := matched["ipv6"]) is not None:
        try:
            return _ipv6_as_a_browser_writes_it(ipaddress.IPv6Address(ipv6)) == ipv6
        except ValueError:
            return False
    host = matched["host"]
    last = host.removesuffix(".").rpartition(".")[2]
    if not re.fullmatch(r"[0-9]+|0x[0-9a-f]*", last):
        return True  # a name, sent as it is (the standard's "ends in a number" is false)
    try:
        return str(ipaddress.IPv4Address(host)) == host
    except ValueError:
        return False


def is_browser_origin(origin: str) -> bool:
    """Whether `origin` is written as a browser's `Origin` header writes it (CORS_ORIGIN)."""
    matched = CORS_ORIGIN.fullmatch(origin)
    if matched is None or not _host_as_a_browser_writes_it(matched):
        return False
    port = matched["port"]
    return port is None or DEFAULT_PORTS[matched["scheme"]] != int(port) <= 65535


PRIVATE_KEY_SETTING = "HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY"


def fetched_over_tls(url: str) -> bool:
    """Whether a key set at `url` comes over TLS, or from this machine (the loopback, where
    nothing stands on the way). Over plain HTTP anyone on the way could hand the gateway
    a key set of their own, whose key would then verify any token they signed.

    Over HTTP the whole authority must be the loopback host (and port): urlsplit reads
    `http://idp.example\\@127.0.0.1/` as 127.0.0.1 and `http://[::1]idp.example/` as ::1,
    where urllib, which fetches the key set (PyJWKClient), takes the whole authority as
    the host and asks DNS for it. A URL urlsplit cannot read is refused too, naming the
    setting (its own ValueError did not)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.netloc.lower() != (host if port is None else f"{host}:{port}"):
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


RequestsPerSecond = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A rate limit: a positive, finite number of requests a second (0 divided the wait into
a 500, a negative rate gave Retry-After -1, infinity a NaN bucket)."""


OVERRIDE_KINDS = ("staff", "contractor")
"""The kinds of client an override key names (`<kind>:<subject or contractor id>`)."""


def override_key_problem(key: str) -> str | None:
    """Why `key` cannot be a `rate_limit_overrides` key, or None when it can."""
    kind, colon, name = key.partition(":")
    if colon and kind in OVERRIDE_KINDS and name:
        return None
    return (
        f'rate_limit_overrides: "{key}" does not say whose rate it is: a token subject '
        "alone can be a member of staff's and a contractor's client's both; write "
        f'"staff:{key}" for the member of staff or "contractor:<contractor_id>" for a '
        "contractor's clients"
    )


class GatewaySettings(BaseSettings):
    # named, never echoed, when refused: values include keys (hearth_kit.settings)
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_GATEWAY_", extra="ignore", hide_input_in_errors=True
    )

    visits_url: str = default_url("visits")
    repairs_url: str = default_url("repairs")
    compliance_url: str = default_url("compliance")
    income_url: str = default_url("income")
    engagement_url: str = default_url("engagement")
    downstream_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Read budget: upper bound on each read (GET) from a service, start to "
        "finish, and on each call a composite makes",
    )
    write_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Write budget: upper bound on each write passed through to a service. "
        "Longer than the read budget: a write that is cut off may still have happened, so "
        "giving up early only turns done work into a 503",
    )
    downstream_connections_per_service: int = Field(
        default=16,
        ge=1,
        description="Connections the gateway keeps open to each service at most (kept "
        "alive between calls); a call beyond them waits for one to come free, within its "
        "budget. Kept below a service's database pool (database_pool_size, 20), so a "
        "burst of composites waits here rather than making the service open and close "
        "database connections inside requests (docs/adr/0022)",
    )
    downstream_keepalive_seconds: float = Field(
        default=3.0,
        gt=0,
        description="An idle kept-alive connection to a service is closed after this long: "
        "shorter than the services' own keep-alive (uvicorn: 5 s), so the service never "
        "closes one under a call",
    )
    roles: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_ROLES),
        description="Each role's scopes (JSON object role -> list of scopes); see gateway.roles",
    )
    rate_limit_per_second: RequestsPerSecond = Field(
        default=50.0,
        description="Requests a second each client may make, on average; over it a 429 "
        "with Retry-After. A client is a verified token's caller (a member of staff by "
        "subject, a contractor by contractor_id, all its client ids together: ADR 0229; "
        "never sharing a bucket); before a token is verified, the connection's address "
        "(an IPv6 one by its /64, docs/adr/0215, and its /56 and /48 with 16 and 256 "
        "times the allowance, docs/adr/0230), whose allowance only failed authentication "
        "spends (gateway.rate_limits)",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests a client may make at once above the average"
    )
    rate_limit_overrides: dict[str, RequestsPerSecond] = Field(
        default={},
        description="Requests a second for particular clients (JSON object), keyed by kind "
        'as the buckets are: "staff:<sub>" a member of staff by token subject, '
        '"contractor:<contractor_id>" a contractor, all its client ids together (e.g. '
        '{"contractor:gasco": 5}, ADR 0229); a bare subject is refused at start-up (staff '
        "and contractors' clients may share one: docs/adr/0214)."
        " Each rate a positive, finite number (0 would stop the "
        "client's bucket refilling, a negative one give a negative Retry-After)",
    )
    cors_origins: list[str] = Field(
        default=[],
        description="Origins of the internal front-ends allowed to call the API from a "
        'browser (JSON list, e.g. ["https://contact.hearth.example"]); none by default',
    )
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1, description="Larger request bodies are refused (413)"
    )
    upload_routes: list[str] = Field(
        default=["POST /v1/homes/import"],
        description='Upload routes ("METHOD /path", JSON list) that take bodies up to '
        "max_upload_body_bytes instead of max_request_body_bytes, and upload_timeout_seconds: "
        "the stock import's CSV of 100,000 homes is some 8 MiB",
    )
    max_upload_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1,
        description="The body limit of the upload routes (413 over it); no more than the "
        "service behind them accepts (compliance: 32 MiB)",
    )
    upload_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Write budget of the upload routes in place of write_timeout_seconds: "
        "the service reads and applies the whole file before it answers (100,000 homes "
        "take about a minute)",
    )
    internal_token_reuse_seconds: float = Field(
        default=45.0,
        ge=0,
        description="An internal token (60 s life) is reused for the same caller and service "
        "for this long, so a composite signs one token per service, not one per call",
    )

    environment: Environment = Field(
        default_factory=environment_from_env,
        validate_default=True,
        description="HEARTH_ENVIRONMENT: production unless set to development",
    )
    jwt_issuer: str = "hearth-dev"
    jwt_audience: str = "hearth"
    jwt_algorithm: Literal["RS256", "HS256"] = "HS256"
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 secret users' tokens are signed with; in development the "
        "development secret when unset, in production required (or use JWKS)",
    )
    jwt_public_key: str | None = Field(
        default=None, description="PEM public key for RS256 when no JWKS endpoint is used"
    )
    jwks_url: str | None = Field(
        default=None,
        description="The identity provider's JWKS endpoint (RS256); in production https:// "
        "(http:// only to the loopback), or the gateway refuses to start",
    )
    jwks_cache_seconds: float = Field(
        default=300,
        gt=0,
        description="How long the key set is trusted before it is fetched again: a key the "
        "identity provider withdraws stops verifying within this time",
    )
    jwt_leeway_seconds: float = Field(
        default=30, ge=0, description="Clock skew tolerated on exp, nbf and iat"
    )
    internal_token_private_key: SecretStr | None = Field(
        default=None,
        description="PEM (PKCS#8) Ed25519 key the gateway signs internal tokens with; "
        "in development the development key when unset, in production required",
    )

    log_level: str = Field(default_factory=lambda: os.environ.get("HEARTH_LOG_LEVEL", "INFO"))
    log_format: LogFormat = Field(
        default_factory=lambda: cast(LogFormat, os.environ.get("HEARTH_LOG_FORMAT", "json")),
        validate_default=True,
    )
    otel_exporter: OtelExporter = Field(
        default_factory=lambda: cast(OtelExporter, os.environ.get("HEARTH_OTEL_EXPORTER", "none")),
        validate_default=True,
    )

    @model_validator(mode="after")
    def _safe_for_environment(self) -> GatewaySettings:
        check_roles(self.roles)
        for key in self.rate_limit_overrides:
            if (problem := override_key_problem(key)) is not None:
                raise ValueError(problem)
        for origin in self.cors_origins:
            if origin != "*" and not is_browser_origin(origin):
                raise ValueError(
                    f'cors_origins: "{origin}" is not an origin a browser sends '
                    '(scheme://host[:port] in lower case, no default port, path or trailing "/", '
                    'an IP address as a browser writes it, "http://[::1]:3000"; e.g. '
                    '"https://contact.hearth.example"): it would match no request'
                )
        for route in self.upload_routes:
            method, _, path = route.strip().partition(" ")
            if not method.isalpha() or not path.startswith("/"):
                raise ValueError(f'upload_routes: "{route}" is not "METHOD /path"')
        production = self.environment == "production"
        if self.jwt_algorithm == "HS256":
            if self.jwks_url:
                raise ValueError("jwks_url publishes RS256 keys: set jwt_algorithm=RS256")
            if self.jwt_secret is None and production:
                raise ValueError(
                    "Refusing to start in production without a user-token key: set "
                    "HEARTH_GATEWAY_JWKS_URL (with HEARTH_GATEWAY_JWT_ALGORITHM=RS256) or "
                    "HEARTH_GATEWAY_JWT_SECRET, or HEARTH_ENVIRONMENT=development"
                )
            secret = self.user_token_secret()
            if production and secret == DEVELOPMENT_JWT_SECRET:
                raise ValueError(
                    "Refusing to start in production with the development JWT secret: "
                    "set HEARTH_GATEWAY_JWKS_URL (RS256) or HEARTH_GATEWAY_JWT_SECRET"
                )
            if len(secret.encode()) < MIN_HMAC_SECRET_BYTES:
                raise ValueError(f"jwt_secret must be at least {MIN_HMAC_SECRET_BYTES} bytes")
        elif not (self.jwks_url or self.jwt_public_key):
            raise ValueError("RS256 needs jwks_url or jwt_public_key to verify signatures")
        elif production and self.jwks_url and not fetched_over_tls(self.jwks_url):
            raise ValueError(
                # the URL is not echoed: it may hold credentials (https://user:pass@...)
                "Refusing to start in production with this jwks_url: the identity "
                "provider's signing keys must be fetched over TLS (https://...), "
                "or anyone on the way could hand over keys of their own and sign any token; "
                "http:// only to this machine (127.0.0.1, ::1, localhost)"
            )
        try:
            self.internal_token_key()
        except (InsecureConfiguration, ValueError) as exc:
            raise ValueError(str(exc)) from exc
        return self

    def user_token_secret(self) -> str:
        """The HS256 secret for users' tokens: the configured one, else (development
        only, which the validator ensures) the development secret."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return DEVELOPMENT_JWT_SECRET

    def internal_token_key(self) -> Ed25519PrivateKey:
        """The key internal tokens are signed with. InsecureConfiguration in production
        when none is configured, or when the configured one is the development key."""
        development = development_private_key()
        if self.internal_token_private_key is None:
            if self.environment != "development":
                raise InsecureConfiguration(
                    f"Refusing to start in production without {PRIVATE_KEY_SETTING}: set it "
                    "to an Ed25519 private key (PEM), e.g. from `openssl genpkey -algorithm "
                    "ed25519`, or set HEARTH_ENVIRONMENT=development"
                )
            return development
        key = load_private_key(self.internal_token_private_key.get_secret_value())
        if self.environment != "development" and key_id(key.public_key()) == key_id(
            development.public_key()
        ):
            raise InsecureConfiguration(
                f"Refusing to start in production: {PRIVATE_KEY_SETTING} is the development "
                "key, whose seed is in the repository"
            )
        return key

    @property
    def upload_body_limits(self) -> dict[tuple[str, str], int]:
        """{(method, path): max_upload_body_bytes} for each upload route: the body limit
        (hearth_kit.request_limits) reads it."""
        return {
            (method.upper(), path): self.max_upload_body_bytes
            for method, _, path in (route.strip().partition(" ") for route in self.upload_routes)
        }

    def refuse_development_defaults(self) -> None:
        """InsecureConfiguration when production would start with a service's URL left
        at its development default (http://127.0.0.1:<port>, where nothing answers in a
        deployment, so every call would be a 503 while /readyz only said so). Called at
        start-up (the app's lifespan), as the services check their database and broker
        (ADR 0025); a URL set explicitly, even to that address, is taken."""
        if self.environment == "development":
            return
        unset = [
            f"HEARTH_GATEWAY_{service.upper()}_URL"
            for service in SERVICES
            if f"{service}_url" not in self.model_fields_set
        ]
        if unset:
            raise InsecureConfiguration(
                "Refusing to start in production without each service's URL: set "
                + ", ".join(unset)
                + ", or set HEARTH_ENVIRONMENT=development for the services on this machine"
            )

    def service_url(self, service: Service) -> str:
        url: str = getattr(self, f"{service}_url")
        return url
