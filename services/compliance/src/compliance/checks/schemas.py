"""Request and response models for the programme's checks and access attempts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from compliance.checks.rules import CheckStatus, GasStatus
from compliance.models import AccessOutcome, Subject
from compliance.tenant_copies.schemas import TenantCopyPublic
from hearth_contracts.events.compliance import AlarmKind, CheckOutcome, CheckType
from hearth_contracts.values import ContractorId
from hearth_kit.strict_types import WHOLE_NUMBER, StrictBoolean, StrictDay, StrictMoment, given
from hearth_kit.text_patterns import HAS_WORDS


class ListedCheckType(StrEnum):
    """What `GET /v1/compliance/checks?type=` takes: a check type, or `gas`, issue 7's
    spelling of `gas_safety` (both list the gas checks)."""

    GAS = "gas"
    GAS_SAFETY = CheckType.GAS_SAFETY.value
    ELECTRICAL = CheckType.ELECTRICAL.value
    SMOKE_CO_ALARMS = CheckType.SMOKE_CO_ALARMS.value
    FIRE_RISK_ASSESSMENT = CheckType.FIRE_RISK_ASSESSMENT.value
    ASBESTOS = CheckType.ASBESTOS.value
    WATER = CheckType.WATER.value
    LIFT = CheckType.LIFT.value

    @property
    def check_type(self) -> CheckType:
        """The check type this value lists."""
        return CheckType.GAS_SAFETY if self is ListedCheckType.GAS else CheckType(self.value)


class ListedStatus(StrEnum):
    """What `GET /v1/compliance/checks?status=` lists."""

    DUE = "due"
    """Inside the lead time, not yet past the date it must be done by."""
    OVERDUE = "overdue"
    """Past the date it must be done by (the overdue list, with ages)."""
    EXPIRED = "expired"
    """Overdue with a certificate that has lapsed."""


class CheckPublic(BaseModel):
    """A check in the programme: one cycle, open until its record arrives."""

    id: uuid.UUID
    uprn: str
    subject: Subject
    check_type: CheckType
    status: CheckStatus
    due_by: date = Field(description="The day it must be done by (the certificate's expiry)")
    due_from: date = Field(description="The day it is raised as due (its lead time)")
    certificate_expires_on: date | None
    last_certificate_reference: str | None
    days_overdue: int
    escalated: bool
    completed_at: datetime | None
    record_id: uuid.UUID | None
    access_attempts: int
    no_access_attempts: int
    no_access_step: int = Field(description="Steps of the no-access ladder taken so far")
    next_no_access_step_on: date | None
    contractor_id: str | None
    paired_visit_id: uuid.UUID | None
    appointment_start: datetime | None = Field(
        description="The combined appointment's slot, when paired with a home visit"
    )
    appointment_end: datetime | None
    version: int = Field(
        default=1,
        description="The version of the contractor assignment: the check's ETag is "
        '`"<version>"` (If-Match on PUT .../contractor)',
    )
    tenant_copy_by: date | None = Field(
        default=None,
        description="A completed gas check or EICR of a home: the household's copy of the "
        "record is due by this day (28 days; in the home's view only)",
    )
    tenant_copy_sent_at: datetime | None = Field(
        default=None, description="When engagement sent the household its copy; null until then"
    )
    tenant_copy_sent_on_time: bool | None = Field(
        default=None, description="Sent on or before `tenant_copy_by`; null until sent"
    )


class HomeCompliance(BaseModel):
    """Every check of a home (or block), its status and expiry."""

    uprn: str
    gas_status: GasStatus | None = Field(description="None for a block")
    gas_check_status: CheckStatus | None = Field(
        description="The open gas check's status (None when the home needs no gas check)"
    )
    checks: list[CheckPublic]
    tenant_copies: list[TenantCopyPublic] = Field(
        default_factory=list,
        description="Every tenant's copy of the home's records (the household's within 28 "
        "days, a new tenancy's before moving in), latest deadline first",
    )


class AccessAttemptCreate(BaseModel):
    """An attempt to get into a home for a check: when, who, what happened."""

    model_config = ConfigDict(extra="forbid")

    attempted_at: StrictMoment = Field(
        description="When the attempt was made: not in the future, nor before the check's "
        "cycle began (when the check before it was done)"
    )
    attempted_by: str = Field(
        min_length=1,
        pattern=HAS_WORDS,
        max_length=64,
        description="Staff or engineer id (never a name)",
    )
    outcome: AccessOutcome
    card_left: StrictBoolean = False


class AccessAttemptPublic(AccessAttemptCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    check_id: uuid.UUID
    uprn: str
    attempt_number: int
    recorded_at: datetime
    contractor_id: str | None = Field(
        default=None,
        description="The contractor whose token recorded the attempt; null when staff "
        "recorded it, or it came from a visit (ADR 0198)",
    )
    # As stored: one kept before whitespace alone was refused is still shown.
    attempted_by: str = Field(
        min_length=1, max_length=64, description="Staff or engineer id (never a name)"
    )


class AccessAttemptRecord(AccessAttemptPublic):
    """An attempt as staff read it back (GET .../access-attempts): the evidence of every
    attempt, with who typed it in (ADR 0194)."""

    recorded_by: str | None = Field(
        description="Who recorded the attempt: the caller's token subject (a staff or "
        "engineer id, never a resident); null for one taken from a visit's no access "
        "(`attempted_by` names the visit) or kept before who recorded was kept (ADR 0198)"
    )


class ContractorAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contractor_id: ContractorId = Field(pattern=HAS_WORDS)


class CrossCheckItem(BaseModel):
    """A home with gas in the register, or a block with a communal boiler, and no open gas
    check in the programme."""

    uprn: str
    subject: Subject = Field(
        default=Subject.HOME, description="home, or block: a block's communal boiler"
    )
    heating_fuel: str | None = Field(description="The home's; null for a block")
    gas_supply: str | None = Field(description="The home's; null for a block")
    gas_status: GasStatus = Field(description="annual for a block's communal boiler")


class CertificateDefectClassification(StrEnum):
    """EICR codes, and a faulty or missing alarm."""

    DANGER_PRESENT = "danger_present"
    """C1: an emergency repair."""
    POTENTIALLY_DANGEROUS = "potentially_dangerous"
    """C2: an urgent repair, remedied within 28 days."""
    FURTHER_INVESTIGATION = "further_investigation"
    """FI: an urgent investigation, within 28 days."""
    IMPROVEMENT_RECOMMENDED = "improvement_recommended"
    """C3: recorded, no repair raised."""
    ALARM_FAULTY_OR_MISSING = "alarm_faulty_or_missing"
    OTHER = "other"
    """Recorded, no repair raised."""


def _which_alarm_rules(schema: dict[str, Any]) -> None:
    """The document states what the service refuses (checks.service._alarms_placed):
    `alarm_kind` only on an alarm_faulty_or_missing defect, `storey` only with
    `alarm_kind` smoke."""
    schema["allOf"] = [
        {
            "if": given("alarm_kind"),
            "then": {"properties": {"classification": {"const": "alarm_faulty_or_missing"}}},
        },
        {
            "if": given("storey"),
            "then": {
                "required": ["alarm_kind"],
                "properties": {"alarm_kind": {"const": AlarmKind.SMOKE.value}},
            },
        },
    ]


class CertificateDefectIn(BaseModel):
    """A defect an EICR or another check found, with its code."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_which_alarm_rules)

    classification: CertificateDefectClassification = Field(
        description="C1, C2, FI or alarm_faulty_or_missing raise a repair; "
        "improvement_recommended (C3) and other are recorded. On the smoke and CO alarm "
        "check other is refused, 422 naming it: a finding there is an alarm's fault or an "
        "observation (ADR 0196)"
    )
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    description: str = Field(
        min_length=1,
        pattern=HAS_WORDS,
        max_length=2000,
        description="About the installation, never the household",
    )
    alarm_kind: Literal["smoke", "carbon_monoxide"] | None = Field(
        default=None,
        description="An alarm_faulty_or_missing defect only (else 422 naming it): which "
        "alarm, smoke or carbon_monoxide (its `location` the room, as the register names "
        "rooms). With it, an alarm the home's register already has a repair for (a missing "
        "alarm's, ADR 0109) raises no second one (ADR 0126); without it, its own repair, "
        "and refused (422 naming it) where the register has such a repair not yet done "
        "(ADR 0153)",
    )
    storey: Annotated[int, Field(ge=0, lt=60), WHOLE_NUMBER] | None = Field(
        default=None,
        description="A smoke alarm's storey (0 = ground floor), with `alarm_kind` smoke only "
        "(else 422 naming it); a home of one storey with living space takes 0, and at a home "
        "of several one left out is refused, 422 naming it (ADR 0126)",
    )


