"""Request and response models for complaints and service requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from engagement.models import ComplaintStatus
from hearth_contracts.events.engagement import (
    ComplaintCategory,
    ComplaintDeadline,
    ComplaintStage,
    ContactMedium,
)
from hearth_contracts.values import BoundedNonNegativePence, StaffId, Uprn
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay, StrictMoment
from hearth_kit.text_patterns import HAS_WORDS


class ComplaintCreate(BaseModel):
    """A complaint received (stage 1 of the Complaint Handling Code)."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    resident_id: uuid.UUID | None = Field(default=None, description="The resident complaining")
    category: ComplaintCategory
    medium: ContactMedium
    summary: str = Field(
        min_length=1, pattern=HAS_WORDS, max_length=4000, description="What the complaint is about"
    )
    repair_id: uuid.UUID | None = Field(default=None, description="The repair it is about")
    received_at: StrictMoment = Field(
        description="When it was received: the clock starts here (never in the future)"
    )


class ComplaintAcknowledge(BaseModel):
    """The current stage was acknowledged: the answer's clock starts."""

    model_config = ConfigDict(extra="forbid")

    acknowledged_at: StrictMoment
    handler: StaffId = Field(
        pattern=HAS_WORDS, description="The member of staff handling this stage"
    )


class ComplaintExtend(BaseModel):
    """The answer's date moved, with a reason, agreed with the resident before the
    deadline (at most 10 working days more at stage 1, 20 at stage 2)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=1000,
        pattern=HAS_WORDS,
        description="Why the answer needs longer, in words (spaces alone are refused)",
    )
    new_respond_by: StrictDay
    agreed_at: StrictMoment | None = Field(
        default=None, description="When the resident was told; now when left out"
    )


class ComplaintRespond(BaseModel):
    """The current stage was answered, with what was found and put right."""

    model_config = ConfigDict(extra="forbid")

    responded_at: StrictMoment
    root_cause: str | None = Field(default=None, max_length=2000)
    learning: str | None = Field(default=None, max_length=2000)
    remedy: str | None = Field(default=None, max_length=2000)
    compensation_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER] = 0


class ComplaintEscalate(BaseModel):
    """The resident asked for stage 2; a different person handles it."""

    model_config = ConfigDict(extra="forbid")

    requested_at: StrictMoment
    handler: StaffId | None = Field(
        default=None,
        pattern=HAS_WORDS,
        description="Stage 2's handler, when known now (not stage 1's)",
    )


class NextDeadline(BaseModel):
    stage: ComplaintStage
    deadline: ComplaintDeadline
    due_on: date
    overdue: bool


class ComplaintStagePublic(BaseModel):
    stage: ComplaintStage
    requested_at: datetime
    acknowledge_by: date
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(
        description="Who recorded the acknowledgement (the caller's subject)"
    )
    handler: str | None
    respond_by: date | None = Field(description="Including any extension")
    code_respond_by: date | None = Field(description="The date the Code set, before extensions")
    extended: bool
    extension_reason: str | None
    responded_at: datetime | None
    responded_by: str | None = Field(description="Who recorded the answer (the caller's subject)")
    answered_in_time: bool | None = Field(description="Null until answered")


class ComplaintPublic(BaseModel):
    id: uuid.UUID
    uprn: str
    resident_id: uuid.UUID | None
    category: ComplaintCategory
    medium: ContactMedium
    summary: str
    repair_id: uuid.UUID | None
    received_at: datetime
    stage: ComplaintStage
    status: ComplaintStatus
    root_cause: str | None
    learning: str | None
    remedy: str | None
    compensation_pence: int
    stages: list[ComplaintStagePublic]
    next_deadline: NextDeadline | None = Field(
        description="The next clock to beat; null when the current stage is answered"
    )


class ServiceRequestCreate(BaseModel):
    """A request for a service, recorded apart from complaints (no Code clock)."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    resident_id: uuid.UUID | None = None
    category: ComplaintCategory
    medium: ContactMedium
    summary: str = Field(min_length=1, pattern=HAS_WORDS, max_length=4000)
    received_at: StrictMoment = Field(
        description="When it was received: never in the future, nor more than the report "
        "window (10 years by default) ago"
    )


class ServiceRequestPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    resident_id: uuid.UUID | None
    category: ComplaintCategory
    medium: ContactMedium
    summary: str
    received_at: datetime
