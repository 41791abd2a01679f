"""Bearer JWT authentication and scope checks.

Every `/v1` route depends on `require_scopes(...)`. A token names its subject (`sub`),
its scopes (`scope`, space-separated) and may name roles (`roles`), each of which grants
its configured scope set (gateway.roles). A contractor token is bound to one contractor
(`contractor_id`) and is refused without it.

A contractor token carries only the contractor role's scopes: one that also carries a
staff scope is refused (401), so no token is both a contractor and staff.

Development tokens are HS256, signed with the gateway's secret (`hearth dev-token`);
production verifies RS256 tokens against the identity provider's JWKS. Fetching the
JWKS is blocking I/O, so it runs in a worker thread and never blocks the event loop.
The key set is trusted for `jwks_cache_seconds` and then fetched again; no key outlives
it, so a key the identity provider withdraws stops verifying once the set is refreshed.

Checking a token's signature and claims was a tenth of the gateway's CPU under the
home composite, and a front-end sends the same token on every call for its lifetime,
so the verifier keeps the principals of tokens it has verified (a bounded LRU keyed by
the token itself, `MAX_VERIFIED_TOKENS`) until the token's own `exp`, and with a JWKS no
longer than `jwks_cache_seconds` after the check, so a withdrawn key stops verifying
within the time it did before. Only tokens that passed every check are kept, so forged
tokens cannot fill it (docs/adr/0022-composite-per-request-work.md).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.rate_limits import RateLimiter, address_client, contractor_client, staff_client
from gateway.roles import DEFAULT_ROLES
from gateway.scopes import CONTRACTOR_SCOPE, SCOPES
from gateway.scopes import NEED_TO_KNOW as NEED_TO_KNOW  # re-exported: callers import it here
from gateway.settings import GatewaySettings
from hearth_kit.auth import identity_claim_problem
from hearth_kit.problems import Forbidden, Problem, ServiceUnavailable, Unauthorized

ROLE_SCOPES: dict[str, tuple[str, ...]] = DEFAULT_ROLES
"""The default scopes each role grants (the gateway's settings may configure others)."""

STAFF_SCOPES: frozenset[str] = frozenset(SCOPES) - {CONTRACTOR_SCOPE}
"""Scopes only staff hold: a contractor token carrying any of them is refused."""

BEARER_REALM = 'Bearer realm="hearth"'

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid bearer token (problem details)"},
    403: {"model": Problem, "description": "The token lacks a scope this needs (problem details)"},
    422: {"model": Problem, "description": "Validation error (problem details)"},
}


@dataclass(frozen=True)
class Principal:
    """Who is calling, and what they may do."""

    subject: str
    scopes: frozenset[str]
    roles: tuple[str, ...] = ()
    contractor_id: str | None = None

    @property
    def is_contractor(self) -> bool:
        return "contractor" in self.scopes

    @property
    def rate_limit_client(self) -> tuple[str, ...]:
        """Whose allowance this caller's requests spend (gateway.rate_limits): a
        contractor's, whichever of its client ids (`sub`) calls (ADR 0229), never
        shared with staff, whatever the `sub`."""
        if self.is_contractor and self.contractor_id is not None:
            return contractor_client(self.contractor_id)
        return staff_client(self.subject)


def _invalid_token(detail: str) -> Unauthorized:
    return Unauthorized(
        detail, headers={"WWW-Authenticate": f'{BEARER_REALM}, error="invalid_token"'}
    )


def principal_from_claims(
    claims: Mapping[str, Any], roles_granting: Mapping[str, Sequence[str]] = DEFAULT_ROLES
) -> Principal:
    """The principal a verified token describes: its own scopes, and those its roles
    grant (`roles_granting`, the configured role sets). An unknown role grants nothing."""
    if (problem := identity_claim_problem(claims)) is not None:
        raise _invalid_token(problem)
    subject = cast(str, claims["sub"])
    scope = claims.get("scope", "")
    roles = claims.get("roles", [])
    if not isinstance(scope, str):
        raise _invalid_token("The token's scope must be a space-separated string")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _invalid_token("The token's roles must be a list of strings")
    scopes = set(scope.split())
    for role in roles:
        scopes.update(roles_granting.get(role, ()))
    contractor_id = cast(str | None, claims.get("contractor_id"))
    if "contractor" in scopes and contractor_id is None:
        raise _invalid_token("A contractor token must name its contractor (contractor_id)")
    if "contractor" in scopes and (staff := sorted(scopes & STAFF_SCOPES)):
        raise _invalid_token(
            "A contractor token must not carry staff scopes (it carries "
            f"{' '.join(staff)}): a contractor's token and a member of staff's are separate"
        )
    if contractor_id is not None and "contractor" not in scopes:
        raise _invalid_token("Only a contractor token names a contractor (contractor_id)")
    return Principal(
        subject=subject,
        scopes=frozenset(scopes),
        roles=tuple(roles),
        contractor_id=contractor_id,
    )


