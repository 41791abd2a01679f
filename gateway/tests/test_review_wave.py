"""Review of the gateway's wave of edge fixes (f51a0a65 .. 729dc4e8): what they left.

The TSM report's Accept weights must be RFC 9110's (0 to 1, three decimals at most), a
configured CORS origin must be one a browser can send and every such origin taken, and
the answers the middleware stack makes itself (413, 429) keep the request id and CORS."""

from __future__ import annotations

import httpx
import pytest
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, bearer, bearer_with_scopes
from pydantic import ValidationError

from gateway.reports.endpoints import wants_csv
from gateway.settings import GatewaySettings

ORIGIN = "https://contact.hearth.example"


@pytest.mark.parametrize(
    "accept",
    [
        "application/json, text/csv;q=2",
        "application/json, text/csv;q=inf",
        "application/json, text/csv;q=1.5",
        "text/csv;q=5e-1, application/json;q=0.5",
    ],
)
def test_a_weight_rfc_9110_does_not_allow_does_not_win_csv(accept: str) -> None:
    """A q is 0 to 1 with at most three decimals (RFC 9110 12.4.2); one that is not
    counts as 0, as the rule says. float() took 2, inf and 5e-1, so an out-of-range
    weight on text/csv outbid JSON's 1 (or tied JSON's 0.5 and won by order)."""
    assert wants_csv(accept) is False


def test_an_invalid_weight_on_json_counts_as_0_so_csv_is_chosen() -> None:
    """'nan' parsed as a float: JSON's q was NaN, which no comparison beats, so CSV (q 1)
    lost to a JSON the header gave no valid weight."""
    assert wants_csv("application/json;q=nan, text/csv") is True


@pytest.mark.parametrize("accept", ["text/csv;q=1.000", "text/csv;q=0.001", "text/csv;Q=1."])
def test_weights_rfc_9110_allows_are_read(accept: str) -> None:
    assert wants_csv(accept + ", application/json;q=0") is True


@pytest.mark.parametrize(
    "origin",
    [
        "https://contact.hearth.example:443",  # a browser leaves out the default port
        "http://localhost:80",
        "http://localhost:65536",  # no such port
        "http://localhost:0",
        "http://localhost:08080",  # a browser sends 8080
    ],
)
def test_a_cors_origin_with_a_port_no_browser_sends_is_refused(origin: str) -> None:
    """The browser's Origin has no default port (RFC 6454 6.1) and no port out of range
    or with leading zeros: configured so, the front-end matched no request, the silent
    failure 8cd06dc9 meant to refuse at start."""
    with pytest.raises(ValidationError, match="cors_origins"):
        GatewaySettings(environment="development", cors_origins=[origin])


@pytest.mark.parametrize(
    "origin",
    ["http://contact_ui:5173", "https://xn--bcher-kva.example", "http://localhost:65535"],
)
def test_an_origin_a_browser_sends_is_taken(origin: str) -> None:
    """Browsers send a host with an underscore as it is (a compose service name such as
    contact_ui); refusing it stopped a gateway whose front-end would have worked."""
    settings = GatewaySettings(environment="development", cors_origins=[origin])
    assert settings.cors_origins == [origin]


async def test_a_413_keeps_its_request_id_and_cors(open_gateway: OpenGateway) -> None:
    async with open_gateway(cors_origins=[ORIGIN], max_request_body_bytes=1000) as gateway:
        response = await gateway.post(
            "/v1/homes",
            content=b"{" + b" " * 2000 + b"}",
            headers={**bearer("admin"), "Origin": ORIGIN, "X-Request-ID": "fe:413"},
        )
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "fe:413"
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_a_429_keeps_its_request_id_cors_and_readable_retry_after(
    open_gateway: OpenGateway,
) -> None:
    async with open_gateway(
        cors_origins=[ORIGIN], rate_limit_per_second=0.5, rate_limit_burst=1
    ) as gateway:
        headers = {**bearer_with_scopes("homes:read", subject="busy"), "Origin": ORIGIN}
        answers = [await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=headers) for _ in range(2)]
    refused = answers[1]
    assert refused.status_code == 429
    assert refused.headers["x-request-id"]
    assert refused.headers["access-control-allow-origin"] == ORIGIN
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


async def test_a_preflight_asking_for_a_header_off_the_list_is_refused(
    open_gateway: OpenGateway,
) -> None:
    async with open_gateway(cors_origins=[ORIGIN]) as gateway:
        preflight = await gateway.options(
            "/v1/homes",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, x-internal-token",
            },
        )
    assert preflight.status_code == 400
    assert (
        "x-internal-token" not in preflight.headers.get("access-control-allow-headers", "").lower()
    )


async def test_a_wildcard_origin_never_allows_credentials(open_gateway: OpenGateway) -> None:
    async with open_gateway(cors_origins=["*"]) as gateway:
        response: httpx.Response = await gateway.get(
            "/healthz", headers={"Origin": "https://anywhere.example", "Cookie": "s=1"}
        )
    assert "access-control-allow-credentials" not in response.headers
