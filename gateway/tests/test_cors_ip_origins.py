"""A configured CORS origin whose host is an IP address must be written as a browser
writes it in `Origin`, or it matches no request: the silent failure the start-up check
of `cors_origins` (8cd06dc9, 40bae628) exists to refuse. Browsers serialise an IPv6
host compressed, in lower case, a mapped IPv4 address in hex (WHATWG URL standard), and
an IPv4 host dotted without leading zeros; front-ends on `http://[::1]:3000` and
`http://127.0.0.1:3000` are taken."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    "origin",
    [
        "http://[0:0:0:0:0:0:0:1]:3000",  # a browser sends http://[::1]:3000
        "http://[0::1]:3000",
        "http://[::ffff:127.0.0.1]:3000",  # sent as http://[::ffff:7f00:1]:3000
        "http://[1::1:1:1:1:1:1]",  # one zero piece is written 0, not ::
        "http://[1::1:0:0:0:1]",  # the longest run of zeros is the one written ::
        "http://[:]:3000",  # no address at all
        "http://127.000.000.001:3000",  # sent as http://127.0.0.1:3000
        "http://127.1:3000",
        "http://10.0.0.1.:3000",
        "http://intranet.0x7f:3000",  # ends in a number but is no IPv4 address: no browser opens it
    ],
)
def test_an_ip_origin_written_otherwise_than_a_browser_writes_it_is_refused(origin: str) -> None:
    with pytest.raises(ValidationError, match="cors_origins"):
        GatewaySettings(environment="development", cors_origins=[origin])


@pytest.mark.parametrize(
    "origin",
    [
        "http://[::1]:3000",
        "http://[::1]",
        "https://[2001:db8::1]:8443",
        "http://[::ffff:7f00:1]:3000",
        "http://[1:0:1:1:1:1:1:1]",
        "http://[1:0:0:1::1]",
        "http://127.0.0.1:3000",
        "http://localhost:3000",
        "http://build.0xfeed-ui:3000",  # a last label that is no number: a name
        "http://a1.example:3000",
        "https://contact.hearth.example",
    ],
)
def test_an_origin_a_browser_sends_with_an_ip_host_is_taken(origin: str) -> None:
    settings = GatewaySettings(environment="development", cors_origins=[origin])
    assert settings.cors_origins == [origin]
