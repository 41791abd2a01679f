"""The Schedule of Rates import: a bad row is reported with its line number and does
not stop the rest; the same file twice changes nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.db import Database
from repairs.sor.rules import BadRow, SorRow, line_pence, read_schedule
from repairs.sor.service import import_schedule


def a_schedule(prefix: str) -> str:
    return (
        "schedule,code,description,trade,unit,unit_price\n"
        f"{prefix},100,Renew tap washer,plumbing,each,12.50\n"
        f'{prefix},101,"Renew tap, kitchen",plumbing,each,not-a-price\n'
        f"{prefix},102,Replace socket,sparkles,each,45\n"
        f"{prefix},,No code,general,each,1.00\n"
        f"{prefix},103,Replace switch,Electrical,each,£30.05\n"
    )


def test_bad_rows_are_reported_by_line_and_column_and_the_rest_are_read() -> None:
    rows = list(read_schedule(a_schedule("PLB").splitlines(keepends=True)))
    assert [r for r in rows if isinstance(r, BadRow)] == [
        BadRow(3, "unit_price", "not an amount in pounds and pence"),
        BadRow(4, "trade", "not a known trade"),
        BadRow(5, "code", "empty"),
    ]
    good = [r for r in rows if isinstance(r, SorRow)]
    assert [(r.code, r.unit_price_pence, r.trade.value) for r in good] == [
        ("PLB:100", 1250, "plumbing"),
        ("PLB:103", 3005, "electrical"),
    ]


def test_a_header_without_a_needed_column_is_one_bad_row_on_line_1() -> None:
    assert list(read_schedule(["schedule,code,description\n", "A,1,x\n"])) == [
        BadRow(1, "trade", "missing column in the header row")
    ]


def test_a_fraction_of_a_penny_is_a_bad_price() -> None:
    [row] = read_schedule(
        ["schedule,code,description,trade,unit,unit_price\n", "A,1,x,gas,each,1.005\n"]
    )
    assert row == BadRow(2, "unit_price", "not an amount in pounds and pence")


async def test_the_same_file_twice_changes_nothing_and_a_changed_price_updates(
    repairs_database: Database,
) -> None:
    schedule = f"T{uuid.uuid4().hex[:6]}"
    lines = a_schedule(schedule).splitlines(keepends=True)
    async with repairs_database.sessionmaker() as session, session.begin():
        first = await import_schedule(session, lines)
    async with repairs_database.sessionmaker() as session, session.begin():
        second = await import_schedule(session, lines)
    assert (first.added, first.updated, first.unchanged, len(first.bad_rows)) == (2, 0, 0, 3)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    changed = [line.replace("12.50", "13.00") for line in lines]
    async with repairs_database.sessionmaker() as session, session.begin():
        third = await import_schedule(session, changed)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 1)


def test_measured_units_take_decimals_counted_ones_do_not_and_the_file_can_say_so() -> None:
    rows = list(
        read_schedule(
            [
                "schedule,code,description,trade,unit,unit_price,whole_units\n",
                "PLS,1,Plaster wall,plastering,m2,13.33,\n",
                "PLS,2,Renew door,carpentry,each,120.00,\n",
                "PLS,3,Labour,general,hour,30.00,yes\n",
                "PLS,4,Skirting,carpentry,Nr,4.00,no\n",
                "PLS,5,Skirting,carpentry,m,4.00,maybe\n",
            ]
        )
    )
    assert [(r.code, r.whole_units) for r in rows if isinstance(r, SorRow)] == [
        ("PLS:1", False),
        ("PLS:2", True),
        ("PLS:3", True),
        ("PLS:4", False),
    ]
    assert [r for r in rows if isinstance(r, BadRow)] == [BadRow(6, "whole_units", "not yes or no")]


def test_a_line_is_priced_half_up_to_whole_pence() -> None:
    assert line_pence(1333, Decimal("2.5")) == 3333  # 3,332.5p
    assert line_pence(1333, Decimal("2.49")) == 3319  # 3,319.17p
    assert line_pence(1, Decimal("0.5")) == 1
    assert line_pence(1, Decimal("0.49")) == 0
    assert line_pence(1250, Decimal("2")) == 2500


@given(
    price=st.integers(min_value=0, max_value=10**11),
    hundredths=st.integers(min_value=1, max_value=1_000_000),
)
def test_a_line_price_is_within_half_a_penny_of_the_exact_product(
    price: int, hundredths: int
) -> None:
    quantity = Decimal(hundredths) / 100
    exact = Decimal(price) * quantity
    priced = line_pence(price, quantity)
    assert abs(Decimal(priced) - exact) <= Decimal("0.5")
    assert exact - priced != Decimal("0.5")  # a half penny goes up, never down
