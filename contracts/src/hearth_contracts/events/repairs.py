"""Events published by the repairs service (topic hearth.repairs.events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hearth_contracts.events.base import Event
from hearth_contracts.events.visits import Trade
from hearth_contracts.values import Uprn


class RepairPriority(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    PLANNED = "planned"


class RepairSource(StrEnum):
    HOME_VISIT = "home_visit"
    CONTACT_CENTRE = "contact_centre"
    ONLINE = "online"
    SAFETY_CHECK = "safety_check"


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
    reported_at: datetime
    target_at: datetime = Field(description="When the repair must be completed by")
    appointment_request_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
