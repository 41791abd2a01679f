"""Response models for appointment requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from hearth_contracts.events.visits import Trade
from repairs.models import AppointmentRequestStatus


class AppointmentRequestPublic(BaseModel):
    """Work at one home to be offered in one appointment."""

    id: uuid.UUID
    uprn: str
    visit_id: uuid.UUID | None
    status: AppointmentRequestStatus
    requested_at: datetime
    repair_ids: list[uuid.UUID] = Field(description="The repairs to be done in this appointment")
    trades: list[Trade] = Field(description="Trades the appointment needs")
