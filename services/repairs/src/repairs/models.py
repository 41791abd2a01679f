"""Repairs tables: repair requests, appointment requests, and the homes it knows of."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.repairs import (
    AppointmentSlot,
    AwaabMilestone,
    AwarenessSource,
    CancellationReason,
    MissedBy,
    MissedReason,
    RechargeReason,
    RepairPriority,
    RepairSourceV2,
)
from hearth_contracts.events.visits import CommunalIssueType, HazardSeverity, Trade
from hearth_kit.db import AwareDateTime, text_enum


class RepairsModel(SQLModel, registry=registry()):
    """Base of every repairs table (its own metadata: its own database)."""


class RepairStatus(StrEnum):
    """Open until every work order of it is closed, the last completed with no
    follow-on needed (docs/adr/0141; no route cancels a repair yet)."""

    OPEN = "open"
    COMPLETED = "completed"


class AppointmentRequestStatus(StrEnum):
    """Where the appointment for a visit's repairs is (rules.request_status decides)."""

    PENDING = "pending"
    """Some open repair of it has no appointment yet."""
    BOOKED = "booked"
    """Every open repair of it has an appointment (booked or kept)."""
    CANCELLED = "cancelled"
    """Not needed any more: every repair of it was completed before any appointment
    for it was booked (a contractor finished the work without one)."""


class RepairRequest(RepairsModel, table=True):
    """A repair reported at a home, with its priority and the target it is measured by."""

    __tablename__ = "repair_request"
    __table_args__ = (
        # A home's repairs by status in id order (the home overview's open repairs).
        Index("ix_repair_request_uprn_status_id", "uprn", "status", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12)
    description: str = Field(max_length=2000)
    location: str = Field(max_length=100)
    trade: Trade = Field(sa_type=text_enum(Trade))
    priority: RepairPriority = Field(sa_type=text_enum(RepairPriority))
    status: RepairStatus = Field(default=RepairStatus.OPEN, sa_type=text_enum(RepairStatus))
    source: RepairSourceV2 = Field(sa_type=text_enum(RepairSourceV2))
    complaint_id: uuid.UUID | None = Field(
        default=None, index=True, description="The complaint (engagement) it was reported in"
    )
    reported_at: datetime = Field(sa_type=AwareDateTime, index=True)
    target_at: datetime = Field(sa_type=AwareDateTime)
    visit_id: uuid.UUID | None = Field(default=None, index=True)
    finding_id: uuid.UUID | None = Field(
        default=None, unique=True, description="The visit finding this repair came from"
    )
    appointment_request_id: uuid.UUID | None = Field(
        default=None, foreign_key="appointment_request.id", index=True
    )
    created_at: datetime = Field(sa_type=AwareDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime, index=True)
    completed_on_time: bool | None = None
    made_safe_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="An emergency's first work order completed (follow-on or not): the "
        "moment its 24-hour target judges",
    )
    safety_defect_id: uuid.UUID | None = Field(
        default=None,
        index=True,
        unique=True,
        description="The safety defect (compliance) it remedies: one repair per defect",
    )
    communal: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="A repair to a block's communal areas (repair-completed says so): one "
        "raised, from any source, at a UPRN the asset register gives as a block's "
        "(RepairService.report decides it; docs/adr/0044)",
    )


