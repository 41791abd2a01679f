"""Gateway settings (env prefix HEARTH_GATEWAY_).

The gateway refuses to start with settings that would be unsafe where it runs: the
development signing secret in production, an HMAC secret too short to be a key, or an
RS256 setup with nothing to verify signatures against.
"""

from __future__ import annotations

import os
from typing import Literal, cast

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hearth_kit.settings import LogFormat, OtelExporter

ServiceName = Literal["compliance", "income", "engagement", "visits", "repairs"]
"""The downstream services the gateway combines."""

SERVICES: tuple[ServiceName, ...] = ("compliance", "income", "engagement", "visits", "repairs")

DEVELOPMENT_JWT_SECRET = "hearth-development-only-secret-never-use-in-production"
"""Signs development tokens (`hearth dev-token`). Refused when environment=production."""

MIN_HMAC_SECRET_BYTES = 32
"""RFC 7518 section 3.2: an HS256 key is at least as long as the hash output (256 bits)."""


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_GATEWAY_", extra="ignore")

    visits_url: str = "http://127.0.0.1:8101"
    repairs_url: str = "http://127.0.0.1:8102"
    compliance_url: str = "http://127.0.0.1:8103"
    income_url: str = "http://127.0.0.1:8104"
    engagement_url: str = "http://127.0.0.1:8105"
    downstream_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Upper bound on each call to a service, start to finish"
    )

    environment: Literal["development", "production"] = "development"
    jwt_issuer: str = "hearth-dev"
    jwt_audience: str = "hearth"
    jwt_algorithm: Literal["RS256", "HS256"] = "HS256"
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_JWT_SECRET),
        description="HS256 signing secret; the default is for development only",
    )
    jwt_public_key: str | None = Field(
        default=None, description="PEM public key for RS256 when no JWKS endpoint is used"
    )
    jwks_url: str | None = Field(
        default=None, description="The identity provider's JWKS endpoint (RS256)"
    )
    jwks_cache_seconds: float = Field(default=300, gt=0)
    jwt_leeway_seconds: float = Field(
        default=30, ge=0, description="Clock skew tolerated on exp, nbf and iat"
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
        if self.jwt_algorithm == "HS256":
            if self.jwks_url:
                raise ValueError("jwks_url publishes RS256 keys: set jwt_algorithm=RS256")
            secret = self.jwt_secret.get_secret_value()
            if self.environment == "production" and secret == DEVELOPMENT_JWT_SECRET:
                raise ValueError(
                    "Refusing to start in production with the development JWT secret: "
                    "set HEARTH_GATEWAY_JWKS_URL (RS256) or HEARTH_GATEWAY_JWT_SECRET"
                )
            if len(secret.encode()) < MIN_HMAC_SECRET_BYTES:
                raise ValueError(f"jwt_secret must be at least {MIN_HMAC_SECRET_BYTES} bytes")
        elif not (self.jwks_url or self.jwt_public_key):
            raise ValueError("RS256 needs jwks_url or jwt_public_key to verify signatures")
        return self

    def service_url(self, service: ServiceName) -> str:
        url: str = getattr(self, f"{service}_url")
        return url
