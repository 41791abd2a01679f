"""Request-body types take a value only in the JSON type the document states."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from hearth_kit.strict_types import (
    WHOLE_NUMBER,
    StrictBoolean,
    StrictDay,
    StrictMoment,
    WholeNumber,
)


class Body(BaseModel):
    flag: StrictBoolean = False
    count: WholeNumber = Field(default=1, ge=1, le=10)
    storeys: list[Annotated[int, Field(ge=0), WHOLE_NUMBER]] = []
    minutes: Annotated[int, Field(ge=10), WHOLE_NUMBER] | None = None
    day: StrictDay | None = None
    at: StrictMoment | None = None


def test_values_of_their_own_json_type_are_read() -> None:
    body = Body.model_validate(
        {
            "flag": True,
            "count": 5,
            "storeys": [0, 2],
            "minutes": 30,
            "day": "2026-11-30",
            "at": "2026-11-30T01:00:00+00:00",
        }
    )
    assert body.flag is True
    assert body.count == 5
    assert body.storeys == [0, 2]
    assert body.day == date(2026, 11, 30)
    assert body.at == datetime(2026, 11, 30, 1, tzinfo=UTC)


def test_python_callers_may_pass_python_values() -> None:
    body = Body(day=date(2026, 1, 2), at=datetime(2026, 1, 2, tzinfo=UTC))
    assert body.day == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("flag", 0),
        ("flag", 1),
        ("flag", "true"),
        ("count", "5"),
        ("count", True),
        ("count", 5.5),
        ("count", 5.0),
        ("storeys", ["1"]),
        ("minutes", "30"),
        ("day", 0),
        ("day", 1_764_460_800),
        ("at", 1_764_460_800),
        ("at", 1_764_460_800.5),
    ],
)
def test_a_value_of_another_json_type_is_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({field: value})
    assert refused.value.errors()[0]["loc"][0] == field


def test_the_document_states_the_plain_types_and_their_constraints() -> None:
    properties = Body.model_json_schema()["properties"]
    assert properties["flag"]["type"] == "boolean"
    assert properties["count"] | {"default": 1} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
        "default": 1,
        "title": "Count",
    }
    assert properties["storeys"]["items"] == {"type": "integer", "minimum": 0}
    assert {"type": "integer", "minimum": 10} in properties["minutes"]["anyOf"]
    years = "^[1-8][0-9]{3}-"  # years 1000 to 8999 (ADR 0072)
    assert {"type": "string", "format": "date", "pattern": years} in properties["day"]["anyOf"]
    assert {"type": "string", "format": "date-time", "pattern": years} in properties["at"]["anyOf"]


@given(st.integers(min_value=1, max_value=10), st.booleans())
def test_every_value_the_document_allows_is_read(count: int, flag: bool) -> None:
    assert Body.model_validate({"count": count, "flag": flag}).count == count


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",  # no UTC time at all: the last day of year 0 there
        "9999-12-31T23:00:00-14:00",  # a day of year 10000 in UTC
        "0001-01-01T00:59:59+01:00",
        "0001-01-01T00:00:00+00:00",  # the calendar's first moment: counting from it overflowed
        "9999-12-31T23:59:59-00:00",
        "9999-12-31T23:59:59+14:00",
        "0999-12-31T23:59:59Z",
        "9000-01-01T00:00:00Z",
        "8999-12-31T23:30:00-01:00",  # 9000-01-01 in UTC
    ],
)
def test_a_moment_outside_years_1000_to_8999_in_utc_is_refused_naming_the_field(
    moment: str,
) -> None:
    """Stored in UTC, one with no UTC time overflowed there, and one near either end of
    the calendar as soon as a rule counted from it (a 500): now the request's 422 (ADR
    0072)."""
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"at": moment})
    [error] = refused.value.errors()
    assert error["loc"] == ("at",)
    assert error["type"] == "datetime_out_of_range"
    assert moment not in error["msg"]


@pytest.mark.parametrize(
    "moment", ["1000-01-01T00:00:00+00:00", "8999-12-31T23:59:59Z", "1000-01-01T14:00:00+14:00"]
)
def test_the_first_and_last_moments_of_years_1000_to_8999_in_utc_are_read(moment: str) -> None:
    assert Body.model_validate({"at": moment}).at == datetime.fromisoformat(moment)


@pytest.mark.parametrize("day", ["0001-01-01", "0999-12-31", "9000-01-01", "9999-12-31"])
def test_a_day_outside_years_1000_to_8999_is_refused_naming_the_field(day: str) -> None:
    """A trial's 12 months from 9999-12-01, a visit's window around 0001-01-01, the rent
    year of a figure's first day: each overflowed the calendar, a 500 (ADR 0072)."""
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"day": day})
    [error] = refused.value.errors()
    assert error["loc"] == ("day",)
    assert error["type"] == "date_out_of_range"


@pytest.mark.parametrize("day", ["1000-01-01", "8999-12-31"])
def test_the_first_and_last_days_of_years_1000_to_8999_are_read(day: str) -> None:
    assert Body.model_validate({"day": day}).day == date.fromisoformat(day)