class AppointmentRequest(RepairsModel, table=True):
    """Open work at one home offered in one appointment (all repairs from one visit)."""

    __tablename__ = "appointment_request"
    __table_args__ = (
        # A home's appointment requests in id order (the home overview).
        Index("ix_appointment_request_uprn_id", "uprn", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12)
    visit_id: uuid.UUID | None = Field(default=None, unique=True)
    status: AppointmentRequestStatus = Field(
        default=AppointmentRequestStatus.PENDING, sa_type=text_enum(AppointmentRequestStatus)
    )
    requested_at: datetime = Field(sa_type=AwareDateTime)


class KnownHome(RepairsModel, table=True):
    """Projection of compliance's asset register: what an operative needs to find a home."""

    __tablename__ = "home"

    uprn: str = Field(primary_key=True, max_length=12)
    address_line_1: str = Field(max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(max_length=100)
    postcode: str = Field(max_length=8)
    block_id: str | None = Field(
        default=None,
        max_length=64,
        index=True,
        description="The block's UPRN, as the asset register gives it (null: a house, or "
        "not said); indexed because a communal issue list is read by block, and a repair "
        "at a UPRN that is some home's block is communal (docs/adr/0044)",
    )
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )


class WorkOrderStatus(StrEnum):
    """Where a work order is, in the contractor's status messages (HACT-shaped)."""

    RAISED = "raised"
    APPOINTMENT_MADE = "appointment_made"
    OPERATIVE_ON_THE_WAY = "operative_on_the_way"
    NO_ACCESS = "no_access"
    IN_PROGRESS = "in_progress"
    VARIATION_REQUESTED = "variation_requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    """Staff called it off before its work started (raised in error, a duplicate, not
    needed, the wrong contractor): closed without work, it holds its repair open no
    longer (docs/adr/0141). Not a contractor's status."""


CLOSED_WORK_ORDER = (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED)
"""A work order in one of these is closed: nothing more is done on it, and a repair is
completed once every work order of it is closed (docs/adr/0141)."""


class WorkOrderCancellation(StrEnum):
    """Why staff cancelled a work order: a code, never free text about the household."""

    RAISED_IN_ERROR = "raised_in_error"
    """Raised by mistake (the wrong repair, the wrong SOR lines)."""
    DUPLICATE = "duplicate"
    """Another work order of the repair covers the same work."""
    NOT_NEEDED = "not_needed"
    """The work is no longer needed (put right another way, or the household withdrew
    the request)."""
    WRONG_CONTRACTOR = "wrong_contractor"
    """Raised for a contractor who should not do it: raised again for the right one."""


class ScheduleOfRatesItem(RepairsModel, table=True):
    """One line of the landlord's Schedule of Rates (imported from CSV)."""

    __tablename__ = "sor_item"

    code: str = Field(primary_key=True, max_length=40, description="schedule:code")
    schedule: str = Field(max_length=20)
    item_code: str = Field(max_length=20)
    description: str = Field(max_length=500)
    trade: Trade = Field(sa_type=text_enum(Trade))
    unit: str = Field(max_length=20)
    unit_price_pence: int = Field(sa_column=Column(BigInteger, nullable=False))
    whole_units: bool = Field(
        default=True,
        sa_column=Column(Boolean, nullable=False, server_default=true()),
        description="Ordered in whole units only (each, nr); else up to two decimal places",
    )
    imported_at: datetime = Field(sa_type=AwareDateTime)


class WorkOrder(RepairsModel, table=True):
    """A repair triaged into work for one contractor, with its SOR lines."""

    __tablename__ = "work_order"
    __table_args__ = (Index("ix_work_order_contractor_status", "contractor_id", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    repair_id: uuid.UUID = Field(foreign_key="repair_request.id", index=True)
    uprn: str = Field(max_length=12, index=True)
    contractor_id: str = Field(max_length=64)
    priority: RepairPriority = Field(sa_type=text_enum(RepairPriority))
    work_class: str = Field(default="responsive", max_length=32)
    description: str = Field(max_length=2000)
    location: str = Field(max_length=100)
    trade: Trade = Field(sa_type=text_enum(Trade))
    lines: list[dict[str, object]] = Field(default_factory=list, sa_type=JSON)
    ordered_pence: int = Field(sa_column=Column(BigInteger, nullable=False))
    alerts: list[str] = Field(default_factory=list, sa_type=JSON)
    access_information: str | None = Field(default=None, max_length=500)
    reported_at: datetime = Field(sa_type=AwareDateTime)
    required_by: datetime = Field(sa_type=AwareDateTime)
    status: WorkOrderStatus = Field(
        default=WorkOrderStatus.RAISED, sa_type=text_enum(WorkOrderStatus), index=True
    )
    status_changed_at: datetime = Field(sa_type=AwareDateTime)
    raised_at: datetime = Field(sa_type=AwareDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime, index=True)
    completed_on_time: bool | None = None
    right_first_time: bool | None = None
    follow_on_required: bool | None = None
    follow_on_required_by: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="Completed asking for a follow-on on an emergency made safe: when that "
        "follow-on is due (the target it is raised with, docs/adr/0218); the repair is "
        "overdue after it while the follow-on is not raised, or raised and cancelled "
        "(docs/adr/0235). NULL otherwise, and on every completion before migration 0037",
    )
    no_access_visits: int = 0
    variation_requested_pence: int | None = Field(default=None, sa_column=Column(BigInteger))
    variation_approved_pence: int | None = Field(default=None, sa_column=Column(BigInteger))
    variation_approved_by: str | None = Field(default=None, max_length=200)
    variation_pence: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="Variation done at completion"
    )
    photo_references: list[str] = Field(default_factory=list, sa_type=JSON)
    cancelled_at: datetime | None = Field(
        default=None, sa_type=AwareDateTime, description="When staff cancelled it"
    )
    cancelled_by: str | None = Field(
        default=None, max_length=200, description="The member of staff who cancelled it"
    )
    cancellation_reason: WorkOrderCancellation | None = Field(
        default=None, sa_type=text_enum(WorkOrderCancellation)
    )
    follow_on_of: uuid.UUID | None = Field(
        default=None,
        foreign_key="work_order.id",
        index=True,
        description="The work order of the same repair whose completion asked for the "
        "follow-on this one is (docs/adr/0147): only its completion does that follow-on",
    )
    follow_on_before_links: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="A follow-on asked for before follow-ons were linked (migration "
        "0031): done, as then, by any later completion of the repair (docs/adr/0147)",
    )


