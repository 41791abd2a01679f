"""Request and response models for homes."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hearth_contracts.events.compliance import GasSupply, HeatingFuel, PropertyType, Tenure
from hearth_contracts.values import Uprn

# The shape of a UK postcode (outward code, space optional, inward code).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


class HomeCreate(BaseModel):
    """A home to add to the asset register."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    address_line_1: str = Field(min_length=1, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(min_length=1, max_length=100)
    postcode: str = Field(max_length=16, examples=["E8 1DY"])
    property_type: PropertyType
    tenure: Tenure = Tenure.GENERAL_NEEDS
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None = Field(default=None, max_length=64)

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, value: str) -> str:
        normalised = " ".join(value.upper().split())
        if not POSTCODE.match(normalised):
            raise ValueError("not a UK postcode")
        compact = normalised.replace(" ", "")
        return f"{compact[:-3]} {compact[-3:]}"


class HomePublic(BaseModel):
    """A home in the asset register."""

    model_config = ConfigDict(from_attributes=True)

    uprn: str
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    property_type: PropertyType
    tenure: Tenure
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None
    registered_at: datetime
    needs_gas_safety_check: bool = Field(
        description="A live gas supply or gas heating means a landlord gas safety record is needed"
    )
