"""Internal tokens: services trust only the gateway (docs/adr/0006-internal-tokens.md).

For every call to a service the gateway mints a short-lived JWT (60 s) signed with its
Ed25519 private key (EdDSA): `iss` hearth-gateway, `aud` hearth-<service>, `sub` the
caller, `scope` the caller's scopes (space-separated), `contractor_id` when the caller
acts for a contractor, `iat`, `exp` and `jti`. A service holds only the public key, so a
compromised service can read tokens sent to it but never mint one, and a token minted
for one service is refused by every other (the audience).

`create_service_app` puts `authorised_caller` on every router a service includes: a
route without a valid token is a 401 problem with `WWW-Authenticate`, and a route under
/admin also needs the `admin` scope (403 otherwise). Endpoints read the caller with
`CallerDep`; it is also kept on `request.state.caller`.

Checking an EdDSA signature costs more than the rest of a simple GET, and the gateway
reuses one token per caller and service for most of its minute, so a verifier keeps the
callers of tokens it has verified (a bounded LRU keyed by the token itself) until the
token expires. A token is taken from there only while the key that signed it is still
one of the verifier's keys, and replacing the key set (`replace_keys`, a rotation)
empties it: a withdrawn key stops verifying at once, as it would without the cache.
Only tokens that passed every check are kept, so a flood of forged tokens cannot fill
it, and each is kept no longer than its own `exp`.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from hearth_kit.problems import Forbidden, Unauthorized
from hearth_kit.settings import Environment, InsecureConfiguration, ServiceSettings

INTERNAL_TOKEN_ISSUER = "hearth-gateway"
INTERNAL_TOKEN_ALGORITHM = "EdDSA"
INTERNAL_TOKEN_TTL = timedelta(seconds=60)
"""Long enough for one call through a slow network, short enough that a token read
from a log or a compromised service is useless a minute later."""
INTERNAL_TOKEN_LEEWAY_SECONDS = 10
"""Clock skew tolerated between the gateway and a service."""
VERIFIED_TOKENS_KEPT = 4096
"""Verified tokens a service keeps (LRU): a token a minute per caller and service, so a
few thousand callers at once before the oldest are checked again."""
ADMIN_SCOPE = "admin"
"""Needed on every /admin route of a service."""

DEVELOPMENT_KEY_SEED = hashlib.sha256(b"hearth-development-internal-token-key").digest()
"""The development Ed25519 key's seed. It is in the repository, so the key it makes is
used only when HEARTH_ENVIRONMENT=development and refused in production."""

_PEM_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


@dataclass(frozen=True)
class Caller:
    """Who the gateway says is calling, and what they may do."""

    subject: str
    scopes: frozenset[str]
    contractor_id: str | None = None


AccessCheck = Callable[["Caller", str], None]
"""A route's access rule: raises the 403 problem a caller gets there (hearth_kit.staff)."""


def audience(service: str) -> str:
    """The `aud` of a token for `service`: hearth-<service>."""
    return f"hearth-{service}"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key, sent as the token's `kid` so a service that
    trusts two keys during a rotation knows which one to check."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def development_private_key() -> Ed25519PrivateKey:
    """The development key (from the fixed seed in this file): development only."""
    return Ed25519PrivateKey.from_private_bytes(DEVELOPMENT_KEY_SEED)


