"""Rate limits per client: a token bucket per client, in this process.

A client is who the verified token says is calling: a member of staff's front-end
session (`("staff", sub)`) or a contractor (`("contractor", contractor_id)`, whichever of
its client ids, the token's `sub`, is calling: one allowance for the whole contractor, not
one per client id, docs/adr/0229). The identity provider's subjects are not unique across
the two (a contractor's client and a member of staff may share a `sub`), so the kind is
part of the key: a contractor cannot spend a member of staff's allowance, nor one
contractor another's. The bucket is spent after the token is verified, so an
unauthenticated caller cannot spend another client's allowance.

A caller not yet authenticated (no token, a refused token, or a token the gateway has not
verified before) is limited by the address of the connection (`("address", ...)`) before
its token is checked, so a flood of junk or forged tokens is refused with 429 without the
gateway checking each one's signature (or fetching the JWKS for it). A request whose
token is being verified counts as spent until it is answered (`verifying`), so junk
sent all at once is held to the allowance too, not only junk sent one after another.
Only requests that fail authentication spend the address's allowance; a valid token
never does (nor does it make the address a bucket), so many people behind one address
are not limited together while they sign in. The address is `request.client.host`:
the TCP peer's, or,
from a peer uvicorn trusts (`FORWARDED_ALLOW_IPS`, only the ingress controller:
docs/runbooks/deploy.md), the address that proxy put in `X-Forwarded-For`. The proxy
must overwrite that header (any caller can write one) and `FORWARDED_ALLOW_IPS` must
never be `*`, or a caller picks its own bucket (tests/ops/test_forwarded_headers.py).
Where no proxy is trusted, every caller behind the proxy shares its address, so junk from
one of them can hold back the first request of a new token from the others until the
bucket refills (at `rate_limit_per_second`); tokens already verified are never held back.

An IPv6 caller is limited by its /64, not its whole address: an ISP gives every line at
least a /64 and the caller picks the other 64 bits, so keyed by address one home had
2^64 buckets, unlimited junk tokens (docs/adr/0215). A line's failures spend its /56's
and its /48's allowances as well, 16 and 256 times a line's, so a customer given a /56 or
a /48 (256 or 65,536 lines) does not have an allowance for each line (docs/adr/0230).
An IPv4 address is its own bucket, and an IPv4-mapped IPv6 one (`::ffff:192.0.2.7`, a
dual-stack socket's IPv4 peer) is the IPv4 address's.

The buckets are bounded: `MAX_ADDRESSES` addresses and, apart, `MAX_CLIENTS` verified
clients, so addresses (which anyone can make more of) cannot crowd out the clients that
valid tokens vouch for. A full table forgets only buckets that have refilled, each at
its own client's rate: forgetting one is then the same as keeping it. It looks at a
few, the least recently used first, never the whole table (a pass over it per new
address was a CPU cost anyone with addresses could drive). When none of those has
refilled, a new bucket is refused (429, `Retry-After` until the first of them would
refill) rather than handing any throttled client a fresh burst; the table was cleared
before, so filling it was a way round everyone's limit. A new address with a valid token is not
refused: checking an address that has no bucket spends nothing and makes none.

Each client may make `rate_limit_per_second` requests a second on average and
`rate_limit_burst` at once; `rate_limit_overrides` (JSON object key -> requests a second)
gives some clients their own rate, keyed as the buckets are, by kind: `staff:<sub>` is
the member of staff whose token's subject is `<sub>`, `contractor:<contractor_id>` that
contractor, all its client ids together. A bare subject, the old form, would name a
member of staff and a contractor's client alike (subjects are not unique between them:
an override meant for a contractor applied to a member of staff with the same `sub`), so
the gateway refuses to start on one, naming the two keys it could mean (docs/adr/0214).
Over the rate, a 429 problem with `Retry-After` (whole seconds until a request would be
let through).

With several gateway replicas each keeps its own buckets: the effective limit is the
replica count times the configured one, which the configuration accounts for.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import TypeGuard

from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests

MAX_CLIENTS = 100_000
"""Verified clients' buckets kept at most; only refilled (idle) ones are forgotten."""

MAX_ADDRESSES = 100_000
"""Connection addresses' buckets kept at most, apart from the verified clients' (anyone
can make addresses; only the identity provider makes clients)."""

_LOOK_AT_MOST = 32
"""Buckets a full table looks at, at most, to make room for a new one (lossless: only
refilled ones are forgotten); a newcomer refused for want of room tries again later."""

_IPV6_PREFIX = 64
"""The bits of an IPv6 address that are its line's: the least an ISP gives one."""

