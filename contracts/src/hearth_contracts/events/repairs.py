"""Events published by the repairs service (topic hearth.repairs.events).

Repairs owns repair requests and work orders, priorities and target dates,
appointments, contractor assignment, completions, recharges, and the damp and mould
cases run under Awaab's Law. Every event here is keyed by the home's UPRN.

Alerts an operative needs about a person are codes, never free text about them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, PlainSerializer, WithJsonSchema

from hearth_contracts.events.base import Event, EventPart
from hearth_contracts.events.visits import HazardSeverity, HazardType, Trade
from hearth_contracts.values import ContractorId, PositivePence, Uprn


class RepairPriority(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    PLANNED = "planned"


# Where a repair came from, as version 1 of repair-reported and repair-completed say
# it: frozen (a complaint as a source is RepairSourceV2, in the v2 events).
class RepairSource(StrEnum):
    HOME_VISIT = "home_visit"
    CONTACT_CENTRE = "contact_centre"
    ONLINE = "online"
    SAFETY_CHECK = "safety_check"


class RepairSourceV2(StrEnum):
    """Where a repair came from: the contact centre, online self-service, a home visit,
    a safety check (a gas or other safety defect), or a complaint."""

    HOME_VISIT = "home_visit"
    CONTACT_CENTRE = "contact_centre"
    ONLINE = "online"
    SAFETY_CHECK = "safety_check"
    COMPLAINT = "complaint"


def _quantity_json(quantity: Decimal) -> int | float:
    """A whole quantity as a JSON integer (as version 1 sent it), else a number with at
    most two decimal places."""
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


SorQuantity = Annotated[
    Decimal,
    Field(
        gt=0,
        le=10_000,
        max_digits=7,
        decimal_places=2,
        description="In the SOR item's unit: more than 0, at most 10,000, at most two "
        "decimal places (2.5 square metres of plastering)",
        examples=[2, 2.5],
    ),
    PlainSerializer(_quantity_json, return_type=int | float, when_used="json"),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 10_000,
            "description": "In the SOR item's unit: more than 0, at most 10,000, at most "
            "two decimal places (2.5 square metres of plastering)",
            "examples": [2, 2.5],
        }
    ),
]
"""How much of a Schedule of Rates item: a decimal with at most two places, sent in
JSON as a number."""


class AppointmentSlot(StrEnum):
    """The kind of slot offered: AM / PM, a 2-hour slot, an evening or all day.
    (Saturdays are told by the date.)"""

    AM = "am"
    PM = "pm"
    TWO_HOUR = "two_hour"
    EVENING = "evening"
    ALL_DAY = "all_day"


class MissedBy(StrEnum):
    """Who did not keep the appointment."""

    LANDLORD = "landlord"
    """The landlord or its contractor (counts against appointments kept)."""
    RESIDENT = "resident"
    """Nobody gave access."""


class MissedReason(StrEnum):
    NO_ACCESS = "no_access"
    OPERATIVE_DID_NOT_ATTEND = "operative_did_not_attend"
    OPERATIVE_LATE = "operative_late"
    CANCELLED_LATE_BY_LANDLORD = "cancelled_late_by_landlord"
    MATERIALS_UNAVAILABLE = "materials_unavailable"
    WRONG_TRADE = "wrong_trade"
    OTHER = "other"


class CancellationReason(StrEnum):
    """Why a booked appointment was cancelled before it took place (a code, never free
    text about the household)."""

    RESIDENT_REQUESTED = "resident_requested"
    """The household asked for it to be cancelled."""
    WORK_NOT_NEEDED = "work_not_needed"
    """The work is no longer needed (already put right, or raised in error)."""


class RechargeReason(StrEnum):
    """Why the household is recharged."""

    DAMAGE_BY_HOUSEHOLD = "damage_by_household"
    LOST_KEYS_OR_LOCKOUT = "lost_keys_or_lockout"
    CLEARANCE_OF_ITEMS = "clearance_of_items"
    UNAUTHORISED_ALTERATION = "unauthorised_alteration"
    OTHER = "other"


class AwaabMilestone(StrEnum):
    """A deadline on an Awaab's Law hazard case."""

    MAKE_SAFE = "make_safe"
    """Emergency hazard: investigate and make safe (or rehouse) within 24 hours."""
    INVESTIGATE = "investigate"
    """Significant hazard: investigate within 10 working days of becoming aware."""
    WRITTEN_SUMMARY = "written_summary"
    """Written summary to the tenant within 3 working days of the investigation."""
    BEGIN_SAFETY_WORK = "begin_safety_work"
    """Begin safety work within 5 working days of the investigation."""
    START_FURTHER_WORK = "start_further_work"
    """Further work physically started within 12 weeks."""
    COMPLETE_WORK = "complete_work"
    """Work finished within the reasonable period set for the case."""


