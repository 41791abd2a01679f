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

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFAULT_ARREARS_POINTS: dict[ArrearsStage, int] = {
    ArrearsStage.NONE: 0,
    ArrearsStage.TEXT_REMINDER: 5,
    ArrearsStage.LETTER_1: 10,
    ArrearsStage.LETTER_2: 15,
    ArrearsStage.NOTICE_OF_SEEKING_POSSESSION: 20,
    ArrearsStage.COURT_WARNING: 25,
    ArrearsStage.COURT_APPLICATION: 30,
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
    electric_heating: NonNegativeInt = Field(
        default=15, description="No annual gas visit, so nobody else sees inside the home"
    )
    new_or_introductory_tenancy: NonNegativeInt = 15
    arrears_stage: dict[ArrearsStage, NonNegativeInt] = Field(
        default_factory=lambda: dict(DEFAULT_ARREARS_POINTS),
        description="Points by arrears stage; stages not given keep their default",
    )
    damp_history: NonNegativeInt = 20
    per_no_access: NonNegativeInt = Field(default=10, description="Each earlier no-access visit")
    no_access_counted: PositiveInt = 3

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


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_VISITS_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "visits"

    programme: RiskWeights = Field(default_factory=RiskWeights)


def settings_from_env() -> VisitsSettings:
    return VisitsSettings()
