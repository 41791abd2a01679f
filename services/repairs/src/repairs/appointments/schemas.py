"""Request and response models for appointments and appointment requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import (
    AppointmentSlot,
    CancellationReason,
    MissedBy,
    MissedReason,
    RepairPriority,
)
from hearth_contracts.events.visits import Trade
from hearth_kit.strict_types import StrictBoolean, StrictDay, StrictMoment
from hearth_kit.text_patterns import HAS_WORDS
from repairs.models import AppointmentRequestStatus, AppointmentStatus, SplitReason


class AppointmentRequestPublic(BaseModel):
    """Work at one home to be offered in one appointment."""

    id: uuid.UUID
    uprn: str
    visit_id: uuid.UUID | None
    status: AppointmentRequestStatus
    requested_at: datetime
    repair_ids: list[uuid.UUID] = Field(description="The repairs to be done in this appointment")
    trades: list[Trade] = Field(description="Trades the appointment needs")


class AvailableSlot(BaseModel):
    """A slot with room for all the trades asked about."""

    day: date
    slot: str = Field(description="The slot's name, as booked")
    kind: AppointmentSlot
    window_start: datetime
    window_end: datetime
    free: int = Field(description="Appointments still bookable in it for these trades")


class OpenWork(BaseModel):
    """A work order at the home waiting for an appointment that the same appointment
    could take (ADR 0189): what to add to `work_order_ids`, and its trades to the
    availability asked. Nothing the household said (no description, location or
    access information)."""

    id: uuid.UUID
    trade: Trade = Field(description="Its repair's trade")
    trades: list[Trade] = Field(
        description="Every trade its work needs (its repair's and each SOR line's)"
    )
    priority: RepairPriority
    required_by: datetime = Field(description="Its target date-time")
    reported_on: date = Field(
        description="The London day its repair was reported: a booking with work "
        "reported on an earlier day is not at first contact (ADR 0140)"
    )


class Availability(BaseModel):
    uprn: str
    trades: list[Trade]
    contractor_id: str = Field(
        description="Whose places are counted: the contractor asked for, or the one the "
        "work goes to by default (ADR 0155)"
    )
    slots: list[AvailableSlot]
    open_work: list[OpenWork] = Field(
        default_factory=list,
        description="The home's open work orders waiting for an appointment (raised or "
        "no access, none booked) that `contractor_id` holds and whose trades it does, "
        "soonest target first: open work at one home is offered in one appointment "
        "where the trades allow (ADR 0189). The work being booked is among them",
    )


class AppointmentCreate(BaseModel):
    """Book one appointment for one or more work orders at one home."""

    model_config = ConfigDict(extra="forbid")

    work_order_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    day: StrictDay
    slot: str = Field(
        min_length=1, pattern=HAS_WORDS, max_length=20, description="A slot name from availability"
    )
    made_at_first_contact: StrictBoolean = Field(
        default=False,
        description="Booked during the contact that reported the repair: refused (422) for "
        "work an appointment has held before, and for work whose repair was reported on an "
        "earlier London day than the booking (ADR 0140)",
    )
    split_reason: SplitReason | None = Field(
        default=None,
        description="Why this booking leaves out unbooked work of its visit's pending "
        "appointment request that the same contractor could do in the same appointment "
        "(a visit's repairs go in one appointment where trades allow): without it such a "
        "booking is refused (422 work_order_ids, naming the work orders left out). Kept "
        "on the appointment only when the booking does leave such work out (ADR 0145)",
    )


class Rebooking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: StrictDay
    slot: str = Field(min_length=1, pattern=HAS_WORDS, max_length=20)


class Outcome(StrEnum):
    KEPT = "kept"
    MISSED = "missed"
    NO_ACCESS = "no_access"


def _missed_only(schema: dict[str, Any]) -> None:
    """The rules the service enforces (AppointmentService.record_outcome), stated in the
    schema: only a missed appointment says by whom and why it was missed, and a missed
    one's reason is not no_access (that visit is the no_access outcome)."""
    schema["allOf"] = [
        {
            "if": {
                "required": ["outcome"],
                "properties": {"outcome": {"not": {"const": Outcome.MISSED.value}}},
            },
            "then": {"properties": {"missed_by": {"type": "null"}, "reason": {"type": "null"}}},
        },
        {
            "if": {
                "required": ["outcome"],
                "properties": {"outcome": {"const": Outcome.MISSED.value}},
            },
            "then": {"properties": {"reason": {"not": {"const": MissedReason.NO_ACCESS.value}}}},
        },
    ]