class AwarenessSource(StrEnum):
    """How the landlord became aware of a hazard (the moment its clock starts)."""

    HOME_VISIT = "home_visit"
    REPAIR_VISIT = "repair_visit"
    SAFETY_CHECK = "safety_check"
    CONTACT_CENTRE = "contact_centre"
    ONLINE = "online"
    COMPLAINT = "complaint"


class RepairReported(
    Event, service="repairs", name="repair-reported", key="uprn", subject="repair_id"
):
    """A repair request was raised, with its priority and target date."""

    repair_id: uuid.UUID
    uprn: Uprn
    description: str = Field(min_length=1, max_length=2000)
    location: str = Field(min_length=1, max_length=100)
    trade: Trade
    priority: RepairPriority
    source: RepairSource
    reported_at: AwareDatetime
    target_at: AwareDatetime = Field(description="When the repair must be completed by")
    appointment_request_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None


class RepairReportedV2(
    Event,
    service="repairs",
    name="repair-reported",
    version=2,
    key="uprn",
    subject="repair_id",
):
    """A repair request was raised, with its priority and target date. Version 2 adds
    a complaint as a source (with the complaint's id when known). Superseded by v3,
    which carries no free text: repairs publishes v3 alone."""

    repair_id: uuid.UUID
    uprn: Uprn
    description: str = Field(min_length=1, max_length=2000)
    location: str = Field(min_length=1, max_length=100)
    trade: Trade
    priority: RepairPriority
    source: RepairSourceV2
    reported_at: AwareDatetime
    target_at: AwareDatetime = Field(description="When the repair must be completed by")
    appointment_request_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
    complaint_id: uuid.UUID | None = Field(
        default=None, description="The complaint (engagement) it was reported in, if any"
    )


class RepairReportedV3(
    Event,
    service="repairs",
    name="repair-reported",
    version=3,
    key="uprn",
    subject="repair_id",
):
    """A repair request was raised, with its priority and target date. Version 3 carries
    no free text: the description and location typed by a resident or an officer (which
    often name people) stay in repairs, GET /v1/repairs/{repair_id}; the trade says what
    kind of work it is (docs/adr/0048). Repairs publishes v3 alone; v1 and v2 events
    still on the topic carry the description."""

    repair_id: uuid.UUID
    uprn: Uprn
    trade: Trade
    priority: RepairPriority
    source: RepairSourceV2
    reported_at: AwareDatetime
    target_at: AwareDatetime = Field(description="When the repair must be completed by")
    appointment_request_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
    complaint_id: uuid.UUID | None = Field(
        default=None, description="The complaint (engagement) it was reported in, if any"
    )


class AppointmentBooked(
    Event, service="repairs", name="appointment-booked", key="uprn", subject="appointment_id"
):
    """An appointment was booked with the household for one or more repairs at a home.

    Open work at one home is offered in one appointment where the trades allow, so one
    appointment can cover several repairs. A rebooking names the appointment it replaces.
    """

    appointment_id: uuid.UUID
    uprn: Uprn
    repair_ids: list[uuid.UUID] = Field(min_length=1)
    contractor_id: ContractorId | None = None
    slot: AppointmentSlot
    window_start: AwareDatetime
    window_end: AwareDatetime
    made_at_first_contact: bool = Field(
        description="Booked during the contact that reported the repair (target 90%)"
    )
    rebooked_from_appointment_id: uuid.UUID | None = None
    booked_at: AwareDatetime


class AppointmentMissed(
    Event, service="repairs", name="appointment-missed", key="uprn", subject="appointment_id"
):
    """A repair appointment was not kept, by the landlord's side or for want of access.
    `missed_at` is when it happened (the no-access visit, the moment staff say it was
    missed, a contractor's late move), never before `window_start` nor after
    `recorded_at`, when repairs recorded it; null on events published before it was
    added, whose moment is not known (not `recorded_at`). Published again, the same
    `missed_at` and a later `recorded_at`, when staff confirm the household asked for
    the contractor's late move that missed it (`missed_by` resident, ADR 0129): an
    appointment's latest by `recorded_at` stands."""

    appointment_id: uuid.UUID
    uprn: Uprn
    repair_ids: list[uuid.UUID] = Field(min_length=1)
    contractor_id: ContractorId | None = None
    window_start: AwareDatetime
    window_end: AwareDatetime
    missed_by: MissedBy
    reason: MissedReason
    recorded_at: AwareDatetime
    missed_at: AwareDatetime | None = Field(
        default=None,
        description="When the appointment was missed: the visit that found no one in, "
        "the outcome's occurred_at, or the contractor's `at` moving it once its window "
        "had started (its window's end, if the move came after it). Null only on events "
        "published before it was added",
    )