class WorkOrderStatusUpdate(RepairsModel, table=True):
    """A contractor's job status update, kept as sent: a fact at its `at`. Updates
    arrive out of order (contractors' systems send from queues and retry; two calls
    can overtake each other), so the work order's current status is its latest update
    by `at` (of two at the same moment, the later to arrive), and a late one is kept
    here without moving the status back (docs/adr/0054)."""

    __tablename__ = "work_order_status_update"
    __table_args__ = (Index("ix_work_order_status_update_order_at", "work_order_id", "at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    work_order_id: uuid.UUID = Field(foreign_key="work_order.id")
    status: WorkOrderStatus = Field(sa_type=text_enum(WorkOrderStatus))
    at: datetime = Field(sa_type=AwareDateTime, description="When it happened")
    received_at: datetime = Field(sa_type=AwareDateTime, description="When repairs heard of it")
    variation_pence: int | None = Field(default=None, sa_column=Column(BigInteger))
    appointment_start: datetime | None = Field(default=None, sa_type=AwareDateTime)
    appointment_end: datetime | None = Field(default=None, sa_type=AwareDateTime)


class AppointmentStatus(StrEnum):
    """Booked until kept, missed, no access, rebooked (moved to another slot) or
    cancelled (POST .../cancel: not wanted any more, its slot freed)."""

    BOOKED = "booked"
    KEPT = "kept"
    MISSED = "missed"
    NO_ACCESS = "no_access"
    REBOOKED = "rebooked"
    CANCELLED = "cancelled"


class SplitReason(StrEnum):
    """Why a booking leaves out work of its visit's appointment request that the same
    contractor could do in the same appointment (docs/adr/0145): a code, never free text
    about the household."""

    RESIDENT_REQUEST = "resident_request"
    """The household asked for the work on separate days."""
    MATERIALS_LEAD_TIME = "materials_lead_time"
    """The rest needs materials or parts ordered first; the ready work is not held back."""
    NO_JOINT_SLOT = "no_joint_slot"
    """No slot within the booking horizon has room for every trade of the work at once."""


class Appointment(RepairsModel, table=True):
    """A slot booked with the household for one or more work orders at one home."""

    __tablename__ = "appointment"
    # GET /v1/appointments in its cursor's order (window_start, id); the figures' outcomes
    # of a period (kept, missed) by outcome_at.
    __table_args__ = (
        Index("ix_appointment_window_start_id", "window_start", "id"),
        Index("ix_appointment_outcome_at", "outcome_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    contractor_id: str = Field(max_length=64)
    day: date
    slot: AppointmentSlot = Field(sa_type=text_enum(AppointmentSlot))
    slot_name: str = Field(max_length=20)
    window_start: datetime = Field(sa_type=AwareDateTime)
    window_end: datetime = Field(sa_type=AwareDateTime)
    trades: list[str] = Field(default_factory=list, sa_type=JSON)
    work_order_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    status: AppointmentStatus = Field(
        default=AppointmentStatus.BOOKED, sa_type=text_enum(AppointmentStatus), index=True
    )
    made_at_first_contact: bool = False
    rebooked_from_appointment_id: uuid.UUID | None = None
    missed_by: MissedBy | None = Field(default=None, sa_type=text_enum(MissedBy))
    missed_reason: MissedReason | None = Field(default=None, sa_type=text_enum(MissedReason))
    booked_at: datetime = Field(sa_type=AwareDateTime, index=True)
    arranged_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="A contractor's own window: when it arranged it with the household "
        "(its appointment_made's `at`). None when staff booked it: their booking's moment "
        "is booked_at",
    )
    outcome_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    cancellation_reason: CancellationReason | None = Field(
        default=None, sa_type=text_enum(CancellationReason)
    )
    cancelled_at: datetime | None = Field(
        default=None, sa_type=AwareDateTime, description="When the household asked to cancel"
    )
    contractor_said_resident_asked: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="A contractor's late move (docs/adr/0117) said the household asked for "
        "it: its word, kept; the appointment stays missed by the landlord's side until "
        "staff confirm it with the household (docs/adr/0129)",
    )
    resident_asked_confirmed_by: str | None = Field(
        default=None, max_length=200, description="The member of staff who confirmed it"
    )
    resident_asked_confirmed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    split_reason: SplitReason | None = Field(
        default=None,
        sa_type=text_enum(SplitReason),
        description="Why staff booked it without work of the same visit the same contractor "
        "could do in it (docs/adr/0145); None when it left none out",
    )


class BookedSlot(RepairsModel, table=True):
    """One trade's use of one slot on one day (a booked appointment holds one per trade):
    what availability counts against each trade's capacity."""

    __tablename__ = "booked_slot"
    __table_args__ = (Index("ix_booked_slot_trade_day", "trade", "day", "slot_name"),)

    appointment_id: uuid.UUID = Field(foreign_key="appointment.id", primary_key=True)
    trade: Trade = Field(sa_type=text_enum(Trade), primary_key=True)
    day: date
    slot_name: str = Field(max_length=20)


class WebhookDelivery(RepairsModel, table=True):
    """A message pushed to a contractor's webhook: delivered once per event id,
    retried with back-off until it is."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "delivered_at", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(unique=True)
    event_type: str = Field(max_length=100)
    contractor_id: str = Field(max_length=64)
    work_order_id: uuid.UUID
    body: str
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=AwareDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_status: int | None = None
    created_at: datetime = Field(sa_type=AwareDateTime)


class VulnerableResident(RepairsModel, table=True):
    """Projection of engagement's vulnerability-recorded: only whether a resident at a
    home has a recorded vulnerability (never what it is)."""

    __tablename__ = "vulnerable_resident"

    resident_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    tenancy_id: uuid.UUID | None = None
    flagged: bool
    as_of: datetime = Field(sa_type=AwareDateTime)


class EndedTenancy(RepairsModel, table=True):
    """Projection of income's tenancy-ended: a tenancy that ended at a home. Its
    residents' vulnerability flags no longer count for the home (the household living
    there now is another), whatever order the two events arrive in."""

    __tablename__ = "ended_tenancy"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    end_date: date
    over_at: datetime = Field(
        sa_type=AwareDateTime,
        description="The start of the London day after `end_date`: a flag recorded "
        "before it without a tenancy belonged to (or cannot be told from) this household",
    )
    as_of: datetime = Field(sa_type=AwareDateTime)


class TenancyOfHome(RepairsModel, table=True):
    """Projection of income's tenancy-started (and tenancy-withdrawn, which names the
    start it undoes): which tenancy began at a home on which day. With the ends above,
    it tells repairs the household income charges a recharge to, the tenancy last in
    the home on the day (docs/adr/0036): a former tenant's when the home stood empty,
    whose recorded vulnerability must be considered too (docs/adr/0116). Known only for
    tenancies announced since migration 0027."""

    __tablename__ = "tenancy_of_home"
    __table_args__ = (Index("ix_tenancy_of_home_uprn_start", "uprn", "start_date"),)

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    start_date: date
    as_of: datetime = Field(sa_type=AwareDateTime)


class TenantOfTenancy(RepairsModel, table=True):
    """A tenant of a tenancy, by the platform's person id (the resident id engagement
    flags a vulnerability under) and nothing else: a former tenant whose flag engagement
    re-announced under another home (a transfer) is still the household of this one."""

    __tablename__ = "tenant_of_tenancy"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True)
    as_of: datetime = Field(sa_type=AwareDateTime)


class MergedPerson(RepairsModel, table=True):
    """A person id engagement retired by merging its record into another's
    (resident-merged), and the id kept: what the merge handler re-keyed, remembered so
    that a later merge into the retired id, or a late event naming it, reaches the person
    kept (docs/adr/0172). Re-pointed at each merge of the kept id, as engagement re-points
    `merged_into`, so `kept_person_id` is never itself retired: one lookup, one step."""

    __tablename__ = "merged_person"
    __table_args__ = (Index("ix_merged_person_kept", "kept_person_id"),)

    duplicate_person_id: uuid.UUID = Field(primary_key=True)
    kept_person_id: uuid.UUID


class RechargeStatus(StrEnum):
    RAISED = "raised"
    AWAITING_APPROVAL = "awaiting_approval"
    """Blocked: the household has a recorded vulnerability; a manager must approve or
    decline."""
    COLLECTED = "collected"
    WRITTEN_OFF = "written_off"
    """Income wrote it off (former tenant arrears taken off the books, an approved
    decision): owed no more, and never paid (docs/adr/0180). Owed again if the write-off
    is undone."""
    CANCELLED = "cancelled"
    """Income cancelled it (staff reversed its charge on the sundry account): owed no
    more, and not collected, whatever was paid of it (docs/adr/0176). Final: income
    never undoes a cancellation."""
    DECLINED = "declined"
    """A manager considered the household's vulnerability and decided not to recharge:
    never raised, so income never heard of it (final)."""


class RechargeDecline(StrEnum):
    """Why a manager declined a held recharge: a code, never free text about the
    household (what the vulnerability is stays with engagement)."""

    VULNERABILITY = "vulnerability"
    """Recharging this household would not be fair given its recorded vulnerability."""
    LANDLORDS_RESPONSIBILITY = "landlords_responsibility"
    """On a closer look the repair is the landlord's to pay for (wear and tear, a defect)."""
    NOT_COST_EFFECTIVE = "not_cost_effective"
    """Recovering it would cost more than it would bring in."""
    COMMUNAL_REPAIR = "communal_repair"
    """The repair turned out to be communal (its UPRN a block's, known only after the
    recharge was held): no household lives at a block to be charged, so repairs declines
    the held recharge with this when it learns so (no manager named), and a manager's
    approval of one held from before is refused (recharges.service)."""
    OTHER = "other"