class AppointmentOutcome(BaseModel):
    """Whether the appointment was kept; a missed one says by whom and why."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_missed_only)

    outcome: Outcome
    missed_by: MissedBy | None = Field(
        default=None,
        description="Only with missed: whose side missed it (landlord when not given). "
        "resident on an appointment a contractor's late move made missed, saying the "
        "household asked for it (contractor_said_resident_asked), confirms that with the "
        "household: it becomes missed by the resident (ADR 0129)",
    )
    reason: MissedReason | None = Field(
        default=None,
        description="Only with missed: why it was missed (other when not given). Not "
        "no_access: a visit that found no one in is the no_access outcome (422 reason)",
    )
    occurred_at: StrictMoment | None = Field(
        default=None,
        description="When it happened (the operative's visit, or the moment the "
        "appointment was missed), which the figures count from: not in the future, not "
        "before the appointment's window starts, not after one of its work orders was "
        "completed, a later appointment for the same work started or its repairs were "
        "closed (422 occurred_at; ADR 0128). Left out, the moment it is recorded, held "
        "to the same bounds",
    )


class AppointmentCancellation(BaseModel):
    """Cancel a booked appointment: why (a code, never free text about the household)
    and when the household asked."""

    model_config = ConfigDict(extra="forbid")

    reason: CancellationReason
    cancelled_at: StrictMoment = Field(
        description="When the household asked (or the landlord decided): not in the "
        "future, not before the booking, and before the appointment's window started "
        "(called off after that, it was missed: record the outcome missed; 422 "
        "cancelled_at)"
    )


class AppointmentPublic(BaseModel):
    """A booked (or past) appointment at a home."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    contractor_id: str
    day: date
    slot: str = Field(validation_alias="slot_name")
    kind: AppointmentSlot = Field(validation_alias="slot")
    window_start: datetime
    window_end: datetime
    trades: list[Trade]
    work_order_ids: list[uuid.UUID]
    status: AppointmentStatus
    made_at_first_contact: bool
    rebooked_from_appointment_id: uuid.UUID | None
    missed_by: MissedBy | None
    missed_reason: MissedReason | None
    missed_at: datetime | None = Field(
        default=None,
        description="When a `missed` or `no_access` appointment was missed: the visit that "
        "found no one in, the outcome's `occurred_at`, or a contractor's `at` moving it once "
        "its window had started (its window's end, if the move came after it; "
        "appointment-missed's `missed_at`), not when the office "
        "recorded it; null for any other status",
    )
    cancellation_reason: CancellationReason | None
    cancelled_at: datetime | None
    booked_at: datetime
    contractor_said_resident_asked: bool = Field(
        default=False,
        description="A contractor's move once the window had started said the household "
        "asked for it: missed by the landlord's side until staff confirm it with the "
        "household (the outcome missed by resident; ADR 0129)",
    )
    resident_asked_confirmed_at: datetime | None = Field(
        default=None, description="When staff confirmed the household asked for that move"
    )
    resident_asked_confirmed_by: str | None = Field(
        default=None, description="The member of staff who confirmed it (staff id)"
    )
    split_reason: SplitReason | None = Field(
        default=None,
        description="Why it was booked without work of the same visit its contractor could "
        "do in it (ADR 0145); null when it left none out",
    )
