"""The as-at rule for a home's tenure (docs/adr/0085): the tenure that took effect last
at or before the moment; none known before the first; unknown counts as let."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engagement.models import SINCE_EVER
from engagement.residents.rules import let_to_tenants, tenure_as_at
from hearth_contracts.events.compliance import Tenure

REGISTERED = datetime(2024, 4, 1, 9, tzinfo=UTC)
SOLD = datetime(2025, 8, 1, 12, tzinfo=UTC)
HISTORY = [(REGISTERED, Tenure.GENERAL_NEEDS), (SOLD, Tenure.LEASEHOLD)]


def test_the_tenure_is_the_one_in_effect_at_the_moment() -> None:
    assert tenure_as_at(HISTORY, SOLD - timedelta(seconds=1)) is Tenure.GENERAL_NEEDS
    assert tenure_as_at(HISTORY, SOLD + timedelta(days=400)) is Tenure.LEASEHOLD


def test_a_change_at_the_very_moment_has_taken_effect() -> None:
    assert tenure_as_at(HISTORY, SOLD) is Tenure.LEASEHOLD
    assert tenure_as_at(HISTORY, REGISTERED) is Tenure.GENERAL_NEEDS


def test_before_the_first_entry_the_tenure_is_not_known_and_counts_as_let() -> None:
    before = REGISTERED - timedelta(days=1)
    assert tenure_as_at(HISTORY, before) is None
    assert tenure_as_at([], before) is None
    assert let_to_tenants(None)


def test_a_tenure_kept_since_ever_holds_before_every_event() -> None:
    history = [(SINCE_EVER, Tenure.LEASEHOLD), (SOLD, Tenure.GENERAL_NEEDS)]
    assert tenure_as_at(history, REGISTERED) is Tenure.LEASEHOLD
    assert tenure_as_at(history, SOLD) is Tenure.GENERAL_NEEDS


def test_only_homes_held_on_a_long_lease_are_not_let() -> None:
    assert [t for t in Tenure if not let_to_tenants(t)] == [
        Tenure.SHARED_OWNERSHIP,
        Tenure.LEASEHOLD,
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 1000), st.sampled_from(Tenure)),
        unique_by=lambda entry: entry[0],
    ),
    st.randoms(),
    st.integers(-10, 1010),
)
def test_the_order_the_history_is_given_in_does_not_matter(
    entries: list[tuple[int, Tenure]], shuffler: random.Random, at: int
) -> None:
    history = [(REGISTERED + timedelta(days=d), t) for d, t in entries]
    shuffled = list(history)
    shuffler.shuffle(shuffled)
    moment = REGISTERED + timedelta(days=at)
    assert tenure_as_at(shuffled, moment) == tenure_as_at(sorted(history), moment)
