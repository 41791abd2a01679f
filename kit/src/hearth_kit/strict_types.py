"""Request-body types that take a value only in the JSON type the OpenAPI document
states.

FastAPI parses a JSON body and then validates it in pydantic's python mode, which is
lax: `0`, `1` and `"true"` are read as booleans, `"5"` as 5, a number of seconds as a
date or a moment. A request the document calls invalid for its type alone would be
accepted, and a client's mistake (a string where a number belongs) would pass unseen.
`ConfigDict(strict=True)` on a whole model cannot fix it: python-mode strictness also
refuses the ISO text a date, a datetime, a UUID or an enum arrives as. So each request
model states its booleans, whole numbers, days and moments with these types instead:

- `StrictBoolean`: `true` or `false`, nothing else.
- `WholeNumber`: a JSON integer written as one (`5`); never text (`"5"`), a boolean,
  nor a number written with a fraction (`5.0`: JSON Schema counts it the same integer,
  but an amount of pence or a count written so is refused, as income always has; the
  Schemathesis hooks let that one refusal through, saying why).
- `StrictDay`: a calendar day as ISO 8601 text (`2026-11-30`); never a number, nor a
  day outside years 1000 to 8999 (FIRST_DAY to LAST_DAY, ADR 0072).
- `StrictMoment`: a timezone-aware moment as ISO 8601 text; never a number of seconds,
  nor a moment whose UTC time is outside years 1000 to 8999 (`0001-01-01T00:00:00+14:00`
  has no UTC time at all: it is the last day of year 0 there).

Why the years: Python's calendar runs from year 1 to 9999, and the services count from
a caller's day (12 months to a trial's end, a visit's window either side of its day,
the rent year and the next day a period of figures counts in, working days to a
target): a day at either end of the calendar overflowed it there, a 500. A thousand
years clear of each end no rule's counting can reach, and no landlord's record is dated
outside them.

Python callers (tests, services building a request model) may still pass a `date`, an
aware `datetime`, an `int`. The JSON Schema of each is the plain type's (`boolean`,
`integer`, `string` with format `date` / `date-time`, a day's and a moment's with the
pattern of years 1000 to 8999), so what the service accepts matches the document.
Constraints on a whole number: `count: WholeNumber = Field(ge=1)`, or
`Annotated[int, Field(ge=1), WHOLE_NUMBER] | None`. (Days and moments are checked before
pydantic parses them, so a constraint on one inside a union or a list would be written
into the document as an unknown keyword: put such constraints on the field.) Query
parameters need none of this: a query string is all text, and `?limit=5` is how an
integer is written there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

__all__ = [
    "CALENDAR_YEARS",
    "CALENDAR_YEARS_PATTERN",
    "FIRST_DAY",
    "LAST_DAY",
    "WHOLE_NUMBER",
    "StrictBoolean",
    "StrictDay",
    "StrictMoment",
    "WholeNumber",
    "within_the_calendar",
]

FIRST_DAY = date(1000, 1, 1)
"""The earliest day a caller may send (ADR 0072)."""

LAST_DAY = date(8999, 12, 31)
"""The latest day a caller may send (ADR 0072)."""

CALENDAR_YEARS = f"years {FIRST_DAY.year} to {LAST_DAY.year}"

CALENDAR_YEARS_PATTERN = "^[1-8][0-9]{3}-"
"""What the document says of FIRST_DAY to LAST_DAY (JSON Schema has no minimum for a
`format: date` string): the text begins with a year 1000 to 8999. A moment is held to
its UTC time as well, so one within 14 hours of either end may still be refused."""


def within_the_calendar(day: date) -> bool:
    """Whether a day a caller sent is one the services can count from (ADR 0072)."""
    return FIRST_DAY <= day <= LAST_DAY


def _day_as_text(value: Any) -> Any:
    """ISO text (or a date in Python) stays for pydantic to parse; a number is refused."""
    if isinstance(value, str | date):
        return value
    raise PydanticCustomError("date_type", "Input should be a valid date as ISO 8601 text")


def _moment_as_text(value: Any) -> Any:
    """ISO text (or a datetime in Python) stays for pydantic to parse; a number of
    seconds is refused."""
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime as ISO 8601 text")


def _day_in_the_calendar(value: date) -> date:
    """A day the services can count from: one at either end of Python's calendar
    overflowed it as soon as a rule counted months or days from it (a 500)."""
    if not within_the_calendar(value):
        raise PydanticCustomError(
            "date_out_of_range", f"Input should be a day within {CALENDAR_YEARS}"
        )
    return value


def _moment_in_the_calendar(value: datetime) -> datetime:
    """A moment whose UTC time falls within FIRST_DAY to LAST_DAY: one with no UTC time
    at all (years 1 to 9999) failed once stored (OverflowError), one near either end as
    soon as a rule counted from its day (a 500)."""
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not within_the_calendar(in_utc.date()):
        raise PydanticCustomError(
            "datetime_out_of_range", f"Input should be a moment within {CALENDAR_YEARS} in UTC"
        )
    return value


StrictBoolean = Annotated[bool, Strict()]
"""`true` or `false` only (never 0, 1, "true" or "yes")."""

WHOLE_NUMBER = Strict()
"""What makes an `int` a `WholeNumber`, for an int with its own constraints:
`Annotated[int, Field(ge=1), WHOLE_NUMBER] | None`."""

WholeNumber = Annotated[int, WHOLE_NUMBER]
"""An integer written as one (5); never "5", 5.0, 5.5 or true."""

StrictDay = Annotated[
    date,
    BeforeValidator(_day_as_text),
    AfterValidator(_day_in_the_calendar),
    Field(json_schema_extra={"pattern": CALENDAR_YEARS_PATTERN}),
]
"""A day as ISO 8601 text (2026-11-30), within years 1000 to 8999; never a number."""

StrictMoment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment_as_text),
    AfterValidator(_moment_in_the_calendar),
    Field(json_schema_extra={"pattern": CALENDAR_YEARS_PATTERN}),
]
"""A timezone-aware moment as ISO 8601 text, within years 1000 to 8999 in UTC; never a
number of seconds."""


def given(field: str) -> dict[str, Any]:
    """JSON Schema: `field` is there and not null. A request model's cross-field rules
    (`json_schema_extra`'s `allOf` of `if`/`then`, `oneOf`) are built from it, so the
    document states a rule the service enforces between fields (this one only with
    that one) instead of a client finding it out from a 422."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}
