"""Whose allowance a request spends: a contractor's client and a member of staff with
the same `sub` have a bucket each, and callers that fail authentication are limited by
the connection's address before their tokens are checked (gateway.rate_limits)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, bearer

from gateway.auth import Principal, issue_development_token
from gateway.rate_limits import RateLimiter, address_client, contractor_client, staff_client
from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests

DEVELOPMENT = GatewaySettings(environment="development", jwt_algorithm="HS256")


def _bearer(role: str, subject: str, contractor_id: str | None = None) -> dict[str, str]:
    token = issue_development_token(
        role, subject, contractor_id=contractor_id, ttl=timedelta(minutes=5), settings=DEVELOPMENT
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_contractor_cannot_spend_the_allowance_of_staff_with_the_same_subject(
    open_gateway: OpenGateway,
) -> None:
    contractor = _bearer("contractor", "shared-sub", contractor_id="gasco")
    staff = _bearer("staff", "shared-sub")
    async with open_gateway(rate_limit_per_second=0.2, rate_limit_burst=3) as gateway:
        spent = [
            await gateway.get("/v1/contractor/gas-safety-records", headers=contractor)
            for _ in range(4)
        ]
        answer = await gateway.get(f"/v1/compliance/homes/{KNOWN_UPRN}", headers=staff)
    assert spent[-1].status_code == 429
    assert answer.status_code == 200


def test_each_contractor_and_staff_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(
        GatewaySettings(environment="development", rate_limit_per_second=1, rate_limit_burst=1)
    )
    limiter.take(contractor_client("gasco"), now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.take(contractor_client("gasco"), now=0.0)
    limiter.take(contractor_client("sparks"), now=0.0)
    limiter.take(staff_client("s"), now=0.0)


def _limiter(overrides: dict[str, float]) -> RateLimiter:
    return RateLimiter(
        GatewaySettings(
            environment="development",
            rate_limit_per_second=1,
            rate_limit_burst=1,
            rate_limit_overrides=overrides,
        )
    )


def _spends_at_ten_a_second(limiter: RateLimiter, client: tuple[str, ...]) -> bool:
    """Two requests a tenth of a second apart: only a rate of 10 a second (or more)
    refills the burst of 1 in time."""
    limiter.take(client, now=0.0)
    try:
        limiter.take(client, now=0.1)
    except TooManyRequests:
        return False
    return True


def test_a_contractors_override_is_not_a_staff_members_with_the_same_subject() -> None:
    """docs/adr/0214: subjects are not unique between staff and contractors' clients,
    so an override names the kind: a contractor's rate is its clients', whatever their
    `sub` (all together, ADR 0229), and never a member of staff's with the same `sub`."""
    limiter = _limiter({"contractor:gasco": 10})
    assert _spends_at_ten_a_second(limiter, _contractors_client("gasco", "gasco-client"))
    assert not _spends_at_ten_a_second(limiter, staff_client("gasco-client"))
    assert not _spends_at_ten_a_second(limiter, staff_client("gasco"))
    assert not _spends_at_ten_a_second(limiter, _contractors_client("sparks", "gasco-client"))


def test_a_staff_members_override_is_not_a_contractors_client_with_the_same_subject() -> None:
    limiter = _limiter({"staff:shared-sub": 10})
    assert _spends_at_ten_a_second(limiter, staff_client("shared-sub"))
    assert not _spends_at_ten_a_second(limiter, _contractors_client("gasco", "shared-sub"))


@pytest.mark.parametrize("key", ["gasco-client", "urn:idp:gasco-client", "staff:", "contractor:"])
def test_an_override_by_a_bare_subject_stops_the_gateway_starting(key: str) -> None:
    """The old form (a subject alone) named staff and contractors' clients alike: the
    gateway refuses it rather than guess whose rate it meant, naming the forms to use."""
    with pytest.raises(ValueError, match="rate_limit_overrides") as refused:
        GatewaySettings(environment="development", rate_limit_overrides={key: 10})
    assert '"staff:' in str(refused.value)
    assert '"contractor:<contractor_id>"' in str(refused.value)


