"""Visits settings (env prefix HEARTH_VISITS_).

The visit programme's risk weights are configuration: a landlord changes them without
a release, e.g. HEARTH_VISITS_PROGRAMME__LIVING_ALONE=20 or, for the arrears ladder,
HEARTH_VISITS_PROGRAMME__ARREARS_STAGE='{"letter_2": 20}'.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, field_validator
from pydantic_settings import SettingsConfigDict

from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage
from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFAULT_REPORT_WINDOW_YEARS = 10
"""How far back a visit report's visited_at may be (repairs' report_window_years)."""

DEFAULT_ARREARS_POINTS: dict[ArrearsStage, int] = {
    ArrearsStage.NONE: 0,
    ArrearsStage.TEXT_REMINDER: 5,
    ArrearsStage.LETTER_1: 10,
    ArrearsStage.LETTER_2: 15,
    ArrearsStage.NOTICE_OF_SEEKING_POSSESSION: 20,
    ArrearsStage.COURT_WARNING: 25,
    ArrearsStage.COURT_APPLICATION: 30,
}


DEFAULT_AGE_BAND_POINTS: dict[AgeBand, int] = {
    AgeBand.UNDER_25: 5,
    AgeBand.AGED_25_TO_44: 0,
    AgeBand.AGED_45_TO_64: 0,
    AgeBand.AGED_65_TO_74: 5,
    AgeBand.AGED_75_TO_84: 10,
    AgeBand.AGED_85_AND_OVER: 15,
}


class RiskWeights(BaseModel):
    """Points each factor adds to a home's visit priority. Never negative, so a home
    with one more risk factor never drops down the programme."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_very_low: NonNegativeInt = Field(
        default=15, description="The household hardly ever contacts the landlord"
    )
    contact_very_high: NonNegativeInt = Field(
        default=10, description="The household contacts the landlord very often"
    )
    per_vulnerability: NonNegativeInt = Field(
        default=10, description="Each declared health condition or vulnerability"
    )
    vulnerabilities_counted: PositiveInt = Field(
        default=3, description="At most this many vulnerabilities score"
    )
    living_alone: NonNegativeInt = 15
    per_customer_action_outstanding: NonNegativeInt = Field(
        default=5, description="Each customer action promised at the last visit and still open"
    )
    customer_actions_counted: PositiveInt = 4
    age_band: dict[AgeBand, NonNegativeInt] = Field(
        default_factory=lambda: dict(DEFAULT_AGE_BAND_POINTS),
        description="Points by the oldest (or youngest sole) resident's age band",
    )
    no_annual_gas_visit: NonNegativeInt = Field(
        default=15, description="No live gas supply, so no gas engineer sees inside every year"
    )
    new_or_introductory_tenancy: NonNegativeInt = 15
    arrears_stage: dict[ArrearsStage, NonNegativeInt] = Field(
        default_factory=lambda: dict(DEFAULT_ARREARS_POINTS),
        description="Points by arrears stage; stages not given keep their default",
    )
    damp_history: NonNegativeInt = 20
    per_no_access: NonNegativeInt = Field(default=10, description="Each earlier no-access visit")
    no_access_counted: PositiveInt = 3
    beyond_interval: NonNegativeInt = Field(
        default=100, description="The home is past its maximum visit interval: visit it first"
    )
    officer_visit_for_check_access: NonNegativeInt = Field(
        default=100,
        description="A safety check's no-access procedure asked for a housing officer visit "
        "(compliance's access-escalated): visit it first, as a home past its interval",
    )
    contact_very_low_at_most: NonNegativeInt = Field(
        default=0, description="Contacts in the last 12 months at or below this are very low"
    )
    contact_very_high_at_least: PositiveInt = Field(
        default=12, description="Contacts in the last 12 months at or above this are very high"
    )

    @field_validator("age_band")
    @classmethod
    def _every_band_scored(cls, value: dict[AgeBand, int]) -> dict[AgeBand, int]:
        return {**DEFAULT_AGE_BAND_POINTS, **value}

    @field_validator("arrears_stage")
    @classmethod
    def _ladder_never_scores_less_higher_up(
        cls, value: dict[ArrearsStage, int]
    ) -> dict[ArrearsStage, int]:
        points = {**DEFAULT_ARREARS_POINTS, **value}
        if points[ArrearsStage.NONE] != 0:
            raise ValueError("no arrears is no risk: the none stage scores 0")
        ladder = [points[stage] for stage in ArrearsStage]
        if any(higher < lower for lower, higher in itertools.pairwise(ladder)):
            raise ValueError("a later arrears stage must score at least as much as an earlier one")
        return points


class VisitIntervals(BaseModel):
    """How often a home is visited, and by which kind of visit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    any_visit_months: PositiveInt = Field(default=12, description="Some visit at least this often")
    full_visit_months: PositiveInt = Field(
        default=24, description="A full visit in the home at least this often"
    )
    alternate_lite: bool = Field(
        default=True, description="Offer a lite visit in the years between full visits"
    )
    stock_condition_survey_years: PositiveInt = Field(
        default=5, description="A full visit is the stock condition survey this often"
    )
    gas_pairing_days: NonNegativeInt = Field(
        default=56,
        description="A gas check due within this many days of a full visit is paired with it",
    )


class CaseloadOfficers(BaseModel):
    """Who holds each caseload (the York pilot): one introductory officer, one
    sustainable tenancy officer, and community officers by area (postcode district)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    introductory: str | None = Field(default=None, max_length=64)
    sustainable_tenancy: str | None = Field(default=None, max_length=64)
    community_by_area: dict[str, str] = Field(default_factory=dict)
    introductory_months: PositiveInt = 12
    extension_months: PositiveInt = 6


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_VISITS_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "visits"

    programme: RiskWeights = Field(default_factory=RiskWeights)
    intervals: VisitIntervals = Field(default_factory=VisitIntervals)
    caseloads: CaseloadOfficers = Field(default_factory=CaseloadOfficers)
    report_window_years: int = Field(
        default=DEFAULT_REPORT_WINDOW_YEARS,
        ge=1,
        le=100,
        description="How far back a report's visited_at may be: a moment more than this "
        "many years before now is refused (422 naming the field), as repairs refuses a "
        "reported_at, so a typing slip (1066-10-14) never starts the clocks of the repairs "
        "and Awaab's Law cases the report raises centuries ago",
    )
    late_inventory_days: int = Field(
        default=7,
        ge=0,
        le=31,
        description="How many days after visited_at the visit's officer may still add the "
        "room inventory of a full visit completed without one (ADR 0113); 0: not at all",
    )


def settings_from_env() -> VisitsSettings:
    return VisitsSettings()
