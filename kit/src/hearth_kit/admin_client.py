"""Calls to a service's /admin routes from the command line, with an admin token.

Operations reach dead letters and parked outbox rows through the service's own /admin
routes rather than its database (docs/runbooks/operations-cli.md says why): a replay
must run the event through the handler of the code the service is running, in its
inbox's transaction; a retry wakes that process's relay; the service stays the only
reader of its database; and the admin scope is the one wall in front of all of it.

Where a service answers: `--url`, else the gateway's own setting for it
(HEARTH_GATEWAY_<SERVICE>_URL, so the command works as-is in the gateway's pod), else
the development default (http://127.0.0.1:<port>).

The admin token: `--token` (or HEARTH_ADMIN_TOKEN), else one is signed here with the
gateway's internal-token key (HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY), else, in
development only, with the development key. Production never uses the development key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from hearth_contracts.topics import SERVICES, default_url

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_KEY_VARIABLE = "HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY"
ADMIN_TOKEN_LIFETIME = timedelta(minutes=5)
"""A token signed for one command lives as long as the command might take, no longer."""


class OperationFailed(Exception):
    """The command cannot do what was asked; the message says why, for the operator."""


def service_url(service: str, url: str | None = None) -> str:
    """Where `service` answers: `url`, HEARTH_GATEWAY_<SERVICE>_URL, or the default."""
    if url:
        return url.rstrip("/")
    if service not in SERVICES:
        raise OperationFailed(f"No service {service!r}: one of {', '.join(SERVICES)}")
    configured = os.environ.get(f"HEARTH_GATEWAY_{service.upper()}_URL")
    return (configured or default_url(service)).rstrip("/")


def signing_key() -> Ed25519PrivateKey:
    """The gateway's internal-token key, or the development key in development only."""
    from hearth_kit.auth import development_private_key, key_id, load_private_key
    from hearth_kit.settings import environment_from_env

    pem = os.environ.get(PRIVATE_KEY_VARIABLE)
    development = environment_from_env() == "development"
    if not pem:
        if development:
            return development_private_key()
        raise OperationFailed(
            f"No admin token: give --token (from `hearth admin-token --service <name>` where "
            f"the gateway's key is, e.g. its pod), or set {PRIVATE_KEY_VARIABLE} here"
        )
    key = load_private_key(pem)
    if not development and key_id(key.public_key()) == key_id(
        development_private_key().public_key()
    ):
        raise OperationFailed(
            f"{PRIVATE_KEY_VARIABLE} is the development key, refused outside development"
        )
    return key


def admin_token(service: str, *, token: str | None = None, subject: str = "ops") -> str:
    """`token` if given, else a short-lived admin token for `service`."""
    if token:
        return token
    from hearth_kit.auth import ADMIN_SCOPE, issue_internal_token

    return issue_internal_token(
        signing_key(),
        service=service,
        subject=subject,
        scopes=[ADMIN_SCOPE],
        ttl=ADMIN_TOKEN_LIFETIME,
    )


class AdminClient:
    """One service's /admin routes, as an operator calls them."""

    def __init__(
        self,
        service: str,
        *,
        url: str | None = None,
        token: str | None = None,
        subject: str = "ops",
        timeout: float = 30.0,
    ) -> None:
        self.service = service
        self.url = service_url(service, url)
        self._client = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {admin_token(service, token=token, subject=subject)}"
            },
        )

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str) -> Any:
        return self._call("POST", path)

    def _call(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client.request(method, path, params=params)
        except httpx.HTTPError as exc:
            raise OperationFailed(
                f"{self.service} does not answer at {self.url} ({type(exc).__name__}); "
                "is it running? (--url, or HEARTH_GATEWAY_"
                f"{self.service.upper()}_URL)"
            ) from exc
        if response.is_success:
            return response.json()
        raise OperationFailed(f"{self.service} said {response.status_code}: {_problem(response)}")


def _problem(response: httpx.Response) -> str:
    """A problem document's title and detail (they name ids, never people)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
    return " - ".join(parts) or response.reason_phrase
