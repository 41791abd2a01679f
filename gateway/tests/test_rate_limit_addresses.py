"""Callers not yet authenticated are limited by address (gateway.rate_limits,
docs/adr/0215): an IPv6 caller by its /64, which is its line's (the caller picks the
other 64 bits, so by whole address one home had 2^64 allowances of junk tokens), an
IPv4-mapped IPv6 address as its IPv4 one. And a full table of buckets is never cleared:
it forgets only refilled buckets, else refuses the newcomer, so filling it is no way
round a throttled client's limit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gateway_stand_ins import KNOWN_UPRN, StandIns, bearer, gateway_settings

from gateway import rate_limits
from gateway.app import create_app
from gateway.rate_limits import RateLimiter, address_client, staff_client
from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests


def _limiter(rate: float = 1, burst: int = 1) -> RateLimiter:
    return RateLimiter(
        GatewaySettings(
            environment="development", rate_limit_per_second=rate, rate_limit_burst=burst
        )
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"),
        ("2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:7"),
        ("fe80::1%eth0", "fe80::2"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
    ],
)
def test_addresses_of_one_line_are_one_bucket(one: str, other: str) -> None:
    assert address_client(one) == address_client(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:3::1"),  # the next /64: another line
        ("192.0.2.7", "192.0.2.8"),  # IPv4: each address its own
        ("::ffff:192.0.2.7", "::ffff:192.0.2.8"),
    ],
)
def test_addresses_of_different_lines_are_buckets_of_their_own(one: str, other: str) -> None:
    assert address_client(one) != address_client(other)


def test_junk_from_every_address_of_a_64_spends_one_allowance() -> None:
    limiter = _limiter(burst=2)
    limiter.take(address_client("2001:db8:1:2::1"), now=0.0)
    limiter.take(address_client("2001:db8:1:2::2"), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.check(address_client("2001:db8:1:2:abcd::3"), now=0.0)
    limiter.check(address_client("2001:db8:1:3::1"), now=0.0)


def test_a_full_table_does_not_give_a_throttled_address_a_fresh_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, a full table with no idle bucket was cleared: new addresses filling it
    handed every throttled client its whole burst again."""
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 3)
    limiter = _limiter(rate=0.1, burst=1)  # refills in 10 s
    throttled = address_client("192.0.2.1")
    limiter.take(throttled, now=0.0)
    limiter.take(address_client("192.0.2.2"), now=0.0)
    limiter.take(address_client("192.0.2.3"), now=1.0)  # the table is full
    with pytest.raises(TooManyRequests) as refused:
        limiter.take(address_client("192.0.2.4"), now=2.0)  # no room, none refilled
    assert refused.value.headers["Retry-After"] == "8"  # 192.0.2.1's refills at 10 s
    with pytest.raises(TooManyRequests):
        limiter.check(throttled, now=2.0)
    # Once a bucket has refilled it is forgotten (the same as kept) to make room.
    limiter.take(address_client("192.0.2.4"), now=10.0)
    limiter.take(throttled, now=10.0)  # refilled at its rate, not handed a burst


def test_a_full_table_of_verified_clients_is_not_cleared_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rate_limits, "MAX_CLIENTS", 2)
    limiter = _limiter(rate=0.1, burst=1)
    limiter.take(staff_client("throttled"), now=0.0)
    limiter.take(staff_client("b"), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(staff_client("c"), now=1.0)
    with pytest.raises(TooManyRequests):
        limiter.take(staff_client("throttled"), now=1.0)


def test_a_new_address_is_checked_without_a_bucket_so_a_full_table_lets_valid_tokens_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A valid token's first request is only checked against its address: with the
    table full, that check neither needs room nor is refused."""
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 1)
    limiter = _limiter(rate=0.1, burst=1)
    limiter.take(address_client("192.0.2.1"), now=0.0)
    limiter.check(address_client("192.0.2.2"), now=0.0)
    limiter.check(address_client("192.0.2.2"), now=0.0)
    with pytest.raises(TooManyRequests):  # its first failure has no room
        limiter.take(address_client("192.0.2.2"), now=0.0)


def test_addresses_do_not_crowd_out_verified_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone can make addresses; only the identity provider makes clients."""
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 2)
    monkeypatch.setattr(rate_limits, "MAX_CLIENTS", 2)
    limiter = _limiter(rate=0.1, burst=1)
    limiter.take(address_client("192.0.2.1"), now=0.0)
    limiter.take(address_client("192.0.2.2"), now=0.0)
    limiter.take(staff_client("a"), now=0.0)
    limiter.take(staff_client("b"), now=0.0)