class AppointmentCancelled(
    Event, service="repairs", name="appointment-cancelled", key="uprn", subject="appointment_id"
):
    """A booked appointment was cancelled before it took place: its slot is free again
    and its repairs need another appointment (or none, when the work is not needed).
    `cancelled_at` is when the household asked (or the landlord decided), never after
    `recorded_at`."""

    appointment_id: uuid.UUID
    uprn: Uprn
    repair_ids: list[uuid.UUID] = Field(min_length=1)
    contractor_id: ContractorId | None = None
    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: CancellationReason
    cancelled_at: AwareDatetime
    recorded_at: AwareDatetime


class RepairCompleted(
    Event, service="repairs", name="repair-completed", key="uprn", subject="repair_id"
):
    """A repair was completed, with whether it was on time and right first time.

    `completed_on_time` is the regulator's RP02 measure (reported separately for
    emergency and other priorities); `right_first_time` means no follow-on visit was
    needed (no-access visits are left out of that measure).
    """

    repair_id: uuid.UUID
    uprn: Uprn
    trade: Trade
    priority: RepairPriority
    source: RepairSource
    contractor_id: ContractorId | None = None
    reported_at: AwareDatetime
    target_at: AwareDatetime
    completed_at: AwareDatetime
    completed_on_time: bool
    right_first_time: bool
    follow_on_required: bool = False
    variation: bool = Field(
        default=False, description="More work than ordered was approved and done"
    )
    communal: bool = Field(
        default=False,
        description="A repair to a block's communal areas. Not yet set: always false "
        "(repairs does not yet know which repairs are communal)",
    )
    visit_id: uuid.UUID | None = Field(default=None, description="The home visit that found it")
    safety_defect_id: uuid.UUID | None = Field(
        default=None, description="The safety defect (from compliance) this repair remedied"
    )


class RepairCompletedV2(
    Event,
    service="repairs",
    name="repair-completed",
    version=2,
    key="uprn",
    subject="repair_id",
):
    """A repair was completed (when its last open work order is closed, completed or
    cancelled by staff, as of its latest completion: ADR 0141), with whether it was on
    time and right first time. Version 2 adds a complaint as a source (with the
    complaint's id when known); repairs publishes v2 alone, and consumers handle v1
    events still on the topic as they handle v2.

    `completed_on_time` is the regulator's RP02 measure (reported separately for
    emergency and other priorities); `right_first_time` means no follow-on visit was
    needed (no-access visits are left out of that measure).
    """

    repair_id: uuid.UUID
    uprn: Uprn
    trade: Trade
    priority: RepairPriority
    source: RepairSourceV2
    contractor_id: ContractorId | None = None
    reported_at: AwareDatetime
    target_at: AwareDatetime
    completed_at: AwareDatetime
    completed_on_time: bool
    right_first_time: bool
    follow_on_required: bool = False
    variation: bool = Field(
        default=False, description="More work than ordered was approved and done"
    )
    communal: bool = Field(
        default=False,
        description="A repair to a block's communal areas (`uprn` is then the block's): one "
        "raised at a UPRN the asset register gives as a block's, whatever its source (a "
        "communal issue's triage, a report, a safety defect at a communal check; "
        "docs/adr/0044). Engagement then asks one resident of each household in the "
        "block's homes how it went",
    )
    visit_id: uuid.UUID | None = Field(default=None, description="The home visit that found it")
    safety_defect_id: uuid.UUID | None = Field(
        default=None, description="The safety defect (from compliance) this repair remedied"
    )
    complaint_id: uuid.UUID | None = Field(
        default=None, description="The complaint (engagement) it was reported in, if any"
    )


class RechargeRaised(
    Event, service="repairs", name="recharge-raised", key="uprn", subject="recharge_id"
):
    """Damage caused by the household is recharged; income invoices the recharge.

    Raised only after the household's vulnerability was considered.
    """

    recharge_id: uuid.UUID
    repair_id: uuid.UUID
    uprn: Uprn
    tenancy_id: uuid.UUID | None = Field(
        default=None,
        description="The household's tenancy, for a recharge held for a manager's approval "
        "(a recorded vulnerability) whose flags name one: the household that was held, "
        "charged even if it has left by the approval. Null otherwise (raised at once, or "
        "flags naming no one tenancy): income takes the tenancy last in the home on the "
        "day of raised_at",
    )
    amount_pence: PositivePence
    reason: RechargeReason
    vulnerability_considered: bool
    raised_at: AwareDatetime


