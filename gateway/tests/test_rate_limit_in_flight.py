"""Tokens being verified count against their address's allowance (gateway.rate_limits,
docs/adr/0215). The address was only checked, and only a failure spent it, after the
token had been verified: junk tokens sent all at once from one address were all checked
before the first had failed, and each had its signature checked (with a JWKS, its key
looked up in a thread, fetched again for an unknown key id) however small the
address's allowance."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gateway_stand_ins import KNOWN_UPRN, StandIns, gateway_settings

from gateway.app import create_app
from gateway.auth import BEARER_REALM, Principal
from gateway.rate_limits import RateLimiter, address_client
from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests, Unauthorized


class _HeldVerifier:
    """A verifier that refuses every token, once let go: as a JWKS lookup in a thread
    keeps the gateway's first requests waiting while more arrive."""

    def __init__(self) -> None:
        self.verifying = 0
        self.let_go = asyncio.Event()

    def remembers(self, token: str) -> bool:
        return False

    async def verify(self, token: str) -> Principal:
        self.verifying += 1
        await self.let_go.wait()
        raise Unauthorized("The token is not valid", headers={"WWW-Authenticate": BEARER_REALM})


async def test_junk_tokens_sent_at_once_are_not_all_verified(stand_ins: StandIns) -> None:
    app = create_app(gateway_settings(stand_ins, rate_limit_per_second=0.001, rate_limit_burst=2))
    async with LifespanManager(app) as manager:
        held = _HeldVerifier()
        app.state.token_verifier = held
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app, client=("192.0.2.9", 50000)),
            base_url="http://gateway",
        ) as client:
            junk = {"Authorization": "Bearer junk"}
            sent = [
                asyncio.create_task(client.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk))
                for _ in range(5)
            ]
            for _ in range(10_000):  # until each is being verified or answered
                if held.verifying + sum(task.done() for task in sent) == len(sent):
                    break
                await asyncio.sleep(0)
            verified_at_once = held.verifying
            held.let_go.set()
            answers = await asyncio.gather(*sent)
    assert verified_at_once == 2  # the burst; the rest refused before verifying
    assert sorted(a.status_code for a in answers) == [401, 401, 429, 429, 429]


def test_a_request_in_flight_counts_as_spent_until_it_is_answered() -> None:
    limiter = RateLimiter(
        GatewaySettings(environment="development", rate_limit_per_second=1, rate_limit_burst=1)
    )
    address = address_client("192.0.2.9")
    with limiter.verifying(address, now=0.0):
        with pytest.raises(TooManyRequests) as refused:
            limiter.check(address, now=0.0)
        assert refused.value.headers["Retry-After"] == "1"
    limiter.check(address, now=0.0)  # verified: nothing spent, nothing kept
    assert not limiter._in_flight
