"""Diversity profiles are kept apart and read only as aggregates, small groups
suppressed."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from hypothesis import given
from hypothesis import strategies as st

from engagement.diversity.rules import suppress_small_groups
from tests.harness.tokens import STAFF_SCOPES

ClientWithScopes = Callable[[frozenset[str]], httpx.AsyncClient]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 50)), st.integers(1, 20))
def test_no_group_under_the_minimum_is_shown(counts: dict[str, int], minimum: int) -> None:
    groups = suppress_small_groups(counts, minimum)
    for group in groups:
        if group.suppressed:
            assert group.count is None
            assert counts[group.value] < minimum
        else:
            assert group.count == counts[group.value] >= minimum
    assert {g.value for g in groups} == {v for v, c in counts.items() if c > 0}


async def test_a_profile_is_read_only_as_an_aggregate_with_diversity_read(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes
) -> None:
    response = await engagement.post(
        "/v1/residents", json={"full_name": "R", "preferred_channel": "letter"}
    )
    resident_id = response.json()["id"]
    response = await engagement.put(
        f"/v1/residents/{resident_id}/diversity", json={"ethnicity": "a_rare_group"}
    )
    assert response.status_code == 204, response.text
    assert "a_rare_group" not in (await engagement.get(f"/v1/residents/{resident_id}")).text
    assert (
        await engagement.get("/v1/diversity", params={"strand": "ethnicity"})
    ).status_code == 403
    reader = engagement_as(STAFF_SCOPES | {"diversity:read"})
    aggregate = (await reader.get("/v1/diversity", params={"strand": "ethnicity"})).json()
    rare = next(g for g in aggregate["groups"] if g["value"] == "a_rare_group")
    assert rare == {"value": "a_rare_group", "count": None, "suppressed": True}


async def test_the_age_band_strand_counts_residents_with_no_band_as_not_stated(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes
) -> None:
    """Age band is read from residents (not profiles); one with no band is not_stated
    (this strand answered 500 before, found by Schemathesis)."""
    response = await engagement.post(
        "/v1/residents", json={"full_name": "R", "preferred_channel": "letter"}
    )
    assert response.status_code == 201, response.text
    reader = engagement_as(STAFF_SCOPES | {"diversity:read"})
    response = await reader.get("/v1/diversity", params={"strand": "age_band"})
    assert response.status_code == 200, response.text
    assert "not_stated" in {g["value"] for g in response.json()["groups"]}
