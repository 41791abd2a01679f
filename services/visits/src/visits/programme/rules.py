"""The risk-based visit programme's pure rules: a home's visit priority, as an
explainable score from weighted factors (weights are configuration: RiskWeights)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

from hearth_contracts.events.income import ArrearsStage, TenancyType
from visits.settings import RiskWeights

INTRODUCTORY_TYPES = frozenset({TenancyType.INTRODUCTORY, TenancyType.STARTER})
NEW_TENANCY_MONTHS = 12
"""A tenancy is new for its first 12 months (the introductory period)."""


class ContactFrequency(StrEnum):
    """How often the household contacts the landlord, against homes like it."""

    VERY_LOW = "very_low"
    USUAL = "usual"
    VERY_HIGH = "very_high"


class Factor(StrEnum):
    """A reason a home rises up the visit programme."""

    CONTACT_VERY_LOW = "contact_very_low"
    CONTACT_VERY_HIGH = "contact_very_high"
    VULNERABILITIES = "vulnerabilities"
    LIVING_ALONE = "living_alone"
    CUSTOMER_ACTIONS_OUTSTANDING = "customer_actions_outstanding"
    ELECTRIC_HEATING = "electric_heating"
    NEW_OR_INTRODUCTORY_TENANCY = "new_or_introductory_tenancy"
    ARREARS = "arrears"
    DAMP_HISTORY = "damp_history"
    NO_ACCESS_HISTORY = "no_access_history"


class HomeRiskFactors(BaseModel):
    """What is known about a home and its household that bears on its visit priority."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_frequency: ContactFrequency = ContactFrequency.USUAL
    vulnerabilities_declared: NonNegativeInt = 0
    living_alone: bool = False
    customer_actions_outstanding: NonNegativeInt = Field(
        default=0, description="Promised at the last visit and still open"
    )
    electric_heating: bool = Field(default=False, description="So no annual gas visit")
    new_or_introductory_tenancy: bool = False
    arrears_stage: ArrearsStage = ArrearsStage.NONE
    damp_history: bool = False
    no_access_visits: NonNegativeInt = Field(default=0, description="Earlier visits with no access")


class Reason(BaseModel):
    """One factor that raised the score, and by how much."""

    model_config = ConfigDict(frozen=True)

    factor: Factor
    points: int


class RiskScore(BaseModel):
    """A home's visit priority: the higher, the sooner. The score is the sum of the
    reasons' points, so it explains itself."""

    model_config = ConfigDict(frozen=True)

    score: int
    reasons: list[Reason]


def visit_priority(factors: HomeRiskFactors, weights: RiskWeights) -> RiskScore:
    """Score a home for the visit programme: each present factor adds its weight (counted
    factors add theirs per item, up to a cap). Only factors that added points are reasons."""
    earned: list[tuple[Factor, int]] = [
        (
            Factor.CONTACT_VERY_LOW,
            weights.contact_very_low * (factors.contact_frequency is ContactFrequency.VERY_LOW),
        ),
        (
            Factor.CONTACT_VERY_HIGH,
            weights.contact_very_high * (factors.contact_frequency is ContactFrequency.VERY_HIGH),
        ),
        (
            Factor.VULNERABILITIES,
            weights.per_vulnerability
            * min(factors.vulnerabilities_declared, weights.vulnerabilities_counted),
        ),
        (Factor.LIVING_ALONE, weights.living_alone * factors.living_alone),
        (
            Factor.CUSTOMER_ACTIONS_OUTSTANDING,
            weights.per_customer_action_outstanding
            * min(factors.customer_actions_outstanding, weights.customer_actions_counted),
        ),
        (Factor.ELECTRIC_HEATING, weights.electric_heating * factors.electric_heating),
        (
            Factor.NEW_OR_INTRODUCTORY_TENANCY,
            weights.new_or_introductory_tenancy * factors.new_or_introductory_tenancy,
        ),
        (Factor.ARREARS, weights.arrears_stage[factors.arrears_stage]),
        (Factor.DAMP_HISTORY, weights.damp_history * factors.damp_history),
        (
            Factor.NO_ACCESS_HISTORY,
            weights.per_no_access * min(factors.no_access_visits, weights.no_access_counted),
        ),
    ]
    reasons = [Reason(factor=factor, points=points) for factor, points in earned if points > 0]
    return RiskScore(score=sum(r.points for r in reasons), reasons=reasons)


def is_new_tenancy(start_date: date | None, tenancy_type: TenancyType | None, today: date) -> bool:
    """An introductory (or starter) tenancy, or any tenancy in its first 12 months."""
    if tenancy_type in INTRODUCTORY_TYPES:
        return True
    if start_date is None:
        return False
    months = (today.year - start_date.year) * 12 + today.month - start_date.month
    if today.day < start_date.day:
        months -= 1
    return months < NEW_TENANCY_MONTHS
