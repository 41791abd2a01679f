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
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from hearth_kit.problems import Unprocessable

MAX_PERIOD_DAYS = 366 * 5
"""The longest period one request may ask for."""


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
        value = round(numerator * per / denominator, 4) if denominator else None
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


def period(
    first: Annotated[date, Query(alias="from", description="The period's first day")],
    last: Annotated[date, Query(alias="to", description="The period's last day, included")],
) -> Period:
    """The `from` and `to` query parameters as a Period; `to` before `from`, or a period
    longer than MAX_PERIOD_DAYS, is a 422 naming `to`."""
    if last < first:
        raise Unprocessable("`to` must not be before `from`", field="to", location="query")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise Unprocessable(
            f"A period is at most {MAX_PERIOD_DAYS} days", field="to", location="query"
        )
    return Period(first, last)


PeriodDep = Annotated[Period, Depends(period)]
