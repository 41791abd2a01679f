"""A Schedule of Rates quantity: a decimal of at most two places, more than 0 and at
most 10,000, sent in JSON as a number (a whole one as an integer, as version 1 did)
and read back exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from hearth_contracts.events.repairs import SorQuantity

QUANTITY: TypeAdapter[Decimal] = TypeAdapter(SorQuantity)


@given(hundredths=st.integers(min_value=1, max_value=1_000_000))
def test_a_quantity_goes_to_json_and_back_unchanged(hundredths: int) -> None:
    quantity = Decimal(hundredths) / 100
    sent = QUANTITY.dump_json(quantity)
    assert QUANTITY.validate_json(sent) == quantity
    if hundredths % 100 == 0:
        assert sent == str(hundredths // 100).encode()  # a whole number, as in v1


@pytest.mark.parametrize("sent", ["0", "-1", "10000.01", "1.005", "1e-3", '"abc"'])
def test_a_quantity_out_of_bounds_or_finer_than_a_hundredth_is_refused(sent: str) -> None:
    with pytest.raises(ValidationError):
        QUANTITY.validate_json(sent)