class DampMouldCaseOpened(
    Event, service="repairs", name="damp-mould-case-opened", key="uprn", subject="case_id"
):
    """An Awaab's Law case was opened (significant damp and mould, or an emergency
    hazard of any kind: `hazard_type` says which); its clocks start from
    `became_aware_at`, the moment the landlord became aware of the hazard."""

    case_id: uuid.UUID
    uprn: Uprn
    severity: HazardSeverity
    source: AwarenessSource
    hazard_id: uuid.UUID | None = Field(
        default=None, description="The hazard found on a home visit, if it came from one"
    )
    hazard_type: HazardType | None = Field(
        default=None,
        description="The kind of hazard: damp_and_mould, or for an emergency case any other "
        "(electrical, fire, gas_or_carbon_monoxide, falls...). Null: not said (an event from "
        "before the field existed, or a hazard whose kind repairs was not told)",
    )
    repair_id: uuid.UUID | None = Field(
        default=None,
        description="Not yet set: always null (a case opens before any repair is raised for it)",
    )
    became_aware_at: AwareDatetime
    investigate_by: AwareDatetime = Field(
        description="24 hours for an emergency hazard, else 10 working days"
    )
    opened_at: AwareDatetime


class HazardDeadlineBreached(
    Event, service="repairs", name="hazard-deadline-breached", key="uprn", subject="case_id"
):
    """An Awaab's Law deadline on a hazard case passed without the step being done."""

    case_id: uuid.UUID
    uprn: Uprn
    milestone: AwaabMilestone
    severity: HazardSeverity
    clock_started_at: AwareDatetime = Field(description="The moment this deadline counts from")
    due_at: AwareDatetime = Field(description="The deadline, after any recorded pauses")
    breached_at: AwareDatetime


class AlertCode(StrEnum):
    """An alert an operative needs, as a code (never free text about the person)."""

    NO_LONE_WORKING = "no_lone_working"
    DOG_ON_PREMISES = "dog_on_premises"
    ASBESTOS_PRESENT = "asbestos_present"
    HEARING_IMPAIRED = "hearing_impaired"
    SIGHT_IMPAIRED = "sight_impaired"
    MOBILITY_NEEDS = "mobility_needs"
    INTERPRETER_NEEDED = "interpreter_needed"
    VULNERABLE_OCCUPANT = "vulnerable_occupant"
    CALL_BEFORE_VISIT = "call_before_visit"
    KEY_SAFE = "key_safe"


class WorkOrderLine(EventPart):
    """One Schedule of Rates item on a work order: the SOR code (schedule:code), its
    trade and quantity."""

    sor_code: str = Field(min_length=3, max_length=40, examples=["PLB:20110"])
    trade: Trade
    quantity: int = Field(ge=1, le=10_000, description="In the SOR item's unit")


class WorkOrderRaised(
    Event, service="repairs", name="work-order-raised", key="uprn", subject="work_order_id"
):
    """A repair was triaged into a work order for one contractor (HACT "raise repair"):
    the contractor's webhook is sent it; alerts are codes, never free text."""

    work_order_id: uuid.UUID
    repair_id: uuid.UUID
    uprn: Uprn
    contractor_id: ContractorId
    priority: RepairPriority
    required_by: AwareDatetime = Field(description="The required completion date-time")
    lines: list[WorkOrderLine] = Field(min_length=1)
    alerts: list[AlertCode] = Field(default_factory=list)
    reported_at: AwareDatetime
    raised_at: AwareDatetime


class WorkOrderLineV2(EventPart):
    """One Schedule of Rates item on a work order: the SOR code (schedule:code), its
    trade and quantity, which may have up to two decimal places (2.5 square metres)."""

    sor_code: str = Field(min_length=3, max_length=40, examples=["PLB:20110"])
    trade: Trade
    quantity: SorQuantity


class WorkOrderRaisedV2(
    Event,
    service="repairs",
    name="work-order-raised",
    version=2,
    key="uprn",
    subject="work_order_id",
):
    """A repair was triaged into a work order for one contractor (HACT "raise repair"):
    the contractor's webhook is sent it; alerts are codes, never free text. Version 2
    lets a line's quantity have up to two decimal places; repairs publishes v2 alone."""

    work_order_id: uuid.UUID
    repair_id: uuid.UUID
    uprn: Uprn
    contractor_id: ContractorId
    priority: RepairPriority
    required_by: AwareDatetime = Field(description="The required completion date-time")
    lines: list[WorkOrderLineV2] = Field(min_length=1)
    alerts: list[AlertCode] = Field(default_factory=list)
    reported_at: AwareDatetime
    raised_at: AwareDatetime
