"""Request and response models for work orders (staff) and the contractor API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import AlertCode, RepairPriority, SorQuantity
from hearth_contracts.events.visits import Trade
from hearth_contracts.values import BoundedNonNegativePence
from hearth_kit.pagination import Page
from hearth_kit.strict_types import WHOLE_NUMBER, StrictBoolean, StrictMoment, WholeNumber, given
from hearth_kit.text_patterns import HAS_WORDS
from repairs.models import AppointmentStatus, WorkOrderCancellation, WorkOrderStatus


class LineCreate(BaseModel):
    """A Schedule of Rates item and how many."""

    model_config = ConfigDict(extra="forbid")

    sor_code: str = Field(min_length=3, pattern=HAS_WORDS, max_length=40, examples=["PLB:20110"])
    quantity: SorQuantity
    depends_on: list[Annotated[WholeNumber, Field(ge=0, le=48)]] = Field(
        default_factory=list,
        max_length=49,
        description="HACT's dependencies between work elements: the lines (0-based "
        "positions in `lines`, each before this one) whose work must be done first, as "
        "stripping out before plastering (422 lines.N.depends_on for a line not before it)",
    )


class WorkOrderCreate(BaseModel):
    """Triage a repair into a work order for one contractor."""

    model_config = ConfigDict(extra="forbid")

    repair_id: uuid.UUID
    contractor_id: str | None = Field(
        default=None,
        min_length=1,
        pattern=HAS_WORDS,
        max_length=64,
        description="Default: by the repair's trade",
    )
    lines: list[LineCreate] = Field(min_length=1, max_length=50)
    alerts: list[AlertCode] = Field(default_factory=list, max_length=20)
    access_information: str | None = Field(
        default=None, max_length=500, examples=["Key safe by the back door"]
    )
    follow_on_of: uuid.UUID | None = Field(
        default=None,
        description="Raised as the follow-on a completion asked for: that work order's "
        "id (the same repair, completed with follow_on_required, and not followed on "
        "already by a work order not cancelled; 422 follow_on_of otherwise). Only this "
        "work order's completion does that follow-on: the repair stays open until it does "
        "(ADR 0147)",
    )


class LinePublic(BaseModel):
    sor_code: str
    description: str
    trade: Trade
    quantity: SorQuantity
    unit_price_pence: int
    line_pence: int = Field(
        description="unit_price_pence times quantity, rounded half up to whole pence"
    )
    depends_on: list[int] = Field(
        default_factory=list,
        description="The lines (0-based positions, each earlier) whose work must be done "
        "before this one's",
    )


class WorkOrderPublic(BaseModel):
    """A work order as staff and its contractor see it (HACT "raise repair" shape)."""

    id: uuid.UUID
    repair_id: uuid.UUID
    uprn: str
    contractor_id: str
    priority: RepairPriority
    work_class: str = Field(
        description="HACT's work class: planned for planned work, responsive for "
        "emergency, urgent and routine repairs (those RP02 counts)"
    )
    description: str
    location: str
    trade: Trade
    lines: list[LinePublic]
    ordered_pence: int
    alerts: list[AlertCode]
    access_information: str | None
    reported_at: datetime
    required_by: datetime = Field(description="The required completion date-time")
    status: WorkOrderStatus
    status_changed_at: datetime
    raised_at: datetime
    completed_at: datetime | None
    completed_on_time: bool | None
    right_first_time: bool | None
    follow_on_required: bool | None
    no_access_visits: int
    variation_requested_pence: int | None
    variation_approved_pence: int | None
    variation_pence: int | None
    photo_references: list[str]
    cancelled_at: datetime | None = Field(
        default=None, description="When staff cancelled it (status cancelled; ADR 0141)"
    )
    cancellation_reason: WorkOrderCancellation | None = Field(
        default=None, description="Why staff cancelled it (a code)"
    )
    follow_on_of: uuid.UUID | None = Field(
        default=None,
        description="The work order (of the same repair) whose completion asked for the "
        "follow-on this work order is; null for any other work (ADR 0147)",
    )


class ContractorAppointment(BaseModel):
    """The appointment of a work order as its contractor reads it: when the household
    expects the operative, and whether that still stands. Codes and times only."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    window_start: datetime
    window_end: datetime
    status: AppointmentStatus = Field(
        description="booked (stands), rebooked, cancelled, kept, missed or no_access"
    )


class ContractorWorkOrder(WorkOrderPublic):
    """A work order as its contractor reads it: with its appointment, so a contractor
    without a webhook (never sent schedule-repair) sees the window staff booked."""

    appointment: ContractorAppointment | None = Field(
        description="The work order's latest appointment (the booked one, or how the last "
        "one ended: cancelled, no_access, ...); null if it never had one. Only the "
        "appointment holding this work order, without the household's details or the "
        "appointment's other work"
    )


