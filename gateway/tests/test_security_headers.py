"""Every answer of the gateway is kept out of caches and read only as what it says it is
(gateway.security_headers): residents' details, vulnerabilities and rent accounts went
out with no Cache-Control, so a browser on a shared contact-centre desk (or a proxy
configured to cache) could keep them after the session, and with no
X-Content-Type-Options a browser could sniff an answer as another type."""

from __future__ import annotations

import httpx
from gateway_stand_ins import (
    KNOWN_UPRN,
    OpenGateway,
    StandIns,
    a_gateway_with_a_bug,
    bearer,
    gateway_settings,
)


def _kept_out_of_caches(answer: httpx.Response) -> None:
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_a_homes_overview_is_not_stored_by_caches(open_gateway: OpenGateway) -> None:
    async with open_gateway() as gateway:
        answer = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=bearer("admin"))
    assert answer.status_code == 200
    _kept_out_of_caches(answer)


async def test_a_service_answer_passed_through_is_not_stored_either(
    open_gateway: OpenGateway,
) -> None:
    async with open_gateway() as gateway:
        answer = await gateway.get(f"/v1/compliance/homes/{KNOWN_UPRN}", headers=bearer("admin"))
    assert answer.status_code == 200
    _kept_out_of_caches(answer)


async def test_the_gateways_own_refusals_carry_them_too(open_gateway: OpenGateway) -> None:
    async with open_gateway(rate_limit_per_second=0.001, rate_limit_burst=1) as gateway:
        refused = await gateway.get(f"/v1/homes/{KNOWN_UPRN}")
        limited = await gateway.get(f"/v1/homes/{KNOWN_UPRN}")
    assert (refused.status_code, limited.status_code) == (401, 429)
    _kept_out_of_caches(refused)
    _kept_out_of_caches(limited)


async def test_an_unhandled_errors_500_carries_them(stand_ins: StandIns) -> None:
    """The kit's 500 is answered from outside every middleware added with add_middleware
    (docs/adr/0212): the headers are put on from outside that too."""
    async with a_gateway_with_a_bug(gateway_settings(stand_ins)) as gateway:
        answer = await gateway.get("/v1/broken")
    assert answer.status_code == 500
    _kept_out_of_caches(answer)
