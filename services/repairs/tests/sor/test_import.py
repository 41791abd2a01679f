"""The Schedule of Rates import: a bad row is reported with its line number and does
not stop the rest; the same file twice changes nothing."""

from __future__ import annotations

import uuid

from hearth_kit.db import Database
from repairs.sor.rules import BadRow, SorRow, read_schedule
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
