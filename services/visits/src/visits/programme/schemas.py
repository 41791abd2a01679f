"""Response models for the visit programme."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from hearth_contracts.events.visits import VisitKind
from visits.programme.rules import HomeRiskFactors, Reason


class HomePriority(BaseModel):
    """A home's place in the visit programme: its score, the factors known about it,
    which of them made the score, and when and how it is next to be visited."""

    uprn: str
    area: str | None = None
    score: int
    reasons: list[Reason]
    factors: HomeRiskFactors
    next_visit_kind: VisitKind
    stock_condition_survey: bool
    due_by: date = Field(description="The last day within its maximum visit interval")
    beyond_interval: bool
    in_programme: bool = Field(
        default=True,
        description="False for a leasehold or shared ownership home: the annual visit is "
        "for the landlord's tenants, so it is never ranked, counted beyond its interval or "
        "in the figures; worked out the same for a visit booked on request (ADR 0115)",
    )


class Programme(BaseModel):
    """Every home (in the area), highest priority first, a page of `limit` at a time."""

    homes_ranked: int | None = Field(
        default=None, description="Homes in the ranking (in the area); on the first page only"
    )
    beyond_interval: int | None = Field(
        default=None, description="Homes past their maximum visit interval; first page only"
    )
    items: list[HomePriority]
    next_cursor: str | None = Field(
        default=None, description="Pass back as `cursor` for the next page; absent on the last"
    )
