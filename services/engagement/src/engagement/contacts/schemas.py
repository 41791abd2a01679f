"""Request and response models for contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.engagement import ContactDirection, ContactMedium, ContactReason
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import StrictMoment


class ContactCreate(BaseModel):
    """A contact with a household, from any channel."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    resident_id: uuid.UUID | None = Field(default=None, description="The resident, when known")
    direction: ContactDirection
    medium: ContactMedium
    reason: ContactReason
    contacted_at: StrictMoment = Field(
        description="When it happened: never in the future, nor more than the report window "
        "(10 years by default) ago"
    )
    notes: str | None = Field(default=None, max_length=4000)


class ContactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    resident_id: uuid.UUID | None
    direction: ContactDirection
    medium: ContactMedium
    reason: ContactReason
    contacted_at: datetime
    notes: str | None
    logged_by: str
