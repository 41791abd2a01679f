"""Income settings (env prefix HEARTH_INCOME_). The arrears ladder's thresholds, rent
weeks, arrangement limits and write-off limits are configuration with DOMAIN.md's
defaults, so a landlord changes them without a release."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from hearth_contracts.events.income import TenancyType
from hearth_kit.logs import get_logger
from hearth_kit.settings import InsecureConfiguration, ServiceSettings

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

TRIAL_END_GRACE_DAYS = 28
"""How long the trial-end job waits after a notice's six months before settling a
trial the notice kept open (ADR 0075). Proceedings are brought when the court issues the
claim, and the court sends the landlord the hearing date with it (CPR 55.5(1)); a claim
issued on the six months' last day is recorded when that notice reaches the officer.
The earliest hearing is 28 days after issue (CPR 55.5(3)(a)), so four weeks covers the
post and an officer's week away, and the tenancy is shown on trial at most four weeks
past its legal day (the settlement still dates from that day). Longer delays are for
the officer's review (the hearing's `trial_settled_on`)."""

BACKDATED_CHARGE_WEEKS = 4
"""How far back a tenancy's start may be for its rent to be charged when it is recorded
(ADR 0112): a tenancy signed on Monday and typed in on Wednesday, or a week or a few
late, owes those weeks; an older start is a go-live load of tenancies whose balances
were brought forward elsewhere, and is not charged back."""


class LandlordKind(StrEnum):
    """Which kind of social landlord runs Hearth: it decides which tenancy types the
    landlord can grant (`income.tenancies.rules.TYPES_GRANTED`, ADR 0150)."""

    COUNCIL = "council"
    HOUSING_ASSOCIATION = "housing_association"


NOTICE_PERIOD_FLOOR_DAYS: dict[TenancyType, int] = dict.fromkeys(TenancyType, 28)
"""The least time the law allows between serving a notice and the date it names after
which possession proceedings may begin, by tenancy type (ADR 0202): 28 days for every
type. A secure tenancy's notice (Housing Act 1985 s.83(5): no earlier than a notice to
quit, 4 weeks; a council's fixed-term tenancy is a flexible secure one) and an
introductory tenancy's notice of proceedings (Housing Act 1996 s.128(4), the same);
an assured (or starter, or a fixed-term association) tenancy's notice on the rent
arrears grounds 4 weeks since 1 May 2026 (Housing Act 1988 s.8 as amended by the
Renters' Rights Act 2025; 2 weeks before). A setting below its floor is refused at
start-up, naming the type and the law (`NOTICE_PERIOD_LAW`): a court application
sooner is struck out."""

NOTICE_PERIOD_LAW: dict[TenancyType, str] = {
    TenancyType.SECURE: "Housing Act 1985 s.83",
    TenancyType.INTRODUCTORY: "Housing Act 1996 s.128",
    TenancyType.ASSURED: "Housing Act 1988 s.8 as amended by the Renters' Rights Act 2025",
    TenancyType.STARTER: "Housing Act 1988 s.8 as amended by the Renters' Rights Act 2025",
    TenancyType.FIXED_TERM: "Housing Act 1985 s.83 for a council's, flexible, tenancy; "
    "Housing Act 1988 s.8 as amended by the Renters' Rights Act 2025 for an association's",
}
"""The law setting each type's floor, named when a setting below it is refused."""

NOTICE_PERIOD_DEFAULT_DAYS = 28
"""Every tenancy type's notice period by default: the law's least for every type since
the Renters' Rights Act 2025 (1 May 2026), so no landlord's court application goes
before its notice allows whatever its kind; a landlord may set longer, never shorter."""


def _shortest_months_days(months: int) -> int:
    """The fewest days from a day to the same day `months` calendar months later, as the
    ladder counts a notice's life (a day the later month lacks becomes its last, as
    `income.tenancies.rules.add_months`): over four years, a whole leap cycle."""

    def later(day: date) -> date:
        index = day.month - 1 + months
        year, month = day.year + index // 12, index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    first = date(2024, 1, 1)
    days = (first + timedelta(days=n) for n in range(4 * 366))
    return min((later(day) - day).days for day in days)


class ArrearsLadder(BaseModel):
    """The default arrears ladder, from a ruleset used in the sector (DOMAIN.md)."""

    text_reminder_pence: int = Field(default=500, ge=1, description="Text reminder at £5")
    letter_1_pence: int = Field(default=1000, ge=1, description="Letter 1 at £10")
    letter_2_after_days: int = Field(
        default=14, ge=0, description="Letter 2 at least this after letter 1"
    )
    letter_2_within_months: int = Field(
        default=3,
        ge=1,
        description="... and at most this many calendar months after it (the day 3 months "
        "on included), the days an arrangement held the ladder since not counted (ADR "
        "0219); later, letter 1 is sent again",
    )
    nosp_weeks_of_rent: int = Field(
        default=4, ge=1, description="A NOSP when arrears reach this many weeks of gross rent"
    )
    nosp_after_days: int = Field(default=7, ge=0, description="Letter 2 at least 1 week earlier")
    nosp_within_months: int = Field(
        default=3,
        ge=1,
        description="... and at most this many calendar months earlier (the day 3 months "
        "on included), the days an arrangement held the ladder since not counted (ADR "
        "0219); later, letter 2 is sent again",
    )
    nosp_live_months: int = Field(
        default=12,
        ge=1,
        description="A NOSP is live for 12 calendar months counting the day it was served",
    )
    court_warning_after_days: int = Field(
        default=28, ge=0, description="The court warning letter at least this after the NOSP"
    )
    court_application_after_days: int = Field(
        default=14, ge=0, description="Court application at least 2 weeks after the warning"
    )
    notice_period_days: dict[TenancyType, int] = Field(
        default_factory=lambda: dict.fromkeys(TenancyType, NOTICE_PERIOD_DEFAULT_DAYS),
        description="By tenancy type, the days between serving the notice of seeking "
        "possession and the date it names after which proceedings may begin: the court "
        "application goes no sooner than the day after (ADR 0202). 28 for every type by "
        "default; a type left out keeps 28; below the law's least (28 for every type, "
        "the assured ones since the Renters' Rights Act 2025) is refused at start-up",
    )
    new_tenancy_watch_weeks: int = Field(
        default=6, ge=0, description="A new tenancy's first weeks: personal contact, not letters"
    )
    check_interval_hours: int = Field(
        default=24,
        ge=1,
        description="How often a case is looked at; at the start of every London day too, "
        "whatever the interval, as steps fall due on London days",
    )

    RENAMED: ClassVar[dict[str, str]] = {
        "letter_2_within_days": "letter_2_within_months",
        "nosp_within_days": "nosp_within_months",
        "nosp_live_days": "nosp_live_months",
    }
    """Settings that counted days before DOMAIN.md's months were kept as months: one
    still set is refused at start-up rather than ignored, so a landlord's figure is
    never silently replaced by the default."""

    @model_validator(mode="before")
    @classmethod
    def _no_day_counts(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in cls.RENAMED.items():
                if old in data:
                    raise ValueError(f"{old} is now {new} (calendar months, DOMAIN.md)")
        return data

    @field_validator("notice_period_days", mode="before")
    @classmethod
    def _unset_notice_periods(cls, periods: Any) -> Any:
        """An empty value (`HEARTH_INCOME_LADDER__NOTICE_PERIOD_DAYS=`, as a deployment
        template leaves a setting it does not use) names no type: every type keeps 28,
        rather than the service refusing to start on JSON it cannot read."""
        if periods is None or (isinstance(periods, str) and not periods.strip()):
            return {}
        return periods

    @field_validator("notice_period_days")
    @classmethod
    def _notice_periods_the_law_allows(
        cls, periods: dict[TenancyType, int]
    ) -> dict[TenancyType, int]:
        """Every type named (those left out keep the default), none below its floor: a
        court application before the notice's date would be struck out (ADR 0202)."""
        for tenancy_type, days in periods.items():
            floor = NOTICE_PERIOD_FLOOR_DAYS[tenancy_type]
            if days < floor:
                raise ValueError(
                    f"notice_period_days.{tenancy_type} is at least {floor} days (the law's "
                    f"least notice for a {tenancy_type} tenancy, "
                    f"{NOTICE_PERIOD_LAW[tenancy_type]}, ADR 0202)"
                )
        return {t: periods.get(t, NOTICE_PERIOD_DEFAULT_DAYS) for t in TenancyType}

    @model_validator(mode="after")
    def _notice_periods_end_while_the_notice_is_live(self) -> ArrearsLadder:
        """No notice period longer than the notice is live (ADR 0202): the court
        application goes the day after the period ends and needs a live notice, so a
        period reaching the notice's last live day (in the shortest `nosp_live_months`
        calendar months) would make it never due: every case would go round letter 2,
        notice and warning for ever. Refused at start-up, naming the type."""
        longest = _shortest_months_days(self.nosp_live_months) - 2
        for tenancy_type, days in self.notice_period_days.items():
            if days > longest:
                raise ValueError(
                    f"notice_period_days.{tenancy_type} is at most {longest} days (the court "
                    f"application goes the day after it, while the notice is live for "
                    f"{self.nosp_live_months} months, ADR 0202)"
                )
        return self

    def notice_period_of(self, tenancy_type: TenancyType | None) -> int:
        """The notice period for `tenancy_type`; the longest configured when not known."""
        if tenancy_type is None:
            return max(self.notice_period_days.values())
        return self.notice_period_days[tenancy_type]


class IncomeSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_INCOME_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "income"

    landlord_kind: LandlordKind | None = Field(
        default=None,
        description="council or housing_association: the tenancy types a tenancy is "
        "recorded with are those this kind of landlord can grant (a council's secure, "
        "introductory and fixed-term; an association's assured, starter, fixed-term and "
        "secure; another is a 422 naming tenancy_type, ADR 0150). Required in production "
        "(no default: the service refuses to start without it); in development, unset "
        "takes every type, with a warning at start",
    )
    ladder: ArrearsLadder = Field(default_factory=ArrearsLadder)
    rent_free_weeks: list[date] = Field(
        default_factory=list,
        description="The landlord's rent-free weeks, each by its Monday (no rent is charged)",
    )
    rent_run_batch_size: int = Field(default=500, ge=1, le=5000)
    backdated_charge_weeks: int = Field(
        default=BACKDATED_CHARGE_WEEKS,
        ge=0,
        le=52,
        description="A tenancy recorded with its start in the past, at most this many weeks "
        "back, is charged the rent weeks from its start to the current one when it is "
        "recorded (rent-free weeks excepted); an older start is not charged back; 0 "
        "charges none back (ADR 0112). A tenancy loaded with its balance brought forward "
        "is never charged the weeks up to it, whatever this is (ADR 0132)",
    )
    arrangement_max_weeks: int = Field(
        default=104, ge=1, description="The longest an arrangement may take to clear the arrears"
    )
    arrangement_first_instalment_within_days: int = Field(
        default=31,
        ge=0,
        description="The first instalment falls due at most this many days after the "
        "arrangement is agreed (a month: a monthly payday always falls within it)",
    )
    arrangement_review_months: int = Field(
        default=3, ge=3, le=6, description="Arrangements are reviewed every 3 to 6 months"
    )
    arrangement_grace_days: int = Field(
        default=3,
        ge=0,
        description="An instalment not paid this many days after it fell due is missed",
    )
    trial_end_grace_days: int = Field(
        default=TRIAL_END_GRACE_DAYS,
        ge=0,
        le=92,
        description="How long after a notice's six months the trial-end job waits before "
        "settling a trial the notice kept open, for a claim issued on their last days to "
        "be recorded (the earliest hearing is 28 days after issue, CPR 55.5(3)); the "
        "tenancy is settled from the legal day however long it waits (ADR 0075)",
    )
    write_off_limit_pence: int = Field(
        default=100_000,
        ge=0,
        description="What an approver may write off on one account, all their write-offs "
        "there (not reversed) counted together, by default",
    )
    write_off_limits: dict[str, int] = Field(
        default_factory=dict, description="Approvers' own limits by staff id (subject)"
    )

    @field_validator("rent_free_weeks")
    @classmethod
    def _mondays(cls, weeks: list[date]) -> list[date]:
        if any(week.weekday() != 0 for week in weeks):
            raise ValueError("a rent-free week is named by its Monday")
        return weeks

    def require_landlord_kind(self) -> None:
        """InsecureConfiguration when production would start income's API without the
        landlord's kind (called as the app starts, after the kit's own refusals). No kind
        is a safe guess: a council's default would refuse every starter tenancy an
        association records, an association's every introductory one a council does, and
        the types a landlord can grant are a fact about it, not a tuning, so it is set,
        never defaulted (ADR 0150). The migrations, the relay and a projection rebuild
        record no tenancy and do not ask for it. A developer's machine without it takes
        every type, as before the setting, and says so at start."""
        if self.landlord_kind is not None:
            return
        if self.environment == "development":
            log.warning(
                "landlord kind not set: development takes every tenancy type, production "
                "refuses to start without it",
                setting="HEARTH_INCOME_LANDLORD_KIND",
            )
            return
        raise InsecureConfiguration(
            "Refusing to start in production without HEARTH_INCOME_LANDLORD_KIND: set it "
            "to council or housing_association, the kind of landlord granting the "
            "tenancies (it decides which tenancy types are taken: docs/adr/0150)"
        )

    def write_off_limit_of(self, approver: str) -> int:
        return self.write_off_limits.get(approver, self.write_off_limit_pence)


def settings_from_env() -> IncomeSettings:
    return IncomeSettings()
