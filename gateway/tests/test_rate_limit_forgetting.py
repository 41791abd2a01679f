"""When the gateway holds its most buckets (rate_limits.MAX_CLIENTS) it forgets the ones
that have refilled. A client held to an override below the configured rate refills at
its own rate: judged at the configured one it looked full long before it was, was
forgotten, and its next request found a new, full bucket, a whole burst the override
(docs/adr/0214) was there to stop."""

from __future__ import annotations

import pytest

from gateway import rate_limits
from gateway.rate_limits import RateLimiter, contractor_client, staff_client
from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests


def test_a_client_held_to_a_lower_rate_is_not_forgotten_before_it_has_refilled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rate_limits, "MAX_CLIENTS", 3)  # a full table, three buckets
    limiter = RateLimiter(
        GatewaySettings(
            environment="development",
            rate_limit_per_second=10,
            rate_limit_burst=2,
            rate_limit_overrides={"contractor:slowco": 0.01},  # one request in 100 s
        )
    )
    slow = contractor_client("slowco")
    limiter.take(slow, now=0.0)
    limiter.take(slow, now=0.0)  # its burst spent
    limiter.take(staff_client("a"), now=0.0)
    limiter.take(staff_client("b"), now=0.0)
    # a second on: at 10 a second every bucket would be full; the slow client's is not
    limiter.take(staff_client("c"), now=1.0)  # the table is full: the idle are forgotten
    with pytest.raises(TooManyRequests):
        limiter.take(slow, now=1.0)
    limiter.take(slow, now=101.0)  # refilled at its own rate


def test_a_newcomer_to_a_full_table_is_not_told_to_wait_for_a_slow_clients_refill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full table looks at a few buckets only; when those are of clients held to a
    low override, their refill (here 1,000 s) says nothing of the rest: the newcomer's
    Retry-After is at most a bucket's refill at the configured rate (here 2 s)."""
    monkeypatch.setattr(rate_limits, "MAX_CLIENTS", 2)
    limiter = RateLimiter(
        GatewaySettings(
            environment="development",
            rate_limit_per_second=1,
            rate_limit_burst=2,
            rate_limit_overrides={"contractor:slowco": 0.001, "contractor:slowerco": 0.001},
        )
    )
    for contractor in ("slowco", "slowerco"):
        limiter.take(contractor_client(contractor), now=0.0)
    with pytest.raises(TooManyRequests) as refused:
        limiter.take(staff_client("newcomer"), now=0.0)
    assert refused.value.headers["Retry-After"] == "2"
