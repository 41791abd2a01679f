"""Request and response models for recharges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import RechargeReason
from hearth_contracts.values import PositivePence
from hearth_kit.strict_types import WHOLE_NUMBER
from repairs.models import RechargeStatus


class RechargeCreate(BaseModel):
    """Damage caused by the household, to be recharged."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: Annotated[PositivePence, WHOLE_NUMBER] = Field(le=10**11)
    reason: RechargeReason


class RechargePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    repair_id: uuid.UUID
    uprn: str
    amount_pence: int
    reason: RechargeReason
    status: RechargeStatus
    vulnerability_flagged: bool = Field(
        description="The household has a recorded vulnerability (a manager must approve)"
    )
    approved_by: str | None
    requested_at: datetime
    raised_at: datetime | None