class Recharge(RepairsModel, table=True):
    """Damage caused by the household, recharged to it (income invoices it)."""

    __tablename__ = "recharge"
    # The figures: the recharges raised in a period, and those held for approval now
    # (only those: a partial index, whatever the period).
    __table_args__ = (
        Index("ix_recharge_raised_at", "raised_at"),
        Index(
            "ix_recharge_awaiting_approval",
            "requested_at",
            postgresql_where=text("status = 'awaiting_approval'"),
            sqlite_where=text("status = 'awaiting_approval'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    repair_id: uuid.UUID = Field(foreign_key="repair_request.id", index=True)
    uprn: str = Field(max_length=12)
    tenancy_id: uuid.UUID | None = Field(
        default=None,
        description="Held for approval: the tenancy of the household whose recorded "
        "vulnerability held it, when its flags name one; recharge-raised names it, so "
        "income charges that household, not whoever lives there at approval (docs/adr/0105)",
    )
    amount_pence: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: RechargeReason = Field(sa_type=text_enum(RechargeReason))
    status: RechargeStatus = Field(sa_type=text_enum(RechargeStatus))
    vulnerability_flagged: bool
    approved_by: str | None = Field(default=None, max_length=200)
    requested_at: datetime = Field(sa_type=AwareDateTime)
    raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    declined_by: str | None = Field(default=None, max_length=200)
    declined_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    decline_reason: RechargeDecline | None = Field(default=None, sa_type=text_enum(RechargeDecline))


class RechargePayment(RepairsModel, table=True):
    """Projection of income's recharge-paid: what is still owed on each recharge after
    its latest payment or correction as income posted them (`posted_at`), and whether
    it is paid in full (then it counts as collected, in the period of that payment's
    `paid_at`)."""

    __tablename__ = "recharge_payment"

    recharge_id: uuid.UUID = Field(primary_key=True)
    repair_id: uuid.UUID
    uprn: str = Field(max_length=12)
    outstanding_pence: int = Field(sa_column=Column(BigInteger, nullable=False))
    paid_in_full: bool
    paid_at: datetime = Field(
        sa_type=AwareDateTime,
        index=True,
        description="When the latest event's payment was received (its day's start for "
        "one received on an earlier day): the period it counts as collected in",
    )
    posted_at: datetime = Field(
        sa_type=AwareDateTime,
        description="When income posted the latest event, or its `paid_at` for an event "
        "without `posted_at`: an event posted earlier never overwrites it",
    )
    written_off: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="The latest event is a write-off (`settled_by` write_off, not its undoing): "
        "with nothing outstanding, the recharge is written off in the period of its "
        "`paid_at`, not collected (docs/adr/0180)",
    )


class AwaabCaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    """Every clock stopped."""
    DUPLICATE = "duplicate"
    """The same damp as another case at the home whose clocks began first
    (`duplicate_of`): its running clocks withdrawn, neither met nor breached
    (docs/adr/0236)."""


class AwaabCase(RepairsModel, table=True):
    """A hazard case under Awaab's Law; its clocks start when the landlord became aware."""

    __tablename__ = "awaab_case"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    severity: HazardSeverity = Field(sa_type=text_enum(HazardSeverity))
    source: AwarenessSource = Field(sa_type=text_enum(AwarenessSource))
    hazard_id: uuid.UUID | None = Field(default=None, unique=True)
    complaint_id: uuid.UUID | None = Field(
        default=None, index=True, description="The complaint that made the landlord aware"
    )
    became_aware_at: datetime = Field(sa_type=AwareDateTime)
    opened_at: datetime = Field(sa_type=AwareDateTime)
    status: AwaabCaseStatus = Field(
        default=AwaabCaseStatus.OPEN, sa_type=text_enum(AwaabCaseStatus), index=True
    )
    duplicate_of: uuid.UUID | None = Field(
        default=None,
        foreign_key="awaab_case.id",
        description="With status duplicate: the case at the home, begun first, whose clocks "
        "are the law's for this damp (docs/adr/0236)",
    )


class AwaabCaseHazard(RepairsModel, table=True):
    """A hazard a visit or a safety check reported at a home whose damp and mould already
    had an open significant case, recorded on that case instead of opening a second
    (docs/adr/0193): the case's clocks run from the landlord's first awareness, and this
    row keeps the further report (and makes its event, replayed, change nothing)."""

    __tablename__ = "awaab_case_hazard"

    hazard_id: uuid.UUID = Field(primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="awaab_case.id", index=True)
    source: AwarenessSource = Field(sa_type=text_enum(AwarenessSource))
    identified_at: datetime = Field(sa_type=AwareDateTime, description="When it was seen")
    recorded_at: datetime = Field(sa_type=AwareDateTime)


class AwaabClock(RepairsModel, table=True):
    """One deadline on a case: started, paused (with reasons), stopped with evidence,
    or breached (its event raised once: breach_raised_at, with the deadline it breached:
    breached_due_at)."""

    __tablename__ = "awaab_clock"
    __table_args__ = (
        UniqueConstraint("case_id", "milestone"),
        Index("ix_awaab_clock_due", "stopped_at", "breach_raised_at", "due_at"),
        # The figures' breaches of a period, by the deadline each breached (the expression
        # figures.repository.awaab counts by).
        Index("ix_awaab_clock_breached_deadline", text("coalesce(breached_due_at, due_at)")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="awaab_case.id", index=True)
    uprn: str = Field(max_length=12)
    milestone: AwaabMilestone = Field(sa_type=text_enum(AwaabMilestone))
    started_at: datetime = Field(sa_type=AwareDateTime)
    due_at: datetime = Field(
        sa_type=AwareDateTime, description="The moment it is late, after any pauses"
    )
    paused_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    pauses: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    stopped_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    evidence: list[str] = Field(default_factory=list, sa_type=JSON)
    breach_raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    breached_due_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="The deadline it breached: due_at when its breach was raised (by the "
        "job, a late stop or a revised summary after the day passed). Kept when a revised "
        "summary or a pause moves due_at later: the figures count the breach in this "
        "deadline's period (docs/adr/0092)",
    )
    finish_work_by: date | None = Field(
        default=None,
        description="complete_work only: the last day to finish the work, as the latest "
        "written summary set it (docs/adr/0087, 0092)",
    )
    revised_summaries: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_type=JSON,
        description="complete_work only: each revised written summary that set or moved "
        "the day, oldest first, with the day and deadline it replaced (docs/adr/0092)",
    )
    withdrawn: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="Stopped (stopped_at) because its case is the same damp as another "
        "(status duplicate): no step was done, so it is neither met nor late; a breach "
        "raised before stays raised (docs/adr/0236)",
    )