@contextlib.asynccontextmanager
async def _gateway_seen_from(
    stand_ins: StandIns, hosts: list[str], **overrides: Any
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One gateway, a client for each of `hosts` as the connection's address (what
    uvicorn gives as `request.client.host`, the TCP peer's or a trusted proxy's
    X-Forwarded-For)."""
    app = create_app(gateway_settings(stand_ins, **overrides))
    async with LifespanManager(app) as manager, contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(manager.app, client=(host, 50000)),
                    base_url="http://gateway",
                )
            )
            for host in hosts
        ]


async def test_junk_tokens_from_a_64_are_refused_whatever_addresses_they_come_from(
    stand_ins: StandIns,
) -> None:
    same_line = [f"2001:db8:1:2::{n:x}" for n in range(1, 7)]
    junk = {"Authorization": "Bearer junk"}
    async with _gateway_seen_from(
        stand_ins,
        [*same_line, "2001:db8:1:3::1", "2001:db8:1:2::99"],
        rate_limit_per_second=0.2,
        rate_limit_burst=3,
    ) as clients:
        *from_the_line, next_line, new_token_on_the_line = clients
        answers = [
            await client.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk) for client in from_the_line
        ]
        elsewhere = await next_line.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk)
        valid = await new_token_on_the_line.get(f"/v1/homes/{KNOWN_UPRN}", headers=bearer("admin"))
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert elsewhere.status_code == 401  # another line has its own allowance
    # The line's allowance is spent: a token not verified before waits, as from one address.
    assert valid.status_code == 429


async def test_through_the_gateway_new_addresses_do_not_free_a_throttled_one(
    stand_ins: StandIns, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 3)
    junk = {"Authorization": "Bearer junk"}
    hosts = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]
    async with _gateway_seen_from(
        stand_ins, hosts, rate_limit_per_second=0.001, rate_limit_burst=1
    ) as (throttled, *others):
        first = await throttled.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk)
        fillers = [await other.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk) for other in others]
        again = await throttled.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk)
    assert first.status_code == 401
    # two fill the table; the rest find no room and are refused, nothing is cleared
    assert [a.status_code for a in fillers] == [401, 401, 429, 429]
    assert again.status_code == 429


def test_a_full_table_makes_room_without_looking_through_every_bucket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """New addresses arriving as the buckets of a full table refill one by one: each
    used to look through the whole table (it was looked through again as soon as one
    bucket was forgotten), MAX_ADDRESSES buckets' work a request, a CPU cost anyone
    with addresses could drive. Each bucket looked at is rated once (_rate_of)."""
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 1000)
    limiter = _limiter(rate=1, burst=1)  # a spent bucket refills in 1 s
    for n in range(1000):  # full, the buckets refilling a millisecond apart
        limiter.take(address_client(f"10.0.{n // 256}.{n % 256}"), now=n / 1000)
    looked_at = 0
    rate_of = RateLimiter._rate_of

    def counted(self: RateLimiter, client: Any) -> float:
        nonlocal looked_at
        looked_at += 1
        return rate_of(self, client)

    monkeypatch.setattr(RateLimiter, "_rate_of", counted)
    for n in range(1000):  # each newcomer finds the next bucket just refilled
        limiter.take(address_client(f"10.1.{n // 256}.{n % 256}"), now=1.0005 + n / 1000)
    assert looked_at <= 1000 * 3  # its own rate and a bucket or two, not the table


def _line(in_48: int, in_56: int, prefix: str = "2001:db8:1") -> str:
    """An address of the `in_56`th /64 of the `in_48`th /56 of the /48 `prefix`::/48."""
    return f"{prefix}:{(in_48 << 8) | in_56:x}::1"


def test_the_lines_of_a_56_share_sixteen_allowances() -> None:
    """docs/adr/0230: a customer given a /56 (256 lines) had 256 allowances of junk
    tokens; its lines together now have 16 (each line still its own one)."""
    limiter = _limiter(rate=0.001, burst=1)
    for n in range(16):
        limiter.take(address_client(_line(0, n)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.check(address_client(_line(0, 16)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(address_client(_line(0, 17)), now=0.0)
    limiter.take(address_client(_line(1, 0)), now=0.0)  # the next /56


def test_the_lines_of_a_48_share_256_allowances() -> None:
    """A /48 (65,536 lines, 256 /56s) had 65,536 allowances; now 256 in all."""
    limiter = _limiter(rate=0.001, burst=1)
    for in_48 in range(16):
        for in_56 in range(16):
            limiter.take(address_client(_line(in_48, in_56)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(address_client(_line(16, 0)), now=0.0)  # its own /56 untouched
    limiter.take(address_client(_line(0, 0, prefix="2001:db8:2")), now=0.0)  # next /48


def test_one_line_cannot_spend_its_neighbours_allowance_nor_one_56_the_rest_of_its_48() -> None:
    """Each prefix holds more than any one prefix inside it can spend, so it takes
    several lines (or /56s) together to hold back a stranger sharing the prefix, as on a
    mobile network handing each phone a /64 of a shared prefix."""
    limiter = _limiter(rate=0.001, burst=2)
    for _ in range(2):
        limiter.take(address_client(_line(0, 0)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(address_client(_line(0, 0)), now=0.0)
    limiter.check(address_client(_line(0, 1)), now=0.0)  # its neighbour's is its own
    for in_56 in range(256):  # every line of the /56 tries: the /56 gives 32 in all
        with contextlib.suppress(TooManyRequests):
            limiter.take(address_client(_line(0, in_56)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.check(address_client(_line(0, 255)), now=0.0)
    limiter.check(address_client(_line(1, 0)), now=0.0)  # the rest of the /48 is not held


def test_a_refused_line_spends_nothing_of_its_56() -> None:
    """A failure refused (429) for its line's allowance spends none of the wider ones."""
    limiter = _limiter(rate=0.001, burst=1)
    for _ in range(40):
        with contextlib.suppress(TooManyRequests):
            limiter.take(address_client(_line(0, 0)), now=0.0)
    for n in range(1, 16):
        limiter.take(address_client(_line(0, n)), now=0.0)


