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
- `StrictDay`: a calendar day as ISO 8601 text (`2026-11-30`); never a number.
- `StrictMoment`: a timezone-aware moment as ISO 8601 text; never a number of seconds,
  nor a moment that has no UTC time (`0001-01-01T00:00:00+14:00` is the last day of
  year 0 in UTC, `9999-12-31T23:00:00-14:00` a day of year 10000: Python has neither,
  and every moment is stored and compared in UTC).

Python callers (tests, services building a request model) may still pass a `date`, an
aware `datetime`, an `int`. The JSON Schema of each is the plain type's (`boolean`,
`integer`, `string` with format `date` / `date-time`), so the document does not change;
what the service accepts now matches it. Constraints on a whole number: `count:
WholeNumber = Field(ge=1)`, or `Annotated[int, Field(ge=1), WHOLE_NUMBER] | None`.
(Days and moments are checked before pydantic parses them, so a constraint on one
inside a union or a list would be written into the document as an unknown keyword: put
such constraints on the field.) Query parameters
need none of this: a query string is all text, and `?limit=5` is how an integer is
written there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Strict
from pydantic_core import PydanticCustomError

__all__ = ["WHOLE_NUMBER", "StrictBoolean", "StrictDay", "StrictMoment", "WholeNumber"]


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


def _has_a_utc_time(value: datetime) -> datetime:
    """A moment whose UTC time is a datetime Python has (years 1 to 9999): anything else
    failed only once stored (OverflowError, a 500)."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range", "Input should be a moment within years 1 to 9999 in UTC"
        ) from None
    return value


StrictBoolean = Annotated[bool, Strict()]
"""`true` or `false` only (never 0, 1, "true" or "yes")."""

WHOLE_NUMBER = Strict()
"""What makes an `int` a `WholeNumber`, for an int with its own constraints:
`Annotated[int, Field(ge=1), WHOLE_NUMBER] | None`."""

WholeNumber = Annotated[int, WHOLE_NUMBER]
"""An integer written as one (5); never "5", 5.0, 5.5 or true."""

StrictDay = Annotated[date, BeforeValidator(_day_as_text)]
"""A day as ISO 8601 text (2026-11-30); never a number."""

StrictMoment = Annotated[
    AwareDatetime, BeforeValidator(_moment_as_text), AfterValidator(_has_a_utc_time)
]
"""A timezone-aware moment as ISO 8601 text, within years 1 to 9999 in UTC; never a
number of seconds."""