_IPV6_SHARES = {_IPV6_PREFIX: 1, 56: 16, 48: 256}
"""How many of a line's allowances each IPv6 prefix holds in all (docs/adr/0230): a line's
failures spend its /64's, its /56's and its /48's. A customer given a /56 (256 lines) or
a /48 (65,536) had an allowance for each line; now 16 and 256. Each prefix holds more
than any one prefix inside it can spend (a line can spend 1 of its /56's 16, a /56 16 of
its /48's 256), so one line cannot hold back its neighbours, nor one /56 the rest of its
/48."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


def staff_client(subject: str) -> tuple[str, str]:
    """The bucket of a member of staff's token."""
    return ("staff", subject)


def contractor_client(contractor_id: str) -> tuple[str, str]:
    """The bucket of a contractor's token: the contractor's own, whichever of its client
    ids the token names (a rate per client id multiplied by the ids it has: ADR 0229),
    apart from staff's."""
    return ("contractor", contractor_id)


def address_client(host: str | None) -> tuple[str, str] | tuple[str, str, int]:
    """The bucket of callers not yet authenticated from one connection address: an IPv4
    address's own, an IPv6 address's /64 (its caller chooses the rest; its /56's and
    /48's are spent with it, _address_levels), an IPv4-mapped IPv6 address's IPv4
    address. A host that is not an address (a test client's name) is its own bucket."""
    if not host:
        return ("address", "unknown")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ("address", host)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return ("address", str(address.ipv4_mapped))
        # The integer drops any zone (fe80::1%eth0) with the host bits.
        return _ipv6_prefix(int(address), _IPV6_PREFIX)
    return ("address", str(address))


def _ipv6_prefix(address: int, bits: int) -> tuple[str, str, int]:
    """The bucket of the IPv6 prefix of `bits` holding `address`."""
    prefix = address >> (128 - bits) << (128 - bits)
    return ("address", str(ipaddress.IPv6Address(prefix)), bits)


def _address_levels(client: Hashable) -> tuple[Hashable, ...]:
    """The buckets a request of `client` spends: its own and, for an IPv6 line, its
    /56's and /48's as well (_IPV6_SHARES)."""
    if _is_address(client) and len(client) == 3 and client[2] == _IPV6_PREFIX:
        line = int(ipaddress.IPv6Address(str(client[1])))
        return (client, *(_ipv6_prefix(line, bits) for bits in _IPV6_SHARES if bits != client[2]))
    return (client,)


def _share(client: Hashable) -> int:
    """How many of a client's allowances `client`'s bucket holds: an IPv6 prefix's
    wider than a line's hold several (_IPV6_SHARES), every other one."""
    if _is_address(client) and len(client) == 3 and isinstance(bits := client[2], int):
        return _IPV6_SHARES[bits]
    return 1


def _is_address(client: Hashable) -> TypeGuard[tuple[Hashable, ...]]:
    return isinstance(client, tuple) and bool(client) and client[0] == "address"


