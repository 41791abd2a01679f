"""Events published by the engagement service (topic hearth.engagement.events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hearth_contracts.events.base import Event
from hearth_contracts.values import Uprn


class ContactChannel(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class ResidentRegistered(
    Event, service="engagement", name="resident-registered", key="uprn", subject="resident_id"
):
    """A resident was registered on a tenancy. Contact details stay in engagement."""

    resident_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    full_name: str = Field(min_length=1, max_length=200)
    preferred_channel: ContactChannel
    language: str = Field(min_length=2, max_length=35, description="BCP 47 language tag")
    registered_at: datetime