def test_tokens_being_verified_count_against_the_56_too() -> None:
    limiter = _limiter(rate=0.001, burst=1)
    with contextlib.ExitStack() as verifying:
        for n in range(16):
            verifying.enter_context(limiter.verifying(address_client(_line(0, n)), now=0.0))
        with pytest.raises(TooManyRequests):
            limiter.check(address_client(_line(0, 16)), now=0.0)
    limiter.check(address_client(_line(0, 16)), now=0.0)  # answered: nothing in flight


def test_a_56s_and_a_48s_buckets_count_towards_the_table_of_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory stays bounded as before (MAX_ADDRESSES buckets in all): a line's first
    failure may need three buckets, its own, its /56's and its /48's."""
    monkeypatch.setattr(rate_limits, "MAX_ADDRESSES", 4)
    limiter = _limiter(rate=0.001, burst=1)
    limiter.take(address_client(_line(0, 0)), now=0.0)  # three buckets
    limiter.take(address_client(_line(0, 1)), now=0.0)  # one more: the table is full
    with pytest.raises(TooManyRequests):
        limiter.take(address_client(_line(0, 2)), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(address_client("192.0.2.1"), now=0.0)
    limiter.take(address_client(_line(0, 0)), now=2000.0)  # refilled: its own again


async def test_junk_tokens_from_many_lines_of_a_56_are_refused_after_its_allowance(
    stand_ins: StandIns,
) -> None:
    lines = [_line(0, n) for n in range(18)]
    junk = {"Authorization": "Bearer junk"}
    async with _gateway_seen_from(
        stand_ins, [*lines, _line(1, 0)], rate_limit_per_second=0.001, rate_limit_burst=1
    ) as clients:
        *of_the_56, next_56 = clients
        answers = [
            await client.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk) for client in of_the_56
        ]
        elsewhere = await next_56.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk)
    assert [a.status_code for a in answers] == [401] * 16 + [429, 429]
    assert elsewhere.status_code == 401
