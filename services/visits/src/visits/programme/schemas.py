"""Response models for the visit programme."""

from __future__ import annotations

from pydantic import BaseModel

from visits.programme.rules import HomeRiskFactors, Reason


class HomePriority(BaseModel):
    """A home's place in the visit programme: its score, the factors known about it,
    and which of them made the score."""

    uprn: str
    score: int
    reasons: list[Reason]
    factors: HomeRiskFactors
