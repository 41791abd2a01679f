"""Rate limits per client: a token bucket per client, in this process.

A client is who the verified token says is calling: a member of staff's front-end
session (`("staff", sub)`) or a contractor's client (`("contractor", contractor_id,
sub)`). The identity provider's subjects are not unique across the two (a contractor's
client and a member of staff may share a `sub`), so the kind and the contractor are part
of the key: a contractor cannot spend a member of staff's allowance, nor one contractor
another's. The bucket is spent after the token is verified, so an unauthenticated caller
cannot spend another client's allowance.

A caller not yet authenticated (no token, a refused token, or a token the gateway has not
verified before) is limited by the address of the connection (`("address", host)`) before
its token is checked, so a flood of junk or forged tokens is refused with 429 without the
gateway checking each one's signature (or fetching the JWKS for it). Only requests that
fail authentication spend the address's allowance; a valid token never does, so many
people behind one address are not limited together while they sign in. The address is
`request.client.host`: the TCP peer's, or, from a peer uvicorn trusts
(`FORWARDED_ALLOW_IPS`, only the ingress controller: docs/runbooks/deploy.md), the address
that proxy put in `X-Forwarded-For`. The proxy must overwrite that header (any caller can
write one) and `FORWARDED_ALLOW_IPS` must never be `*`, or a caller picks its own bucket
(tests/ops/test_forwarded_headers.py). Where no proxy is trusted, every caller behind the
proxy shares its address, so junk from one of them can hold back the first request of a
new token from the others until the bucket refills (at `rate_limit_per_second`); tokens
already verified are never held back.

Each client may make `rate_limit_per_second` requests a second on average and
`rate_limit_burst` at once; `rate_limit_overrides` (JSON object key -> requests a second)
gives some clients their own rate, keyed as the buckets are, by kind: `staff:<sub>` is
the member of staff whose token's subject is `<sub>`, `contractor:<contractor_id>` each
client of that contractor (a bucket each, at that rate). A bare subject, the old form,
would name a member of staff and a contractor's client alike (subjects are not unique
between them: an override meant for a contractor applied to a member of staff with the
same `sub`), so the gateway refuses to start on one, naming the two keys it could mean
(docs/adr/0214). Over the rate, a 429 problem with `Retry-After` (whole seconds until a
request would be let through).

With several gateway replicas each keeps its own buckets: the effective limit is the
replica count times the configured one, which the configuration accounts for.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from dataclasses import dataclass

from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests

MAX_CLIENTS = 100_000
"""Buckets kept at most; full buckets (idle clients) are forgotten first."""


@dataclass
class _Bucket:
    tokens: float
    at: float


def staff_client(subject: str) -> tuple[str, str]:
    """The bucket of a member of staff's token."""
    return ("staff", subject)


def contractor_client(contractor_id: str, subject: str) -> tuple[str, str, str]:
    """The bucket of a contractor's token: its contractor's, apart from staff's."""
    return ("contractor", contractor_id, subject)


def address_client(host: str | None) -> tuple[str, str]:
    """The bucket of callers not yet authenticated from one connection address."""
    return ("address", host or "unknown")


def override_key(client: Hashable) -> str | None:
    """The `rate_limit_overrides` key that gives `client` its own rate: `staff:<sub>` for
    a member of staff, `contractor:<contractor_id>` for any client of a contractor; None
    for a connection address (never overridden)."""
    if isinstance(client, tuple) and client and client[0] == "staff":
        return f"staff:{client[1]}"
    if isinstance(client, tuple) and client and client[0] == "contractor":
        return f"contractor:{client[1]}"
    return None


class RateLimiter:
    def __init__(self, settings: GatewaySettings) -> None:
        self.rate = settings.rate_limit_per_second
        self.burst = float(settings.rate_limit_burst)
        self.overrides = settings.rate_limit_overrides
        self._buckets: dict[Hashable, _Bucket] = {}

    def take(self, client: Hashable, now: float | None = None) -> None:
        """Spend one request of `client`'s allowance; TooManyRequests when none is left.
        The client's kind and subject or contractor pick its rate from
        `rate_limit_overrides` (override_key)."""
        bucket, rate = self._refilled(client, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return
        raise self._refusal(bucket, rate)

    def check(self, client: Hashable, now: float | None = None) -> None:
        """TooManyRequests when `client` has no allowance left, spending none: the
        address check before a token is verified (only a failure spends it)."""
        bucket, rate = self._refilled(client, now)
        if bucket.tokens < 1:
            raise self._refusal(bucket, rate)

    def _refilled(self, client: Hashable, now: float | None) -> tuple[_Bucket, float]:
        now = time.monotonic() if now is None else now
        rate = self._rate_of(client)
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= MAX_CLIENTS:
                self._forget_idle(now)
            bucket = self._buckets[client] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        return bucket, rate

    def _rate_of(self, client: Hashable) -> float:
        """The client's requests a second: its override's (override_key), else the
        configured rate."""
        key = override_key(client)
        return self.overrides.get(key, self.rate) if key is not None else self.rate

    @staticmethod
    def _refusal(bucket: _Bucket, rate: float) -> TooManyRequests:
        wait = math.ceil((1 - bucket.tokens) / rate)
        return TooManyRequests(
            f"This client made more than {rate:g} requests a second; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def _forget_idle(self, now: float) -> None:
        """Forget the buckets that have refilled, each at its own client's rate: at the
        configured rate a client held to a lower override looked full long before it
        was, and forgotten came back with a whole burst."""
        idle = [
            client
            for client, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self._rate_of(client) >= self.burst
        ]
        for client in idle:
            del self._buckets[client]
        if len(self._buckets) >= MAX_CLIENTS:
            self._buckets.clear()