MAX_VERIFIED_TOKENS = 10_000
"""Verified tokens whose principals are kept for reuse at most (least recently used
dropped first)."""


class TokenVerifier:
    """Verifies bearer tokens as the settings say: HS256 with the shared secret, or
    RS256 with a configured public key or the keys published at the JWKS endpoint.
    A token that passed is taken as verified again until its `exp` (and, with a JWKS,
    for at most `jwks_cache_seconds`), without checking its signature again."""

    def __init__(self, settings: GatewaySettings, *, kept: int = MAX_VERIFIED_TOKENS) -> None:
        self._settings = settings
        self._kept = kept
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._jwks: jwt.PyJWKClient | None = None
        self._key: str | None = None
        if settings.jwt_algorithm == "HS256":
            self._key = settings.user_token_secret()
        elif settings.jwks_url:
            # One client for the process. It caches the key set for jwks_cache_seconds and
            # nothing else: cache_keys=True would also keep every key it ever used in an
            # LRU cache with no expiry, so a withdrawn key would verify for ever.
            self._jwks = jwt.PyJWKClient(
                settings.jwks_url,
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=settings.jwks_cache_seconds,
                timeout=settings.downstream_timeout_seconds,
            )
        else:
            self._key = settings.jwt_public_key

    @property
    def tokens_remembered(self) -> int:
        """How many verified tokens are kept for reuse now."""
        return len(self._verified)

    def remembers(self, token: str) -> bool:
        """Whether `token` passed every check before and is still taken as verified:
        such a token is not held to its address's allowance (gateway.rate_limits)."""
        known = self._verified.get(token)
        return known is not None and time.time() < known[0]

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; Unauthorized (401) for any other token."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known[0]:
                self._verified.move_to_end(token)
                return known[1]
            del self._verified[token]
        principal, expires = await self._check(token)
        if self._kept > 0:
            self._verified[token] = (expires, principal)
            if len(self._verified) > self._kept:
                self._verified.popitem(last=False)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        """The principal of a token whose signature and claims all check out, and until
        when it may be taken as verified; Unauthorized (401) otherwise."""
        settings = self._settings
        try:
            key: Any = self._key if self._jwks is None else await self._signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[settings.jwt_algorithm],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _invalid_token("The token has expired") from exc
        except jwt.PyJWTError as exc:
            raise _invalid_token(f"The token is not valid: {exc}") from exc
        expires = float(claims["exp"])
        if self._jwks is not None:  # a key withdrawn from the set stops verifying as before
            expires = min(expires, time.time() + settings.jwks_cache_seconds)
        return principal_from_claims(claims, settings.roles), expires

    async def _signing_key(self, token: str) -> jwt.PyJWK:
        assert self._jwks is not None
        try:
            return await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as exc:
            raise ServiceUnavailable(
                "The identity provider's signing keys could not be fetched, so the token "
                "cannot be checked. Try again shortly.",
                service="identity-provider",
                headers={"Retry-After": "5"},
            ) from exc


