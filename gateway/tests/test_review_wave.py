"""Review of the gateway's wave of edge fixes (f51a0a65 .. 729dc4e8): what they left.

The TSM report's Accept weights must be RFC 9110's (0 to 1, three decimals at most)."""

from __future__ import annotations

import pytest

from gateway.reports.endpoints import wants_csv


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
