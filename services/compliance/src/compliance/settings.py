"""Compliance settings (env prefix HEARTH_COMPLIANCE_). Intervals, lead times and the
no-access ladder are configuration, with DOMAIN.md's defaults: a landlord changes them
without a release (`HEARTH_COMPLIANCE_PROGRAMME__LEAD_DAYS=45`,
`HEARTH_COMPLIANCE_PROGRAMME__NO_ACCESS_LADDER='[{"step":"appointment_letter","days":0}]'`)."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from compliance.checks.rules import LadderStep, default_history_months, oldest_check_day
from hearth_contracts.events.compliance import CheckType, NoAccessStep
from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class LadderStepSetting(BaseModel):
    """One step of the no-access ladder and its day offset from the first failed attempt."""

    step: NoAccessStep
    days: int = Field(ge=0, le=3650)


DEFAULT_LADDER = [
    LadderStepSetting(step=NoAccessStep.APPOINTMENT_LETTER, days=0),
    LadderStepSetting(step=NoAccessStep.SECOND_APPOINTMENT, days=14),
    LadderStepSetting(step=NoAccessStep.FINAL_WARNING, days=28),
    LadderStepSetting(step=NoAccessStep.HOUSING_OFFICER_VISIT, days=35),
    LadderStepSetting(step=NoAccessStep.LEGAL_ACTION, days=42),
]

MAX_HISTORY_MONTHS = 1200
"""A hundred years: the most history_months may be set to."""

DEFAULT_INTERVALS: dict[CheckType, int] = {
    CheckType.GAS_SAFETY: 12,
    CheckType.ELECTRICAL: 60,
    CheckType.FIRE_RISK_ASSESSMENT: 12,
    CheckType.ASBESTOS: 12,
    CheckType.WATER: 24,
    CheckType.LIFT: 6,
}

LEGAL_MAX_INTERVALS: dict[CheckType, int] = {
    CheckType.GAS_SAFETY: 12,
    CheckType.ELECTRICAL: 60,
}
"""The longest the law lets a certificate run: a gas safety record 12 months (Gas Safety
(Installation and Use) Regulations 1998, reg. 36(3)(a)), an EICR 5 years (Electrical
Safety Standards regulations 2020, reg. 3(1)(b)). A landlord may set shorter."""


class Programme(BaseModel):
    """The safety programme's timings."""

    lead_days: int = Field(default=60, ge=0, le=365, description="Raise check-due this early")
    no_access_lead_days: int = Field(
        default=90,
        ge=0,
        le=365,
        description="... or this early with a no-access history (at least lead_days)",
    )
    escalate_after_months: int = Field(
        default=3,
        ge=1,
        le=24,
        description="Overdue over this many months (from the day after the anniversary "
        "of its due date, ADR 0195): escalated with its own event",
    )
    tenant_copy_days: int = Field(
        default=28,
        ge=1,
        le=28,
        description="The household's copy of a gas safety record or EICR is due within this "
        "many days of the check: a landlord may set a shorter target, never more than the "
        "law's 28 (GSIUR 1998 reg. 36(6)(a); the 2020 electrical regulations, reg. 3(3))",
    )
    remedy_days: int = Field(
        default=28,
        ge=1,
        le=28,
        description="An EICR's C2, FI or faulty alarm is remedied within this many days "
        "starting with the check's day (its first): a landlord may set a shorter target, "
        "never more than the law's 28",
    )
    interval_months: dict[CheckType, int] = Field(
        default_factory=lambda: dict(DEFAULT_INTERVALS),
        description="Months between checks, per type (gas 12, EICR 60, ...): a month or "
        "more, and no more than the law's maximum (gas 12, EICR 60)",
    )
    history_months: dict[CheckType, int] = Field(
        default_factory=dict,
        description="How far back, in months before today, a check's date (and a "
        "certificate expiry given with a home) may go, per type; a type not named goes "
        "back 24 months (a gas safety record is kept 2 years) or its interval where "
        "longer (EICR 60), and a type named goes back at least that far. ADR 0070",
    )
    no_access_ladder: list[LadderStepSetting] = Field(
        default_factory=lambda: list(DEFAULT_LADDER), min_length=1, max_length=20
    )
    pairing_window_days: int = Field(
        default=60,
        ge=0,
        le=365,
        description="A visit this close before a gas check's due date is offered as combined",
    )
    sweep_batch_size: int = Field(default=500, ge=1, le=10_000)
    sweep_interval_minutes: int = Field(
        default=60,
        ge=1,
        description="How often the sweep looks (at start too): a quiet round is a few index "
        "probes, so a new day's due and expired checks are raised within the hour",
    )
    ladder_interval_minutes: int = Field(default=60, ge=1)

    @field_validator("no_access_ladder")
    @classmethod
    def _offsets_in_order(cls, ladder: list[LadderStepSetting]) -> list[LadderStepSetting]:
        if any(a.days > b.days for a, b in itertools.pairwise(ladder)):
            raise ValueError("ladder day offsets must not go down")
        return ladder

    @field_validator("interval_months")
    @classmethod
    def _intervals_within_the_law(cls, months: dict[CheckType, int]) -> dict[CheckType, int]:
        for check_type, interval in months.items():
            if interval < 1:
                raise ValueError(f"the interval for {check_type.value} must be a month or more")
            most = LEGAL_MAX_INTERVALS.get(check_type)
            if most is not None and interval > most:
                raise ValueError(
                    f"the interval for {check_type.value} is at most {most} months by law"
                )
        return months

    @field_validator("history_months")
    @classmethod
    def _history_in_bounds(cls, months: dict[CheckType, int]) -> dict[CheckType, int]:
        if any(not 1 <= m <= MAX_HISTORY_MONTHS for m in months.values()):
            raise ValueError(f"history months are 1 to {MAX_HISTORY_MONTHS}")
        return months

    @model_validator(mode="after")
    def _no_access_history_starts_earlier(self) -> Programme:
        """DOMAIN.md: the checks start earlier for a household with a history of not
        giving access. A no-access lead shorter than the usual one started them later,
        the households hardest to get into raised last."""
        if self.no_access_lead_days < self.lead_days:
            raise ValueError(
                f"no_access_lead_days ({self.no_access_lead_days}) is at least lead_days "
                f"({self.lead_days}): a household that did not give access starts earlier"
            )
        return self

    @model_validator(mode="after")
    def _history_keeps_what_the_law_keeps(self) -> Programme:
        """How far back the register goes may be lengthened, never shortened below the
        default (ADR 0070): 24 months, the 2 years a gas safety record is kept (Gas Safety
        (Installation and Use) Regulations 1998, reg. 36(3)(c); DOMAIN.md: records are
        kept at least 2 years), or the type's interval where longer (an EICR is judged on
        the latest report, up to 5 years old). A shorter setting refused a record the
        landlord must still hold and may need to enter late (a superseded gas record, the
        latest of a home that lapsed), and an import's expiry within it."""
        for check_type, months in self.history_months.items():
            least = default_history_months(self.interval_for(check_type))
            if months < least:
                raise ValueError(
                    f"history_months for {check_type.value} is at least {least} months "
                    "(records the register must be able to take)"
                )
        return self

    def oldest_check_day(self, check_type: CheckType, today: date) -> date:
        """The earliest day a check of this type may be dated on `today` (ADR 0070): a
        date before it is a mistyped year or paper older than any record the landlord
        keeps, and would set an expiry (and the overdue age, and BS01) from it."""
        months = self.history_months.get(check_type) or default_history_months(
            self.interval_for(check_type)
        )
        return oldest_check_day(today, months)

    def interval_for(self, check_type: CheckType) -> int | None:
        """Months between checks of a type; None for a one-off check (alarms at a
        tenancy's start)."""
        return self.interval_months.get(check_type, DEFAULT_INTERVALS.get(check_type))

    def ladder(self) -> list[LadderStep]:
        return [LadderStep(s.step, s.days) for s in self.no_access_ladder]


class ComplianceSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_COMPLIANCE_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "compliance"

    max_request_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Compliance takes a whole stock file at POST /v1/homes/import (100,000 rows)",
    )
    programme: Programme = Programme()


def settings_from_env() -> ComplianceSettings:
    return ComplianceSettings()