_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A Hearth access token: `Authorization: Bearer <token>`",
)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from a valid bearer token (401 problem details otherwise), within
    their rate limit (429 otherwise; gateway.rate_limits). A request whose token is not
    already known to be valid is first held to its connection address's allowance, which
    only failed authentication spends."""
    verifier: TokenVerifier = request.app.state.token_verifier
    limiter: RateLimiter = request.app.state.rate_limiter
    token = credentials.credentials if credentials is not None else None
    if token is not None and verifier.remembers(token):
        principal = await verifier.verify(token)
    else:
        address = address_client(request.client.host if request.client else None)
        with limiter.verifying(address):  # in flight counts as spent until answered
            try:
                if token is None:
                    raise Unauthorized(
                        "This API needs a bearer token: send Authorization: Bearer <token>",
                        headers={"WWW-Authenticate": BEARER_REALM},
                    )
                principal = await verifier.verify(token)
            except Unauthorized:
                limiter.take(address)
                raise
    limiter.take(principal.rate_limit_client)
    return principal


class ScopeCheck:
    """A dependency that lets the caller through only with every one of `scopes`, and,
    when the request names a query parameter of `query_scopes`, with that parameter's
    scopes too (403 problem naming the missing ones otherwise): `GET /v1/surveys/results`
    needs surveys:read, and diversity:read as well once it asks for `?strand=`. With
    `contractor_too`, a contractor's token passes as well: the one staff route an issue
    names for a contractor's engineers too (`POST /v1/gas-safety-records`, issue 7),
    which the gateway then forwards to the service's contractor route. The scopes stay
    readable on the route, so the authorisation matrix is worked out from the app
    itself."""

    def __init__(
        self,
        scopes: tuple[str, ...],
        query_scopes: Mapping[str, tuple[str, ...]] | None = None,
        *,
        contractor_too: bool = False,
    ) -> None:
        self.query_scopes = dict(query_scopes or {})
        named = set(scopes).union(*self.query_scopes.values())
        unknown = sorted(named - SCOPES.keys())
        if unknown:
            raise ValueError(f"Unknown scopes: {', '.join(unknown)}")
        if contractor_too and self.query_scopes:
            raise ValueError("A route a contractor may call too asks no more by query")
        self.scopes = scopes
        self.contractor_too = contractor_too

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(authenticated)]
    ) -> Principal:
        if self.contractor_too and principal.is_contractor:
            return principal
        scopes = self.scopes
        if self.query_scopes:
            asked = request.query_params
            extra = (s for name, more in self.query_scopes.items() if name in asked for s in more)
            scopes = tuple(dict.fromkeys((*scopes, *extra)))
        missing = [scope for scope in scopes if scope not in principal.scopes]
        if missing:
            raise Forbidden(
                f"This needs the scope {' '.join(missing)}, which the token does not grant",
                required_scopes=list(scopes),
                missing_scopes=missing,
                headers={
                    "WWW-Authenticate": (
                        f'{BEARER_REALM}, error="insufficient_scope", scope="{" ".join(scopes)}"'
                    )
                },
            )
        return principal


def require_scopes(
    *scopes: str,
    query_scopes: Mapping[str, tuple[str, ...]] | None = None,
    contractor_too: bool = False,
) -> ScopeCheck:
    """A dependency that lets the caller through only with every one of `scopes`, and
    with a query parameter's `query_scopes` when the request names that parameter (or,
    with `contractor_too`, with a contractor's token)."""
    return ScopeCheck(tuple(scopes), query_scopes, contractor_too=contractor_too)


class DevelopmentTokenRefused(Exception):
    """Development tokens are not issued in production."""


def issue_development_token(
    role: str,
    subject: str,
    contractor_id: str | None = None,
    ttl: timedelta = timedelta(minutes=60),
    settings: GatewaySettings | None = None,
    scopes: tuple[str, ...] = (),
) -> str:
    """An HS256 token for development, signed with the gateway's secret.

    `scopes` are granted on top of the role's, in the token's own `scope`, as the identity
    provider grants a need-to-know scope (vulnerabilities:read, diversity:read) to one
    person: no role may carry those, so without this no development token could try the
    routes that need them. A contractor's token takes none (it would be refused)."""
    settings = settings or GatewaySettings()
    if settings.environment == "production":
        raise DevelopmentTokenRefused("Development tokens are not issued in production")
    if role not in settings.roles:
        raise ValueError(f"Unknown role {role!r}: one of {', '.join(settings.roles)}")
    if role == "contractor" and not contractor_id:
        raise ValueError("A contractor token must name its contractor (contractor_id)")
    if role != "contractor" and contractor_id:
        raise ValueError("Only a contractor token names a contractor")
    if not subject:
        raise ValueError("A token needs a subject")
    if ttl <= timedelta(0):
        raise ValueError("The token's lifetime must be positive")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope {unknown[0]!r}: gateway/src/gateway/scopes.py lists them")
    if role == "contractor" and scopes:
        raise ValueError("A contractor token carries the contractor scope alone")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
        "roles": [role],
        "scope": " ".join(dict.fromkeys([*settings.roles[role], *scopes])),
    }
    if contractor_id:
        claims["contractor_id"] = contractor_id
    return jwt.encode(claims, settings.user_token_secret(), algorithm="HS256")
