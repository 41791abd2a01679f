"""A key the identity provider withdraws from its JWKS stops verifying once the gateway
refreshes the key set (after jwks_cache_seconds): no key is cached beyond the set.

The JWKS is served over real HTTP by a small local server whose keys the test changes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import TokenVerifier
from gateway.settings import GatewaySettings
from hearth_kit.problems import Unauthorized

KEY_SET_LIFETIME_SECONDS = 0.2


class IdentityProvider:
    """Publishes a JWKS at /jwks.json; `publish` replaces the keys it lists."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": provider.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def publish(self, keys: dict[str, rsa.RSAPrivateKey]) -> None:
        self.keys = [
            {
                **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())),
                "kid": kid,
                "alg": "RS256",
                "use": "sig",
            }
            for kid, key in keys.items()
        ]


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    provider.thread.start()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def rs256(key: rsa.RSAPrivateKey, kid: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": "hearth-dev",
        "aud": "hearth",
        "sub": "idp-user",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "scope": "homes:read",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_a_withdrawn_key_stops_verifying_once_the_key_set_is_refreshed(
    identity_provider: IdentityProvider,
) -> None:
    old, new = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab")
    identity_provider.publish({"old": old, "new": new})
    verifier = TokenVerifier(
        GatewaySettings(
            environment="production",
            jwt_algorithm="RS256",
            jwks_url=identity_provider.url,
            jwks_cache_seconds=KEY_SET_LIFETIME_SECONDS,
        )
    )
    assert (await verifier.verify(rs256(old, "old"))).subject == "idp-user"
    assert (await verifier.verify(rs256(new, "new"))).subject == "idp-user"

    identity_provider.publish({"new": new})  # the old key is withdrawn (rotated out)
    fetches = identity_provider.fetches
    await asyncio.sleep(KEY_SET_LIFETIME_SECONDS * 2)  # the cached key set reaches its lifetime

    with pytest.raises(Unauthorized):
        await verifier.verify(rs256(old, "old"))
    assert identity_provider.fetches > fetches  # refused on the fresh set, not a stale key
    assert (await verifier.verify(rs256(new, "new"))).subject == "idp-user"
