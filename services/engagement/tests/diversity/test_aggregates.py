"""Diversity profiles are kept apart and read only as aggregates, small groups
suppressed."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from engagement.diversity.rules import Group, suppress_small_groups, suppressed_values
from tests.harness.tokens import STAFF_SCOPES

ClientWithScopes = Callable[[frozenset[str]], httpx.AsyncClient]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 50)), st.integers(1, 20))
def test_no_group_under_the_minimum_is_shown_nor_can_be_worked_out(
    counts: dict[str, int], minimum: int
) -> None:
    groups = suppress_small_groups(counts, minimum)
    shown = {g.value: g.count for g in groups if not g.suppressed}
    assert all(count is not None and count >= minimum for count in shown.values())
    assert all(counts[str(value)] == count for value, count in shown.items())
    # The suppressed groups are one entry, with neither label nor count.
    suppressed = [g for g in groups if g.suppressed]
    assert len(suppressed) <= 1
    for entry in suppressed:
        assert (entry.value, entry.count) == (None, None)
    hidden = {v for v, c in counts.items() if c > 0} - set(shown)
    assert bool(hidden) == bool(suppressed)
    # The people left out (total minus the groups shown) are never fewer than the
    # minimum, unless they are everyone.
    left_out = sum(counts[v] for v in hidden)
    total = sum(counts.values())
    assert left_out == 0 or left_out >= minimum or not shown
    # ...and never one group alone beside groups shown (its label would follow).
    assert len(hidden) != 1 or not shown
    assert left_out <= total


@example(counts={"none": 10, "sikh": 1}, minimum=10)
@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 50)), st.integers(1, 20))
def test_a_group_shown_is_never_suppressed_needlessly(counts: dict[str, int], minimum: int) -> None:
    """Secondary suppression hides only while the rest could be worked out: a group of
    the minimum size or more is shown whenever no group is under the minimum."""
    groups = suppress_small_groups(counts, minimum)
    if all(c == 0 or c >= minimum for c in counts.values()):
        assert not any(g.suppressed for g in groups)


def test_eleven_respondents_ten_in_one_group_show_no_group() -> None:
    """The reviewer's case: showing the ten would show the eleventh by subtraction."""
    assert suppress_small_groups({"none": 10, "sikh": 1}, 10) == [Group(None, None, True)]
    assert suppressed_values({"none": 10, "sikh": 1, "muslim": 12}, 10) == {"sikh", "none"}
    assert suppressed_values({"none": 10, "sikh": 1, "hindu": 9}, 10) == {"sikh", "hindu"}


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
    # A suppressed group's label is not shown either: it alone says someone gave it.
    assert "a_rare_group" not in str(aggregate)
    assert {"value": None, "count": None, "suppressed": True} in aggregate["groups"]


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
    # not_stated is a group like any other: shown when big enough, else suppressed.
    groups = response.json()["groups"]
    assert groups
    assert all(g["suppressed"] or g["count"] >= 10 for g in groups)
