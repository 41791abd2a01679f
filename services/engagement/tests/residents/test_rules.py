from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.residents.rules import missing_contact_detail, moves_to
from hearth_contracts.events.engagement import ContactChannel


def test_email_as_the_preferred_channel_needs_an_email_address() -> None:
    assert missing_contact_detail(ContactChannel.EMAIL, None, "07700 900123") == "email"
    assert missing_contact_detail(ContactChannel.EMAIL, "sam@example.org", None) is None


@pytest.mark.parametrize("channel", [ContactChannel.TEXT, ContactChannel.PHONE])
def test_text_or_phone_as_the_preferred_channel_needs_a_phone_number(
    channel: ContactChannel,
) -> None:
    assert missing_contact_detail(channel, "sam@example.org", None) == "phone"
    assert missing_contact_detail(channel, None, "07700 900123") is None


def test_letters_go_to_the_home_so_need_no_contact_detail() -> None:
    assert missing_contact_detail(ContactChannel.LETTER, None, None) is None


def placed_after(tenancies: list[tuple[date, bool]]) -> tuple[date, bool]:
    """The tenancy (start date, ended) a resident is on after each was announced in turn."""
    placed: tuple[date, bool] | None = None
    for start_date, ended in tenancies:
        if placed is None or moves_to(
            placed_on=placed[0], placed_ended=placed[1], start_date=start_date, ended=ended
        ):
            placed = (start_date, ended)
    assert placed is not None
    return placed


def test_a_later_tenancy_moves_a_resident_and_an_earlier_one_never_moves_them_back() -> None:
    old, new = date(2020, 1, 6), date(2026, 11, 2)
    assert moves_to(placed_on=old, placed_ended=True, start_date=new, ended=False)
    assert not moves_to(placed_on=new, placed_ended=False, start_date=old, ended=False)
    assert moves_to(placed_on=None, placed_ended=False, start_date=old, ended=False)


def test_of_two_starting_the_same_day_the_one_still_running_wins() -> None:
    day = date(2026, 11, 2)
    assert moves_to(placed_on=day, placed_ended=True, start_date=day, ended=False)
    assert not moves_to(placed_on=day, placed_ended=False, start_date=day, ended=True)
    assert not moves_to(placed_on=day, placed_ended=False, start_date=day, ended=False)


@given(
    st.lists(
        st.tuples(st.integers(0, 3650), st.booleans()),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.randoms(use_true_random=False),
)
def test_the_tenancy_a_resident_ends_on_does_not_depend_on_the_order_announced(
    tenancies: list[tuple[int, bool]], shuffle: random.Random
) -> None:
    """Tenancies on different homes are on different partitions: any order can arrive.
    The resident ends on the one that started last."""
    dated = [(date(2016, 1, 1) + timedelta(days=d), ended) for d, ended in tenancies]
    arrived = list(dated)
    shuffle.shuffle(arrived)
    assert placed_after(arrived) == max(dated)