def private_key_pem(private_key: Ed25519PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _pem_text(value: str) -> str:
    # Environment files often carry a PEM on one line with literal "\n".
    return value.replace("\\n", "\n").strip()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM (ValueError for anything else)."""
    key = serialization.load_pem_private_key(_pem_text(pem).encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the internal token private key must be an Ed25519 key")
    return key


def load_public_keys(pems: str) -> dict[str, Ed25519PublicKey]:
    """Every Ed25519 public key in `pems` (one or more PEM blocks), by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    for block in _PEM_PUBLIC_KEY.findall(_pem_text(pems)):
        key = serialization.load_pem_public_key(block.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("internal token public keys must be Ed25519 keys")
        keys[key_id(key)] = key
    if not keys:
        raise ValueError("no PEM public key (-----BEGIN PUBLIC KEY-----) found")
    return keys


def issue_internal_token(
    private_key: Ed25519PrivateKey,
    *,
    service: str,
    subject: str,
    scopes: Iterable[str],
    contractor_id: str | None = None,
    ttl: timedelta = INTERNAL_TOKEN_TTL,
    now: datetime | None = None,
) -> str:
    """A token for one call to `service` on behalf of `subject` (signed EdDSA)."""
    if not subject:
        raise ValueError("an internal token needs a subject")
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": INTERNAL_TOKEN_ISSUER,
        "aud": audience(service),
        "sub": subject,
        "scope": " ".join(sorted(set(scopes))),
        "iat": issued,
        "exp": issued + ttl,
        "jti": uuid.uuid4().hex,
    }
    if contractor_id is not None:
        claims["contractor_id"] = contractor_id
    return jwt.encode(
        claims,
        private_key,
        algorithm=INTERNAL_TOKEN_ALGORITHM,
        headers={"kid": key_id(private_key.public_key())},
    )


def _invalid_token(service: str, detail: str) -> Unauthorized:
    return Unauthorized(
        detail,
        headers={"WWW-Authenticate": f'Bearer realm="{audience(service)}", error="invalid_token"'},
    )


class InternalTokenVerifier:
    """Checks the gateway's tokens for one service: signature (one of the trusted public
    keys, by `kid`), issuer, audience, expiry."""

    def __init__(
        self,
        service: str,
        public_keys: Mapping[str, Ed25519PublicKey],
        *,
        kept: int = VERIFIED_TOKENS_KEPT,
    ) -> None:
        if not public_keys:
            raise ValueError("an internal token verifier needs at least one public key")
        self.service = service
        self._audience = audience(service)
        self._keys = dict(public_keys)
        self._kept = kept
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self.access_rules: Mapping[tuple[str, str], AccessCheck] = {}
        """Each route's access rule by (method, path template), applied once the token
        is verified (hearth_kit.staff: staff only, scopes); set by create_service_app."""

    @property
    def tokens_remembered(self) -> int:
        """How many verified tokens are kept for reuse now."""
        return len(self._verified)

    def replace_keys(self, public_keys: Mapping[str, Ed25519PublicKey]) -> None:
        """Trust these keys from now on (a rotation), and forget every token verified
        before: none verifies again unless its key is still trusted."""
        if not public_keys:
            raise ValueError("an internal token verifier needs at least one public key")
        self._keys = dict(public_keys)
        self._verified.clear()

    @classmethod
    def for_settings(cls, settings: ServiceSettings) -> InternalTokenVerifier:
        """The verifier the settings call for; InsecureConfiguration when the process must
        not start (production without a key, or production with the development key)."""
        return cls(
            settings.service_name,
            trusted_public_keys(
                settings.internal_token_public_keys,
                settings.environment,
                setting="HEARTH_INTERNAL_TOKEN_PUBLIC_KEY",
            ),
        )

    def verify(self, token: str) -> Caller:
        """The caller a valid token names; Unauthorized (401) for any other token."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known.expires and self._keys.get(known.kid) is known.key:
                self._verified.move_to_end(token)
                return known.caller
            del self._verified[token]
        kid, key, claims = self._check(token)
        caller = _caller_from_claims(self.service, claims)
        self._keep(token, _Verified(caller, kid, key, float(claims["exp"])))
        return caller

    def _keep(self, token: str, verified: _Verified) -> None:
        if self._kept <= 0:
            return
        self._verified[token] = verified
        if len(self._verified) > self._kept:
            self._verified.popitem(last=False)

    def _check(self, token: str) -> tuple[str, Ed25519PublicKey, dict[str, Any]]:
        """The key id, key and claims of a token whose signature, issuer, audience and
        expiry all check out; Unauthorized (401) otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            kid = str(header.get("kid", ""))
            key = self._keys.get(kid)
            if key is None:
                raise _invalid_token(self.service, "The token is signed by a key not trusted here")
            claims = jwt.decode(
                token,
                key,
                algorithms=[INTERNAL_TOKEN_ALGORITHM],
                audience=self._audience,
                issuer=INTERNAL_TOKEN_ISSUER,
                leeway=INTERNAL_TOKEN_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _invalid_token(self.service, "The token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise _invalid_token(
                self.service, f"The token is not for this service ({self._audience})"
            ) from exc
        except jwt.PyJWTError as exc:
            raise _invalid_token(self.service, f"The token is not valid: {exc}") from exc
        return kid, key, claims


@dataclass(frozen=True)
class _Verified:
    """A token that passed every check: who it names, the key that signed it, and
    until when (its `exp`, seconds since the epoch) it may be taken as verified."""

    caller: Caller
    kid: str
    key: Ed25519PublicKey
    expires: float


IDENTITY_MAX_LENGTH = 64
"""The longest caller id (`sub`) and contractor id a token may carry: the services keep
them with what their callers did (`recorded_by`, a visit's `officer`, a work order's
`contractor_id`) in columns of 64 characters, so a longer one is refused as a token, a
401 naming the claim, never a 500 when a write cannot store it."""


def identity_claim_problem(claims: Mapping[str, Any]) -> str | None:
    """Why a verified token's `sub` or `contractor_id` cannot name its caller, if it
    cannot: absent, empty, not a string, or longer than IDENTITY_MAX_LENGTH. One rule
    for the gateway's user tokens and the services' internal ones."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return "The token has no subject (sub)"
    if len(subject) > IDENTITY_MAX_LENGTH:
        return f"The token's subject (sub) is longer than {IDENTITY_MAX_LENGTH} characters"
    contractor_id = claims.get("contractor_id")
    if contractor_id is not None and (not isinstance(contractor_id, str) or not contractor_id):
        return "The token's contractor_id must be a non-empty string"
    if contractor_id is not None and len(contractor_id) > IDENTITY_MAX_LENGTH:
        return f"The token's contractor_id is longer than {IDENTITY_MAX_LENGTH} characters"
    return None


def _caller_from_claims(service: str, claims: Mapping[str, Any]) -> Caller:
    if (problem := identity_claim_problem(claims)) is not None:
        raise _invalid_token(service, problem)
    subject, scope = cast(str, claims["sub"]), claims.get("scope", "")
    contractor_id = cast(str | None, claims.get("contractor_id"))
    if not isinstance(scope, str):
        raise _invalid_token(service, "The token's scope must be a space-separated string")
    return Caller(subject=subject, scopes=frozenset(scope.split()), contractor_id=contractor_id)


def trusted_public_keys(
    configured: str, environment: Environment, *, setting: str
) -> dict[str, Ed25519PublicKey]:
    """The public keys to trust: the configured ones; in development with none
    configured, the development key. Production never trusts the development key."""
    development = development_private_key().public_key()
    if not configured.strip():
        if environment != "development":
            raise InsecureConfiguration(
                f"Refusing to start in production without {setting}: set it to the "
                "gateway's Ed25519 public key (PEM), or set HEARTH_ENVIRONMENT=development "
                "to use the development key on a developer's machine"
            )
        return {key_id(development): development}
    keys = load_public_keys(configured)
    if environment != "development" and key_id(development) in keys:
        raise InsecureConfiguration(
            f"Refusing to start in production: {setting} holds the development key, "
            "whose private half is in the repository"
        )
    return keys


class InternalTokenCheck(SecurityBase):
    """The token check of a service's routes, as one dependency: reads the bearer token,
    verifies it (InternalTokenVerifier), and lets the caller through only with the
    admin scope on a route under /admin and with `scope` when one is required.

    One dependency rather than a chain (bearer scheme, caller, scope check): FastAPI
    solves each dependency and each of its sub-dependencies on every request, cached
    or not, and the chain cost a GET by key about as much as its database read. It is
    still a security scheme (HTTP bearer, JWT), so the OpenAPI document is unchanged."""

    def __init__(self, scope: str | None = None) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="JWT",
            description="An internal token minted by the gateway for this service",
        )
        self.scheme_name = "HTTPBearer"
        self.scope = scope

    async def __call__(self, request: Request) -> Caller:
        """The caller the gateway vouches for: 401 problem details without a valid
        token, 403 without a scope the route needs."""
        verifier: InternalTokenVerifier = request.app.state.internal_token_verifier
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "This service answers only the gateway: send Authorization: Bearer "
                "<internal token>",
                headers={"WWW-Authenticate": f'Bearer realm="{audience(verifier.service)}"'},
            )
        caller = verifier.verify(token)
        request.state.caller = caller
        route = request.scope.get("route")
        # The route's template, else the raw path (never request.url: building it per
        # request costs more than the rest of this check).
        path: str = route.path if route is not None else request.scope["path"]
        if path.startswith("/admin") and ADMIN_SCOPE not in caller.scopes:
            raise _missing_scope(verifier.service, ADMIN_SCOPE)
        # No rule: a service without staff_only/scoped routers, or a /admin or STAFF_ONLY
        # route; create_service_app refuses to start with any other route lacking one.
        rule = verifier.access_rules.get((request.method, path))
        if rule is not None:
            rule(caller, request.method)
        if self.scope is not None and self.scope not in caller.scopes:
            raise _missing_scope(verifier.service, self.scope)
        return caller


authorised_caller = InternalTokenCheck()
"""What every route a service includes depends on: a valid internal token, and the
admin scope on routes under /admin."""
current_caller = authorised_caller
"""The verified caller (the same dependency as the routers', so FastAPI's per-request
cache checks the token once when an endpoint also asks for the caller)."""

CallerDep = Annotated[Caller, Depends(authorised_caller)]
"""The verified caller of this request."""


def _missing_scope(service: str, scope: str) -> Forbidden:
    return Forbidden(
        f"This needs the scope {scope}, which the token does not grant",
        required_scopes=[scope],
        missing_scopes=[scope],
        headers={
            "WWW-Authenticate": (
                f'Bearer realm="{audience(service)}", error="insufficient_scope", scope="{scope}"'
            )
        },
    )


def require_scope(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that lets the caller through only with `scope` (403 otherwise). It
    checks the token itself (one dependency, no chain); the routers' `authorised_caller`
    documents the bearer scheme."""
    check = InternalTokenCheck(scope)

    async def has_scope(request: Request) -> Caller:
        return await check(request)

    return has_scope