async def test_a_contractors_override_leaves_staff_with_the_same_subject_at_the_limit(
    open_gateway: OpenGateway,
) -> None:
    """Through the gateway: gasco's clients get their own rate; a member of staff whose
    `sub` is the same as gasco's client's is held to the configured one."""
    contractor = _bearer("contractor", "shared-sub", contractor_id="gasco")
    staff = _bearer("staff", "shared-sub")
    async with open_gateway(
        rate_limit_per_second=0.2,
        rate_limit_burst=2,
        rate_limit_overrides={"contractor:gasco": 1000},
    ) as gateway:
        staff_answers = [
            await gateway.get(f"/v1/compliance/homes/{KNOWN_UPRN}", headers=staff) for _ in range(3)
        ]
        contractor_answers = [
            await gateway.get("/v1/contractor/gas-safety-records", headers=contractor)
            for _ in range(3)
        ]
    assert [a.status_code for a in staff_answers] == [200, 200, 429]
    assert 429 not in [a.status_code for a in contractor_answers]


def test_checking_an_address_spends_nothing() -> None:
    limiter = RateLimiter(
        GatewaySettings(environment="development", rate_limit_per_second=1, rate_limit_burst=1)
    )
    address = address_client("192.0.2.7")
    limiter.check(address, now=0.0)
    limiter.check(address, now=0.0)
    limiter.take(address, now=0.0)
    with pytest.raises(TooManyRequests) as refused:
        limiter.check(address, now=0.0)
    assert refused.value.headers["Retry-After"] == "1"
    limiter.check(address, now=1.0)


async def test_junk_tokens_from_one_address_are_refused_with_429_before_being_checked(
    open_gateway: OpenGateway,
) -> None:
    junk = {"Authorization": "Bearer junk"}
    async with open_gateway(rate_limit_per_second=0.2, rate_limit_burst=3) as gateway:
        answers = [await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=junk) for _ in range(6)]
        no_token = await gateway.get(f"/v1/homes/{KNOWN_UPRN}")
    codes = [a.status_code for a in answers]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert no_token.status_code == 429


async def test_valid_tokens_spend_nothing_of_their_address_and_are_not_held_back_once_known(
    open_gateway: OpenGateway,
) -> None:
    staff = bearer("admin")
    async with open_gateway(rate_limit_per_second=0.2, rate_limit_burst=3) as gateway:
        first = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
        known = [
            await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=bearer("staff")) for _ in range(2)
        ]
        junk = [
            await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers={"Authorization": "Bearer x"})
            for _ in range(4)
        ]
        again = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert first.status_code == 200
    assert [a.status_code for a in known] == [200, 200]
    # Three valid requests spent none of the address's three: the junk gets three 401s.
    assert [a.status_code for a in junk] == [401, 401, 401, 429]
    # The admin token was verified before, so the spent address does not hold it back.
    assert again.status_code == 200


def _contractors_client(contractor_id: str, subject: str) -> tuple[str, ...]:
    """The bucket a contractor's token with client id `subject` spends."""
    return Principal(
        subject, frozenset({"contractor"}), ("contractor",), contractor_id
    ).rate_limit_client


def test_a_contractors_client_ids_share_one_allowance_and_contractors_do_not() -> None:
    """docs/adr/0229: a contractor's rate is a total across its client ids. Keyed by
    client id, a contractor whose system used three ids made three times its rate."""
    limiter = _limiter({"contractor:gasco": 10})
    limiter.take(_contractors_client("gasco", "gasco-sync"), now=0.0)
    with pytest.raises(TooManyRequests):  # gasco's one request of the tenth is spent
        limiter.take(_contractors_client("gasco", "gasco-app"), now=0.05)
    limiter.take(_contractors_client("gasco", "gasco-app"), now=0.1)
    limiter.take(_contractors_client("sparks", "gasco-app"), now=0.1)  # another contractor
    with pytest.raises(TooManyRequests):  # at the configured rate, 1 a second, in total
        limiter.take(_contractors_client("sparks", "sparks-app"), now=0.5)


async def test_two_client_ids_of_one_contractor_share_its_allowance_through_the_gateway(
    open_gateway: OpenGateway,
) -> None:
    """The configured rate is the contractor's too: two of gasco's client ids spend one
    burst of 3 between them; sparks has its own."""
    sync = _bearer("contractor", "gasco-sync", contractor_id="gasco")
    app = _bearer("contractor", "gasco-app", contractor_id="gasco")
    sparks = _bearer("contractor", "gasco-app", contractor_id="sparks")
    path = "/v1/contractor/work-orders"
    async with open_gateway(rate_limit_per_second=0.01, rate_limit_burst=3) as gateway:
        gasco_answers = [await gateway.get(path, headers=h) for h in (sync, app, sync, app)]
        sparks_answer = await gateway.get(path, headers=sparks)
    # (what the stand-in repairs answers does not matter here; only the 429)
    assert [a.status_code == 429 for a in gasco_answers] == [False, False, False, True]
    assert sparks_answer.status_code != 429