def override_key(client: Hashable) -> str | None:
    """The `rate_limit_overrides` key that gives `client` its own rate: `staff:<sub>` for
    a member of staff, `contractor:<contractor_id>` for a contractor (all its client ids
    together); None for a connection address (never overridden)."""
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
        self._clients: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._addresses: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._in_flight: dict[Hashable, int] = {}
        """Requests being verified, by address (`verifying`): at most one entry for each
        request in flight."""
        """Least recently used first: the buckets likeliest to have refilled are looked
        at first when a table is full (an OrderedDict, as a dict's first key is found
        by stepping over every one deleted before it)."""

    def take(self, client: Hashable, now: float | None = None) -> None:
        """Spend one request of `client`'s allowance; TooManyRequests when none is left
        (or when the table is full of clients that have not refilled and `client` has no
        bucket). The client's kind and subject or contractor pick its rate from
        `rate_limit_overrides` (override_key)."""
        now = time.monotonic() if now is None else now
        buckets: list[tuple[_Bucket, float, Hashable]] = []
        for level in _address_levels(client):  # an IPv6 line's /56 and /48 too
            rate = self._rate_of(level)
            bucket = self._refilled(level, rate, now)
            bucket = self._new_bucket(level, now) if bucket is None else bucket
            buckets.append((bucket, rate, level))
        short = [
            (bucket.tokens, rate, level) for bucket, rate, level in buckets if bucket.tokens < 1
        ]
        if short:  # refused: none of them spent
            raise self._refusal(short)
        for bucket, _, _ in buckets:
            bucket.tokens -= 1

    def check(self, client: Hashable, now: float | None = None) -> None:
        """TooManyRequests when `client` has no allowance left, spending none: the
        address check before a token is verified (only a failure spends it). A client
        with no bucket has its whole burst, so none is made for it: a valid token from a
        new address leaves no bucket behind, and is not refused when the table is full.
        Requests of the client's being verified (`verifying`) count as spent."""
        now = time.monotonic() if now is None else now
        short: list[tuple[float, float, Hashable]] = []
        for level in _address_levels(client):
            rate = self._rate_of(level)
            bucket = self._refilled(level, rate, now)
            full = self.burst * _share(level)
            left = (full if bucket is None else bucket.tokens) - self._in_flight.get(level, 0)
            if left < 1:
                short.append((left, rate, level))
        if short:
            raise self._refusal(short)

    @contextlib.contextmanager
    def verifying(self, client: Hashable, now: float | None = None) -> Iterator[None]:
        """`check`, then count a request of `client`'s as in flight until the block ends
        (its token verified, or refused and `take`n): the next check counts it as spent.
        Checking alone let any number of junk tokens sent at once from one address
        through while the first were still being verified (a JWKS key is looked up in a
        thread, so they all wait together), each then checked and its key fetched for
        it, the very work the address check is there to spare (docs/adr/0215). Kept
        only while requests are in flight, so it makes no bucket and needs no room."""
        self.check(client, now)
        levels = _address_levels(client)
        for level in levels:
            self._in_flight[level] = self._in_flight.get(level, 0) + 1
        try:
            yield
        finally:
            for level in levels:
                if (left := self._in_flight[level] - 1) > 0:
                    self._in_flight[level] = left
                else:
                    del self._in_flight[level]

    def _table(self, client: Hashable) -> tuple[str, OrderedDict[Hashable, _Bucket], int]:
        """The client's table of buckets: addresses' or verified clients', and its most."""
        if _is_address(client):
            return "addresses", self._addresses, MAX_ADDRESSES
        return "clients", self._clients, MAX_CLIENTS

    def _refilled(self, client: Hashable, rate: float, now: float) -> _Bucket | None:
        """The client's bucket, refilled up to `now`; None when it has none."""
        _, table, _ = self._table(client)
        bucket = table.get(client)
        if bucket is not None:
            full = self.burst * _share(client)
            bucket.tokens = min(full, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            table.move_to_end(client)
        return bucket

    def _new_bucket(self, client: Hashable, now: float) -> _Bucket:
        """A full bucket for `client`, room made by forgetting refilled ones; when none
        has refilled, TooManyRequests until the first would have (docs/adr/0215)."""
        _, table, most = self._table(client)
        if len(table) >= most:
            earliest = self._forget_refilled(table, most, now)
            if len(table) >= most:
                # Only a few were looked at: clients held to a low override there say
                # nothing of the rest, so no longer than a bucket takes at the
                # configured rate (a newcomer told to wait days would not come back).
                wait = max(1, math.ceil(min(earliest - now, self.burst / self.rate)))
                raise TooManyRequests(
                    f"The gateway is limiting more clients than it can keep; retry after {wait} s",
                    headers={"Retry-After": str(wait)},
                )
        bucket = table[client] = _Bucket(self.burst * _share(client), now)
        return bucket

    def _rate_of(self, client: Hashable) -> float:
        """The client's requests a second: its override's (override_key), else the
        configured rate; an IPv6 prefix's, its lines' allowances together (_share)."""
        key = override_key(client)
        rate = self.overrides.get(key, self.rate) if key is not None else self.rate
        return rate * _share(client)

    @staticmethod
    def _refusal(short: list[tuple[float, float, Hashable]]) -> TooManyRequests:
        """429 for buckets with less than a request left, (tokens, rate, client) each:
        Retry-After until the last of them has one (the others would refuse it till
        then). Never naming the address: it is personal data."""
        wait, rate, share = max(
            (max(1, math.ceil((1 - tokens) / rate)), rate, _share(level))
            for tokens, rate, level in short
        )
        who = "This client" if share == 1 else "Callers from this client's network together"
        return TooManyRequests(
            f"{who} made more than {rate:g} requests a second; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def _forget_refilled(
        self, table: OrderedDict[Hashable, _Bucket], most: int, now: float
    ) -> float:
        """Forget buckets that have refilled, each at its own client's rate (at the
        configured rate a client held to a lower override looked full long before it
        was, and forgotten came back with a whole burst), looking at no more than
        `_LOOK_AT_MOST` of them: the least recently used first, each one that has not
        refilled moved to the back. A refilled bucket forgotten is the same as one kept;
        any other would hand its client a fresh burst, so none other is forgotten, and
        the table is never cleared. The earliest time one of those looked at will have
        refilled (the newcomer's Retry-After when no room was made).

        Bounded, not a scan of the table: looking through every bucket when the table
        was full and one had just refilled cost each new address that arrived as the
        buckets refilled one by one a pass over `MAX_ADDRESSES` of them, a CPU cost
        an attacker could drive (docs/adr/0215)."""
        earliest = math.inf
        for _ in range(min(_LOOK_AT_MOST, len(table))):
            client = next(iter(table))
            bucket = table[client]
            full = self.burst * _share(client)
            full_at = bucket.at + (full - bucket.tokens) / self._rate_of(client)
            if full_at <= now:
                del table[client]
            elif len(table) < most:
                break
            else:
                table.move_to_end(client)
                earliest = min(earliest, full_at)
        return earliest