class ContractorStatus(StrEnum):
    """What a contractor can report before completion (HACT job status update)."""

    APPOINTMENT_MADE = "appointment_made"
    OPERATIVE_ON_THE_WAY = "operative_on_the_way"
    NO_ACCESS = "no_access"
    IN_PROGRESS = "in_progress"
    VARIATION_REQUESTED = "variation_requested"


def _window_rules(schema: dict[str, Any]) -> None:
    """The document states the rules that join a status update's fields, as the service
    enforces them (appointment_window, refuse_resident_asked_without_a_window): a
    window's two ends together, only with appointment_made, and resident_asked only
    with a window. That its end is after its start, JSON Schema cannot say."""
    schema["allOf"] = [
        {"if": given("appointment_start"), "then": given("appointment_end")},
        {"if": given("appointment_end"), "then": given("appointment_start")},
        {
            "if": {"anyOf": [given("appointment_start"), given("appointment_end")]},
            "then": {
                "required": ["status"],
                "properties": {"status": {"const": ContractorStatus.APPOINTMENT_MADE.value}},
            },
        },
        {
            "if": {
                "required": ["resident_asked"],
                "properties": {"resident_asked": {"const": True}},
            },
            "then": given("appointment_start"),
        },
    ]


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_window_rules)

    status: ContractorStatus
    at: StrictMoment | None = Field(default=None, description="When it happened; default now")
    variation_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER] | None = Field(
        default=None, description="With variation_requested: the extra cost asked for"
    )
    appointment_start: StrictMoment | None = Field(
        default=None,
        description="With appointment_made: when the appointment you arranged with the "
        "household starts (with appointment_end); the booked appointment moves to it",
    )
    appointment_end: StrictMoment | None = Field(
        default=None,
        description="With appointment_made: when that appointment ends (after its start)",
    )
    resident_asked: StrictBoolean = Field(
        default=False,
        description="With appointment_made and its window: the household asked for the "
        "move. Arranged once the booked appointment's window had started (at), the booked "
        "appointment was missed by the landlord's side; when true that is kept, and it "
        "becomes the resident's once the landlord's staff confirm it with the household "
        "(ADR 0129; 422 resident_asked without a window)",
    )


class StatusUpdatePublic(BaseModel):
    """One job status update as the contractor sent it: a fact at its `at`."""

    status: WorkOrderStatus
    at: datetime = Field(description="When it happened")
    received_at: datetime = Field(description="When repairs heard of it")
    variation_pence: int | None
    appointment_start: datetime | None
    appointment_end: datetime | None


class StatusHistory(Page[StatusUpdatePublic]):
    """A page of a work order's status updates (kept since repairs' migration 0016), in
    the order they happened (`at`; in the same second, in the order they arrived), late
    ones in their place; pass `next_cursor` back as `cursor` for the next page. The work
    order's `status` is the last of them, unless staff booked or cancelled its
    appointment later, or it was completed (docs/adr/0054)."""


class WorkOrderCancel(BaseModel):
    """Staff cancel a work order whose work has not started: why, as a code (never free
    text about the household)."""

    model_config = ConfigDict(extra="forbid")

    reason: WorkOrderCancellation


class FollowOnLink(BaseModel):
    """Staff say which work order an already-raised one is the follow-on of (it was
    raised without `follow_on_of`): the same refusals as raising with it, and more
    (docs/adr/0154)."""

    model_config = ConfigDict(extra="forbid")

    follow_on_of: uuid.UUID = Field(
        description="The completed work order of the same repair whose completion asked "
        "for this follow-on (follow_on_required), not followed on already by a work order "
        "not cancelled, completed before this one was raised; not this work order itself "
        "(422 follow_on_of otherwise)"
    )


class VariationApproval(BaseModel):
    """A manager approves a variation up to an amount, within the approver's limit."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER]


PhotoReference = Annotated[str, Field(min_length=1, max_length=2000, pattern=HAS_WORDS)]
"""A photo's reference (a path, a URL): something besides whitespace."""


class Completion(BaseModel):
    """HACT "work order complete"."""

    model_config = ConfigDict(extra="forbid")

    completed_at: StrictMoment
    follow_on_required: StrictBoolean = False
    variation_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER] | None = Field(
        default=None, description="Extra work done, within the approved variation"
    )
    photo_references: list[PhotoReference] = Field(default_factory=list, max_length=20)
