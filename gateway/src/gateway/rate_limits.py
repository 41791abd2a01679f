"""Rate limits per client: a token bucket per token subject (a contractor's client, a
member of staff's front-end session), in this process.

Each client may make `rate_limit_per_second` requests a second on average and
`rate_limit_burst` at once; `rate_limit_overrides` (JSON object subject -> requests a
second) gives one client its own rate. Over it, a 429 problem with `Retry-After`
(whole seconds until a request would be let through). Checked after the token is
verified, so an unauthenticated caller cannot spend another client's allowance.

With several gateway replicas each keeps its own buckets: the effective limit is the
replica count times the configured one, which the configuration accounts for.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests

MAX_CLIENTS = 100_000
"""Buckets kept at most; full buckets (idle clients) are forgotten first."""


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, settings: GatewaySettings) -> None:
        self.rate = settings.rate_limit_per_second
        self.burst = float(settings.rate_limit_burst)
        self.overrides = settings.rate_limit_overrides
        self._buckets: dict[str, _Bucket] = {}

    def take(self, client: str, now: float | None = None) -> None:
        """Spend one request of `client`'s allowance; TooManyRequests when none is left."""
        now = time.monotonic() if now is None else now
        rate = self.overrides.get(client, self.rate)
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= MAX_CLIENTS:
                self._forget_idle(now)
            bucket = self._buckets[client] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return
        wait = math.ceil((1 - bucket.tokens) / rate)
        raise TooManyRequests(
            f"This client made more than {rate:g} requests a second; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def _forget_idle(self, now: float) -> None:
        idle = [
            client
            for client, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self.rate >= self.burst
        ]
        for client in idle:
            del self._buckets[client]
        if len(self._buckets) >= MAX_CLIENTS:
            self._buckets.clear()
