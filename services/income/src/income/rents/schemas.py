"""Request and response models for rent changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.values import BoundedNonNegativePence
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay


class RentChangeCreate(BaseModel):
    """A tenancy's new weekly rent and service charge from a rent week on."""

    model_config = ConfigDict(extra="forbid")

    weekly_rent_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER]
    weekly_service_charge_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER] = Field(
        description="The new service charge a week (send the current one if unchanged)"
    )
    effective_from: StrictDay = Field(
        description="The first rent week at the new rent, by its Monday (the April rent "
        "change: the rent year's first Monday), not before the tenancy's start, nor "
        "more than 12 months after today (London); a 422 naming this field otherwise. "
        "A week already charged is not changed: a 409 naming this field. Sent again for "
        "the same week before it is charged, the change replaces the one recorded."
    )


class RentChangePublic(BaseModel):
    """A rent change recorded on a tenancy."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenancy_id: uuid.UUID
    effective_from: date
    weekly_rent_pence: int
    weekly_service_charge_pence: int
    made_at: datetime
