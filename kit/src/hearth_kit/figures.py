"""Figures: the measures a service reports for a period, in one shape for every service.

Every `GET /v1/<service>/figures?from=&to=` answers `Figures`, so the gateway's Tenant
Satisfaction Measures report reads each measure's numerator and denominator the same
way whichever service counted it. Codes are the regulator's where one exists (RP02.1,
BS01, CH01.1, TP01, ...); a service's own measures have dotted codes
(`repairs.right_first_time`).

    @router.get("/figures", response_model=Figures)
    async def figures(session: SessionDep, period: PeriodDep) -> Figures:
        return await repairs.figures(session, period)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from hearth_kit.problems import Unprocessable
from hearth_kit.strict_types import CALENDAR_YEARS, within_the_calendar

MAX_PERIOD_DAYS = 366 * 5
"""The longest period one request may ask for."""


def to_four_places(exact: Fraction) -> float:
    """An exact ratio rounded to four decimal places, a half up (away from zero), as a
    figure is rounded by hand: 1 of 32 is 0.0313. Rounding the float instead rounds an
    exact half to even (0.0312) and other halves by the float's error, so a value could
    differ from what its numerator and denominator give anyone checking it."""
    places = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(places.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


FOUR_PLACES = Decimal("0.0001")


class Measure(BaseModel):
    """One measure: a count, or a ratio with what it was counted from."""

    code: str = Field(description="The regulator's code (RP02.1, BS01, TP01) or a dotted own code")
    description: str
    numerator: int
    denominator: int | None = Field(
        description="What the numerator is out of; null for a plain count"
    )
    per: int = Field(default=1, description="The scale: 1 for a ratio, 1000 for per 1,000 homes")
    value: float | None = Field(
        description="numerator x per / denominator (the count itself when there is no "
        "denominator); null when the denominator is 0"
    )

    @classmethod
    def ratio(
        cls, code: str, description: str, numerator: int, denominator: int, *, per: int = 1
    ) -> Measure:
        value = to_four_places(Fraction(numerator * per, denominator)) if denominator else None
        return cls(
            code=code,
            description=description,
            numerator=numerator,
            denominator=denominator,
            per=per,
            value=value,
        )

    @classmethod
    def count(cls, code: str, description: str, number: int) -> Measure:
        return cls(
            code=code, description=description, numerator=number, denominator=None, value=number
        )


class Figures(BaseModel):
    """A service's measures for a period (both days included)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="The period's first day (London)")
    to: date = Field(description="The period's last day, included (London)")
    measures: list[Measure]
    breakdowns: dict[str, list[Measure]] = Field(
        default_factory=dict,
        description="The same or further measures by a dimension (area, month, strand)",
    )


@dataclass(frozen=True)
class Period:
    """A reporting period: London days from `first` to `last`, both included."""

    first: date
    last: date

    def figures(
        self, measures: list[Measure], breakdowns: dict[str, list[Measure]] | None = None
    ) -> Figures:
        return Figures(
            from_=self.first, to=self.last, measures=measures, breakdowns=breakdowns or {}
        )


ISO_DATE = r"^[1-8]\d{3}-\d{2}-\d{2}$"
"""A day as a query parameter: YYYY-MM-DD in years 1000 to 8999 (ADR 0072), which
`query_day` also holds it to."""


def period(
    first: Annotated[
        str,
        Query(
            alias="from",
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="The period's first day (YYYY-MM-DD)",
        ),
    ],
    last: Annotated[
        str,
        Query(
            alias="to",
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="The period's last day, included (YYYY-MM-DD); not before `from`",
        ),
    ],
) -> Period:
    """The `from` and `to` query parameters as a Period; `to` before `from`, or a period
    longer than MAX_PERIOD_DAYS, is a 422 naming `to`. Only ISO dates: a number is not
    read as a Unix timestamp."""
    first_day, last_day = query_day(first, "from"), query_day(last, "to")
    return period_between(first_day, last_day)


def query_day(text: str, field: str) -> date:
    """A calendar day from a query parameter declared as ISO_DATE text (so a number is
    never read as a Unix timestamp, as pydantic's lax `date` reads "0"), or a 422 naming
    the parameter when it is no day at all (2026-02-30) or one outside years 1000 to
    8999, which the services cannot count from (ADR 0072: a period's figures count the
    rent year and the day after it, 9999-12-31 and 0001-01-01 overflowed, a 500)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(
            f"`{field}` must be a calendar date (YYYY-MM-DD)", field=field, location="query"
        ) from None
    if not within_the_calendar(day):
        raise Unprocessable(
            f"`{field}` must be a day within {CALENDAR_YEARS}", field=field, location="query"
        )
    return day


def period_between(first: date, last: date) -> Period:
    """A Period from two dates, with the same rules as the query parameters."""
    if last < first:
        raise Unprocessable("`to` must not be before `from`", field="to", location="query")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise Unprocessable(
            f"A period is at most {MAX_PERIOD_DAYS} days", field="to", location="query"
        )
    return Period(first, last)


PeriodDep = Annotated[Period, Depends(period)]