class CertificateCreate(BaseModel):
    """The record of a check other than gas (EICR, fire risk assessment, asbestos, water,
    lift, alarms)."""

    model_config = ConfigDict(extra="forbid")

    done_on: StrictDay = Field(
        description="The day of the check (never in the future, nor before the latest "
        "certificate of its type held for the home or block, nor further back than the "
        "register goes for its type: 24 months, an EICR 60, by default; configuration)"
    )
    checked_at: StrictMoment | None = Field(
        default=None,
        description="When the check was done, on `done_on` in London and never in the "
        "future: its defects' repair clocks and check-completed's `completed_at` start "
        "here; without it, at the start of `done_on` in London (never the upload)",
    )
    certificate_reference: str = Field(min_length=1, pattern=HAS_WORDS, max_length=64)
    outcome: CheckOutcome = Field(
        description="The report's overall assessment. An EICR is unsatisfactory exactly "
        "when `defects` holds a C1, C2 or FI observation (BS 7671): sent as satisfactory "
        "with one, or as unsatisfactory with none, it is refused (422 naming outcome)"
    )
    defects: list[CertificateDefectIn] = Field(default_factory=list, max_length=50)
    next_check_by: StrictDay | None = Field(
        default=None,
        description="The day the report gives for the next check when it is sooner than "
        "the type's interval (an EICR asking for re-inspection in 3 years: the law's "
        "interval is then the report's): the next cycle is due by it. After `done_on` and "
        "no later than the interval from it (an EICR 60 months by default); a one-off "
        "check (alarms) takes none. Without it, the interval from `done_on`",
    )
    corrects: uuid.UUID | None = Field(
        default=None,
        description="The id of the certificate this one corrects (a contractor's corrected "
        "report), when it is dated another day than that one (a mistyped day): it replaces "
        "that certificate on the cycle it completed, for the expiry and the programme, and "
        "is not a new check (ADR 0158). The certificate named must be the latest of its "
        "type held for the check's home or block, not corrected already, and done no later "
        "than `done_on`; else 422 naming `corrects` (unknown, another home's or another "
        "type's; `done_on` when dated before it) or 409 (corrected already, or a newer one "
        "held). Without it, one done the day of the latest replaces it as well (ADR 0139)",
    )


class CertificatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    check_id: uuid.UUID
    uprn: str
    check_type: CheckType
    done_on: date
    checked_at: datetime | None = Field(
        description="When the check was done, as the certificate said; null when it gave "
        "no time (its findings count from the start of `done_on` in London)"
    )
    certificate_reference: str
    outcome: CheckOutcome
    contractor_id: str | None
    expires_on: date | None = Field(description="The next due date (None for a one-off check)")
    copy_to_tenant_by: date
    recorded_at: datetime
    corrects_id: uuid.UUID | None = Field(
        default=None, description="The certificate it corrects, when sent with `corrects`"
    )
    defects_found: int = 0
