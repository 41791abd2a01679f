"""Request and response models for recharges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import RechargeReason
from hearth_contracts.values import PositivePence
from hearth_kit.strict_types import WHOLE_NUMBER
from repairs.models import RechargeDecline, RechargeStatus


class RechargeCreate(BaseModel):
    """Damage caused by the household, to be recharged."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: Annotated[PositivePence, WHOLE_NUMBER] = Field(le=10**11)
    reason: RechargeReason


class RechargeDeclineCreate(BaseModel):
    """A manager's decision not to recharge a held recharge: why, as a code (no free
    text: it would be about the household, and this decision is kept and returned)."""

    model_config = ConfigDict(extra="forbid")

    reason: RechargeDecline = Field(
        description="vulnerability (not fair given the household's recorded vulnerability), "
        "landlords_responsibility (the landlord's to pay for after all), not_cost_effective "
        "(recovering it would cost more than it brings in), communal_repair (the repair "
        "has turned out to be communal, at a block: repairs declines such a recharge "
        "itself when it learns so, and one held before then has its approval refused, "
        "422 naming repair_id; only for such a repair, else a 422 naming reason), other"
    )


class RechargePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    repair_id: uuid.UUID
    uprn: str
    amount_pence: int
    reason: RechargeReason
    status: RechargeStatus
    vulnerability_flagged: bool = Field(
        description="The household has a recorded vulnerability (a manager must approve or decline)"
    )
    approved_by: str | None
    requested_at: datetime
    raised_at: datetime | None
    declined_by: str | None = Field(
        description="The manager who declined it, if declined; null when repairs declined "
        "it itself, its repair found communal (decline_reason communal_repair)"
    )
    declined_at: datetime | None
    decline_reason: RechargeDecline | None