class CommunalIssueStatus(StrEnum):
    """Where a communal issue reported from a visit is in a repairs manager's triage."""

    OPEN = "open"
    """Awaiting triage."""
    REPAIR_RAISED = "repair_raised"
    """A repair was raised for it, at the UPRN the manager named."""
    CLOSED = "closed"
    """Closed without a repair, for the reason recorded."""


class CommunalIssueClosure(StrEnum):
    """Why a manager closed a communal issue without raising a repair."""

    DUPLICATE = "duplicate"
    """Another report of the same issue (from another visit in the block) is triaged."""
    NOT_LANDLORDS = "not_landlords"
    """Not the landlord's to fix (the council's street lighting, a neighbour's land)."""
    ALREADY_REPORTED = "already_reported"
    """A repair for it was already reported another way."""


class CommunalIssue(RepairsModel, table=True):
    """A communal or estate issue noticed on a visit (visits' communal-issue-found),
    awaiting a repairs manager's triage. The home visited is not the communal area,
    so no repair is raised by itself: a manager raises one at the UPRN they name, or
    closes it (docs/adr/0044). Its block is not kept here: the list reads it from the
    home's entry in the register (`home.block_id`), as the register says now."""

    __tablename__ = "communal_issue"
    __table_args__ = (
        # The triage list: by status, oldest found first.
        Index("ix_communal_issue_status_found_at_issue_id", "status", "found_at", "issue_id"),
    )

    issue_id: uuid.UUID = Field(primary_key=True, description="visits' issue_id")
    visit_id: uuid.UUID
    uprn: str = Field(max_length=12, description="The home visited when it was noticed")
    issue: CommunalIssueType = Field(sa_type=text_enum(CommunalIssueType))
    found_at: datetime = Field(sa_type=AwareDateTime, description="The visit's time")
    status: CommunalIssueStatus = Field(
        default=CommunalIssueStatus.OPEN, sa_type=text_enum(CommunalIssueStatus)
    )
    repair_id: uuid.UUID | None = Field(default=None, foreign_key="repair_request.id")
    closed_because: CommunalIssueClosure | None = Field(
        default=None, sa_type=text_enum(CommunalIssueClosure)
    )
    triaged_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    triaged_by: str | None = Field(default=None, max_length=200, description="A staff id")
