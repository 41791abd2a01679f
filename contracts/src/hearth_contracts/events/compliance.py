"""Events published by the compliance service (topic hearth.compliance.events).

Compliance owns the asset register (homes, blocks, heating fuel, gas supply,
appliances, alarms), the safety checks and certificates (gas LGSR/CP12, EICR, smoke
and CO alarms, fire risk, asbestos, water, lifts), access attempts and the no-access
procedure. Every event here is keyed by the home's UPRN (a communal check names the
block's UPRN).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, Field

from hearth_contracts.events.base import Event
from hearth_contracts.events.repairs import RepairPriority
from hearth_contracts.events.visits import HazardSeverity, HazardType, Trade
from hearth_contracts.values import ContractorId, Uprn


class PropertyType(StrEnum):
    HOUSE = "house"
    FLAT = "flat"
    MAISONETTE = "maisonette"
    BUNGALOW = "bungalow"
    BEDSIT = "bedsit"


class Tenure(StrEnum):
    GENERAL_NEEDS = "general_needs"
    SHELTERED = "sheltered"
    SHARED_OWNERSHIP = "shared_ownership"
    LEASEHOLD = "leasehold"


class HeatingFuel(StrEnum):
    GAS = "gas"
    ELECTRIC = "electric"
    OIL = "oil"
    DISTRICT = "district"
    NONE = "none"


class GasSupply(StrEnum):
    LIVE = "live"
    CAPPED = "capped"
    NONE = "none"


class CheckType(StrEnum):
    """A kind of safety check, each with its own interval."""

    GAS_SAFETY = "gas_safety"
    """Landlord gas safety record (LGSR, CP12): at most 12 months after the last."""
    ELECTRICAL = "electrical"
    """Electrical installation condition report (EICR): at most every 5 years."""
    SMOKE_CO_ALARMS = "smoke_co_alarms"
    FIRE_RISK_ASSESSMENT = "fire_risk_assessment"
    ASBESTOS = "asbestos"
    WATER = "water"
    LIFT = "lift"


class CheckOutcome(StrEnum):
    SATISFACTORY = "satisfactory"
    UNSATISFACTORY = "unsatisfactory"


class NoAccessStep(StrEnum):
    """A step of the no-access procedure (the ladder and its day offsets are configured)."""

    APPOINTMENT_LETTER = "appointment_letter"
    SECOND_APPOINTMENT = "second_appointment"
    FINAL_WARNING = "final_warning"
    """Final warning letter and call."""
    HOUSING_OFFICER_VISIT = "housing_officer_visit"
    LEGAL_ACTION = "legal_action"
    """Legal action for access."""


class DefectClassification(StrEnum):
    """The classification a safety defect was given (gas industry and EICR codes)."""

    IMMEDIATELY_DANGEROUS = "immediately_dangerous"
    """Gas: ID, disconnected on the spot."""
    AT_RISK = "at_risk"
    """Gas: AR, turned off with consent."""
    NOT_TO_CURRENT_STANDARD = "not_to_current_standard"
    """Gas: NCS."""
    DANGER_PRESENT = "danger_present"
    """EICR: C1."""
    POTENTIALLY_DANGEROUS = "potentially_dangerous"
    """EICR: C2."""
    FURTHER_INVESTIGATION = "further_investigation"
    """EICR: FI."""
    IMPROVEMENT_RECOMMENDED = "improvement_recommended"
    """EICR: C3."""
    ALARM_FAULTY_OR_MISSING = "alarm_faulty_or_missing"
    OTHER = "other"


class PropertyRegistered(
    Event, service="compliance", name="property-registered", key="uprn", subject="uprn"
):
    """A home was added to the asset register. `needs_gas_safety_check` says whether
    compliance gives it an annual gas safety check, so a consumer need not work that out
    again from the gas supply (a capped supply with a landlord gas appliance still gets
    one)."""

    uprn: Uprn
    address_line_1: str = Field(min_length=1, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(min_length=1, max_length=100)
    postcode: str = Field(min_length=5, max_length=8)
    property_type: PropertyType
    tenure: Tenure = Tenure.GENERAL_NEEDS
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None = Field(default=None, max_length=64)
    needs_gas_safety_check: bool | None = Field(
        default=None,
        description="Compliance's own decision: the home gets an annual landlord gas safety "
        "check (a landlord-owned gas appliance, even on a capped supply; in a home let to a "
        "tenant also a live supply, or gas heating on a supply not capped; a leasehold or "
        "shared ownership home's supply is the leaseholder's). Null: not said (an event "
        "from before the field existed)",
    )
    registered_at: AwareDatetime


class PropertyUpdated(
    Event, service="compliance", name="property-updated", key="uprn", subject="uprn"
):
    """A home's entry in the asset register changed (a new heating fuel, a capped gas
    supply, a new block, a landlord gas appliance fitted or removed). Carries the whole
    current entry, with compliance's decision whether the home gets an annual gas safety
    check, so a consumer replaces its copy."""

    uprn: Uprn
    address_line_1: str = Field(min_length=1, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(min_length=1, max_length=100)
    postcode: str = Field(min_length=5, max_length=8)
    property_type: PropertyType
    tenure: Tenure
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None = Field(default=None, max_length=64)
    needs_gas_safety_check: bool | None = Field(
        default=None,
        description="Compliance's own decision: the home gets an annual landlord gas safety "
        "check (a landlord-owned gas appliance, even on a capped supply; in a home let to a "
        "tenant also a live supply, or gas heating on a supply not capped; a leasehold or "
        "shared ownership home's supply is the leaseholder's). Null: not said (an event "
        "from before the field existed)",
    )
    updated_at: AwareDatetime


class CheckDue(Event, service="compliance", name="check-due", key="uprn", subject="check_id"):
    """A safety check was raised as due ahead of the current certificate's expiry
    (by default 60 days ahead, or 90 for households with a history of not giving
    access)."""

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    due_by: date = Field(
        description="The last day the check is in time (ADR 0221): a certificate's expiry "
        "date (in date through it, overdue from the next day), a tenancy's first day for its "
        "alarm check. A check needed at once with no certificate (a first check, a supply "
        "uncapped: `certificate_expires_on` null, not an alarm check) is due by the day "
        "before it was raised: overdue already. Before 2026-12-01 an alarm or first check's "
        "was a day later (the first day late)"
    )
    certificate_expires_on: date | None = Field(
        default=None, description="When the current certificate expires; null for a first check"
    )
    early_for_access_history: bool = Field(
        default=False, description="Raised early because of the household's no-access history"
    )
    raised_at: AwareDatetime


class CheckCompleted(
    Event, service="compliance", name="check-completed", key="uprn", subject="check_id"
):
    """A safety check was carried out and its record (certificate) received.

    For gas, a check in the last 2 months before expiry keeps the old anniversary; an
    earlier one resets it: `next_due_by` is the result. The tenant gets a copy by
    `copy_to_tenant_by` (28 days).

    No longer published (compliance publishes CheckCompletedV2, whose `next_due_by` may
    be null); kept for the events already in the topic.
    """

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    outcome: CheckOutcome
    certificate_reference: str = Field(min_length=1, max_length=64)
    completed_at: AwareDatetime
    next_due_by: date
    copy_to_tenant_by: date
    defects_found: int = Field(default=0, ge=0)
    contractor_id: ContractorId | None = None
    visit_id: uuid.UUID | None = Field(
        default=None, description="The home visit it was paired with, if any"
    )


class CheckCompletedV2(
    Event,
    service="compliance",
    name="check-completed",
    version=2,
    key="uprn",
    subject="check_id",
):
    """A safety check was carried out and its record (certificate) received: v1 with
    `next_due_by` null for a home outside the landlord's programme.

    For gas, a check in the last 2 months before expiry keeps the old anniversary; an
    earlier one resets it: `next_due_by` is the result. The tenant gets a copy by
    `copy_to_tenant_by` (28 days). A second record or certificate of the same type the
    same day (a re-test after a repair, a corrected EICR: ADR 0139), or of another day
    naming the one it corrects (ADR 0158: `completed_at` is then the correction's), is
    announced again under the same `check_id`: the latest is the home's, no further
    check is completed, and the tenant is owed a copy of each record, the re-test's
    known by `retest_copy_id`. A new version because a v1 consumer requires
    `next_due_by`.
    """

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    outcome: CheckOutcome
    certificate_reference: str = Field(min_length=1, max_length=64)
    completed_at: AwareDatetime
    next_due_by: date | None = Field(
        default=None,
        description="When the next check is due. None: no next check in the landlord's "
        "programme (a home outside it: a leaseholder's supply, or a capped supply with no "
        "landlord appliance)",
    )
    copy_to_tenant_by: date
    defects_found: int = Field(default=0, ge=0)
    contractor_id: ContractorId | None = None
    visit_id: uuid.UUID | None = Field(
        default=None, description="The home visit it was paired with, if any"
    )


class WithdrawalReason(StrEnum):
    """Why an open check was withdrawn."""

    NO_LONGER_NEEDED = "no_longer_needed"
    """The home's register no longer calls for the check (tenure, e.g. a right to buy;
    gas supply capped; a landlord appliance removed; a communal feature gone)."""


class CheckWithdrawn(
    Event, service="compliance", name="check-withdrawn", key="uprn", subject="check_id"
):
    """An open check was withdrawn without a record: the home no longer needs it, so it
    is neither due nor overdue and no one should chase access for it."""

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    withdrawn_at: AwareDatetime
    reason: WithdrawalReason = WithdrawalReason.NO_LONGER_NEEDED


class CertificateExpired(
    Event, service="compliance", name="certificate-expired", key="uprn", subject="check_id"
):
    """A home's safety certificate expired with no new record: the home is overdue and
    stays on the overdue list until a new record arrives. Raised from the day after
    `expired_on` (London), the certificate being in date through its expiry date (ADR
    0221; before 2026-12-01 it was raised on `expired_on` itself)."""

    check_id: uuid.UUID = Field(description="The outstanding check that would renew it")
    uprn: Uprn
    check_type: CheckType
    expired_on: date = Field(
        description="The certificate's expiry date: the last day it was in date"
    )
    last_certificate_reference: str | None = Field(default=None, max_length=64)
    detected_at: AwareDatetime


class AccessFailed(
    Event, service="compliance", name="access-failed", key="uprn", subject="check_id"
):
    """The household did not give access to a home for a safety check. Each such
    attempt is sent; an attempt that failed for a reason not the household's (the
    home unsafe to enter, ADR 0197) is kept by compliance but not sent, so
    consumers never count it against the household."""

    check_id: uuid.UUID
    attempt_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    attempt_number: int = Field(ge=1)
    contractor_id: ContractorId | None = None
    attempted_at: AwareDatetime


def combined_appointment_attempt_id(visit_id: uuid.UUID, visit_attempt: int) -> uuid.UUID:
    """The `attempt_id` access-failed carries for the gas check's attempt at a combined
    appointment (a full visit booked with the gas check) that got no access: derived
    from the visit's id and the visit's own attempt number, so compliance records the
    trip once however often visit-no-access is delivered, and visits, which counts the
    same trip from its own no-access visit, can tell it is not a second one (ADR 0199).
    Part of the contract: both services derive it here."""
    return uuid.uuid5(visit_id, f"visit-no-access:{visit_attempt}")


class AccessEscalated(
    Event, service="compliance", name="access-escalated", key="uprn", subject="check_id"
):
    """The no-access procedure for a check moved to its next step (a letter, a second
    appointment, a final warning, a housing officer visit, legal action for access)."""

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    step: NoAccessStep
    step_number: int = Field(ge=1)
    certificate_expires_on: date | None = None
    escalated_at: AwareDatetime


class SafetyDefectFound(
    Event, service="compliance", name="safety-defect-found", key="uprn", subject="defect_id"
):
    """A defect was found at a safety check (an unsafe appliance, say); repairs raises an
    emergency or urgent repair for it. `description` is about the installation, never
    about the household."""

    defect_id: uuid.UUID
    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    classification: DefectClassification
    priority: RepairPriority = Field(description="The priority of the repair to raise")
    trade: Trade
    location: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=2000)
    made_safe: bool = Field(description="Made safe on the spot (capped, disconnected)")
    remedy_by: AwareDatetime | None = Field(
        default=None, description="When the remedial work is due (EICR: within 28 days)"
    )
    found_at: AwareDatetime


class AlarmKind(StrEnum):
    """A smoke or carbon monoxide alarm."""

    SMOKE = "smoke"
    CARBON_MONOXIDE = "carbon_monoxide"


class RequiredAlarmMissing(
    Event, service="compliance", name="required-alarm-missing", key="uprn", subject="alarm_id"
):
    """The asset register shows a home let to a tenant without an alarm the law requires
    (a smoke alarm on a storey with living space, a CO alarm in a room with a fixed
    combustion appliance): repairs raises a repair at `priority` to fit it, once per
    `alarm_id`. Published once when the register first shows it missing, not again while
    it stays missing; only after the register showed it fitted (or no longer required)
    and then missing again, under a new `alarm_id` (docs/adr/0109). The register is shown
    it by a PATCH, or by a gas engineer's alarm test (docs/adr/0121): the alarm's one
    repair, whoever found it first, so the record sends no safety-defect-found for it
    (docs/adr/0120). No check id: a defect the register does not raise is
    safety-defect-found."""

    alarm_id: uuid.UUID = Field(description="This alarm's absence, from when it was seen")
    uprn: Uprn
    kind: AlarmKind
    storey: int | None = Field(
        default=None, ge=0, description="A smoke alarm's storey (0: the ground floor)"
    )
    priority: RepairPriority = Field(description="The priority of the repair to raise")
    trade: Trade
    location: str = Field(
        min_length=1,
        max_length=100,
        description="Where it is to be fitted: the storey, or the appliance's room as the "
        "register names it",
    )
    description: str = Field(min_length=1, max_length=2000)
    found_at: AwareDatetime = Field(
        description="When the register first showed it missing (a gas visit's moment when "
        "the engineer's test showed it)"
    )


class HazardFoundAtCheck(
    Event, service="compliance", name="hazard-found", key="uprn", subject="hazard_id"
):
    """A hazard (damp and mould above all) the engineer saw at a safety check, recorded
    with its record: repairs opens an Awaab's Law case for an emergency hazard or
    significant damp and mould, its clock from when the engineer saw it
    (`identified_at`: the check's day, never the upload), or records significant damp
    and mould on the home's open damp case (ADR 0193). Codes only: the room and the
    engineer's description stay with the record in compliance."""

    hazard_id: uuid.UUID
    uprn: Uprn
    check_id: uuid.UUID
    record_id: uuid.UUID
    check_type: CheckType
    hazard_type: HazardType
    severity: HazardSeverity
    identified_at: AwareDatetime


class CheckOverdueEscalated(
    Event, service="compliance", name="check-overdue-escalated", key="uprn", subject="check_id"
):
    """A check has been overdue longer than the escalation period (by default 3 months
    past its due date) with no new record: escalated to management. `due_by` is the last
    day the check was in time and its age is counted from it (ADR 0221): escalated the
    day after the anniversary (ADR 0195)."""

    check_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    due_by: date = Field(description="The last day the check was in time (as check-due's)")
    days_overdue: int = Field(
        ge=0, description="Days since `due_by`: 1 on the first day overdue, the day after it"
    )
    escalated_at: AwareDatetime


class CombinedAppointmentOffered(
    Event,
    service="compliance",
    name="combined-appointment-offered",
    key="uprn",
    subject="check_id",
):
    """A home visit was scheduled to a home whose gas check falls due in the pairing
    window: compliance offers to do the gas check in the same appointment. Visits
    answers by naming the check in the visit (visit-scheduled `paired_check_id`)."""

    check_id: uuid.UUID
    visit_id: uuid.UUID
    uprn: Uprn
    check_type: CheckType
    due_by: date = Field(
        description="The gas check's due date: the certificate's expiry date, the last day "
        "it is in time (ADR 0221)"
    )
    scheduled_start: AwareDatetime
    scheduled_end: AwareDatetime
    offered_at: AwareDatetime


def retest_copy_id(check_id: uuid.UUID, certificate_reference: str) -> uuid.UUID:
    """The id of the household's copy of a check's later record (a same-day re-test
    after a repair, announced again under the same check id with a new certificate
    reference); the copy of the check's first record is known by the check id. One
    definition for both ends: engagement writes and sends the copy under it (the
    `copy_id` of tenant-copy-sent) and compliance tracks its 28 days under it. The same
    for the same check and reference, so a replay owes and writes nothing twice."""
    return uuid.uuid5(check_id, f"record-copy:{certificate_reference}")


class TenantCopyRequested(
    Event, service="compliance", name="tenant-copy-requested", key="uprn", subject="copy_id"
):
    """A new tenancy began in a home with a current gas safety record or EICR: its
    tenants get a copy of the record before they move in (by `copy_by`, the tenancy's
    start date), one event for each record (`check_type` says which). Engagement sends
    it to the tenants named and answers tenant-copy-sent with `copy_id`."""

    copy_id: uuid.UUID = Field(description="The copy asked for (named again in tenant-copy-sent)")
    check_id: uuid.UUID = Field(description="The check the record closed")
    record_id: uuid.UUID = Field(description="The gas safety record or the EICR")
    uprn: Uprn
    check_type: CheckType
    tenancy_id: uuid.UUID
    person_ids: list[uuid.UUID] = Field(
        min_length=1, description="The tenants to send it to, by the platform's person ids"
    )
    certificate_reference: str = Field(min_length=1, max_length=64)
    check_date: date
    expires_on: date
    copy_by: date = Field(description="The tenancy's start date: before they move in")
    requested_at: AwareDatetime
