"""Reading the landlord's Schedule of Rates CSV: pure, no I/O.

Columns (a header row, in any order): schedule, code, description, trade, unit,
unit_price (pounds and pence, e.g. 12.50), and optionally whole_units (yes or no: is
the item ordered in whole units only?). Without it, or left empty, an item counted
(each, nr, item, pair, set) is ordered in whole units and a measured one (m, m2, hour)
in up to two decimal places. An SOR code is written as schedule and code
("PLB:20110"). A bad row is reported with its line number and the column at fault; it
does not stop the rest.

A work order line's price is the unit price times the quantity, rounded half up to
whole pence (money is always integer pence).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hearth_contracts.events.visits import Trade

COLUMNS = ("schedule", "code", "description", "trade", "unit", "unit_price")
MAX_PRICE_PENCE = 10**11
COUNTED_UNITS = frozenset({"each", "ea", "nr", "no", "no.", "item", "items", "pair", "set", "unit"})
"""Units that count things: an item in one of them is ordered in whole units unless
the file says otherwise (the same list as migration 0005)."""
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def counted(unit: str) -> bool:
    """Whether a unit counts things (each, nr) rather than measuring them (m2, hour)."""
    return unit.strip().lower() in COUNTED_UNITS


def line_pence(unit_price_pence: int, quantity: Decimal) -> int:
    """A line's price: unit price times quantity, rounded half up to whole pence
    (2.5 m2 at 1,333p is 3,332.5p: 3,333p)."""
    return int((unit_price_pence * quantity).to_integral_value(rounding=ROUND_HALF_UP))


def whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


@dataclass(frozen=True, slots=True)
class SorRow:
    """One valid row of the Schedule of Rates."""

    line: int
    code: str
    schedule: str
    item_code: str
    description: str
    trade: Trade
    unit: str
    unit_price_pence: int
    whole_units: bool = True


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read: its line number in the file and what was wrong
    (the column named; never the value, which may be anything)."""

    line: int
    column: str
    problem: str


def sor_code(schedule: str, item_code: str) -> str:
    return f"{schedule.strip().upper()}:{item_code.strip().upper()}"


def _pence(text: str) -> int:
    amount = Decimal(text.strip().lstrip("£"))
    pence = amount * 100
    if pence != pence.to_integral_value() or pence < 0 or pence > MAX_PRICE_PENCE:
        raise InvalidOperation
    return int(pence)


def read_schedule(lines: Iterable[str]) -> Iterator[SorRow | BadRow]:
    """Each data row of the CSV as a SorRow, or a BadRow naming its line and column."""
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        yield BadRow(1, missing[0], "missing column in the header row")
        return
    reader.fieldnames = header
    for record in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in record.items() if key}
        yield _row(line, values)


def _row(line: int, values: dict[str, str]) -> SorRow | BadRow:
    for column, limit in (("schedule", 20), ("code", 20), ("description", 500), ("unit", 20)):
        if not values.get(column):
            return BadRow(line, column, "empty")
        if len(values[column]) > limit:
            return BadRow(line, column, f"longer than {limit} characters")
    try:
        trade = Trade(values.get("trade", "").lower())
    except ValueError:
        return BadRow(line, "trade", "not a known trade")
    try:
        price = _pence(values.get("unit_price", ""))
    except (InvalidOperation, ValueError):
        return BadRow(line, "unit_price", "not an amount in pounds and pence")
    stated = values.get("whole_units", "").lower()
    if stated and stated not in YES | NO:
        return BadRow(line, "whole_units", "not yes or no")
    return SorRow(
        line=line,
        code=sor_code(values["schedule"], values["code"]),
        schedule=values["schedule"].upper(),
        item_code=values["code"].upper(),
        description=values["description"],
        trade=trade,
        unit=values["unit"],
        unit_price_pence=price,
        whole_units=stated in YES if stated else counted(values["unit"]),
    )
