"""Tokens for tests: one fresh Ed25519 key pair per test session, and an httpx auth that
signs each request to a service with a new internal token, as the gateway does.

The root conftest.py calls `use_test_session_keys()` before any app is built, so every
service trusts this session's public key and the gateway signs with its private key.
No test relies on the development key.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hearth_kit.auth import (
    ADMIN_SCOPE,
    issue_internal_token,
    load_private_key,
    private_key_pem,
    public_key_pem,
)

PRIVATE_KEY_VARIABLE = "HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY"
PUBLIC_KEY_VARIABLE = "HEARTH_INTERNAL_TOKEN_PUBLIC_KEY"

STAFF_SCOPES = frozenset(
    {
        "homes:read",
        "homes:write",
        "tenancies:read",
        "tenancies:write",
        "residents:read",
        "residents:write",
        "visits:read",
        "visits:write",
        "repairs:read",
        "repairs:write",
        "compliance:write",
        "income:write",
        "contacts:write",
        "complaints:read",
        "complaints:write",
        "surveys:read",
        "surveys:write",
        "you-said-we-did:write",
        "reports:read",
    }
)
"""What a member of staff's calls carry in the services' own tests: the scopes each
service's everyday reads and writes need (the services check them too, as the gateway
does). Never the ones a test grants on purpose where it tests them: repairs:manage,
income:approve, the caseload scopes, the reads that open extra fields (compliance:read,
income:read) and the need-to-know ones (vulnerabilities, diversity)."""
DEFAULT_SCOPES = STAFF_SCOPES | {"compliance:read", "income:read", ADMIN_SCOPE}
"""What a test's calls carry unless it says otherwise: the staff scopes, compliance's and
income's reads (their routes need them) and admin."""
TEST_SUBJECT = "test-staff"


def use_test_session_keys() -> None:
    """Development mode and a fresh key pair for this process, in the environment every
    process's settings read (set once; xdist workers each make their own)."""
    os.environ["HEARTH_ENVIRONMENT"] = "development"
    if PRIVATE_KEY_VARIABLE not in os.environ:
        key = Ed25519PrivateKey.generate()
        os.environ[PRIVATE_KEY_VARIABLE] = private_key_pem(key)
        os.environ[PUBLIC_KEY_VARIABLE] = public_key_pem(key.public_key())


def session_private_key() -> Ed25519PrivateKey:
    return load_private_key(os.environ[PRIVATE_KEY_VARIABLE])


def internal_token(
    service: str,
    *,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    subject: str = TEST_SUBJECT,
    contractor_id: str | None = None,
) -> str:
    """A token for one call to `service`, signed with this session's key."""
    return issue_internal_token(
        session_private_key(),
        service=service,
        subject=subject,
        scopes=scopes,
        contractor_id=contractor_id,
    )


class InternalTokenAuth(httpx.Auth):
    """Signs each request with a fresh internal token for `service` (tokens live 60 s,
    test clients live longer). By default DEFAULT_SCOPES."""

    def __init__(
        self,
        service: str,
        *,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        subject: str = TEST_SUBJECT,
        contractor_id: str | None = None,
    ) -> None:
        self.service = service
        self.scopes = frozenset(scopes)
        self.subject = subject
        self.contractor_id = contractor_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = internal_token(
            self.service,
            scopes=self.scopes,
            subject=self.subject,
            contractor_id=self.contractor_id,
        )
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
