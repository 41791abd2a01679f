"""Events published by the compliance service (topic hearth.compliance.events)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hearth_contracts.events.base import Event
from hearth_contracts.values import Uprn


class PropertyType(StrEnum):
    HOUSE = "house"
    FLAT = "flat"
    MAISONETTE = "maisonette"
    BUNGALOW = "bungalow"
    BEDSIT = "bedsit"


class Tenure(StrEnum):
    GENERAL_NEEDS = "general_needs"
    SHELTERED = "sheltered"
    SHARED_OWNERSHIP = "shared_ownership"
    LEASEHOLD = "leasehold"


class HeatingFuel(StrEnum):
    GAS = "gas"
    ELECTRIC = "electric"
    OIL = "oil"
    DISTRICT = "district"
    NONE = "none"


class GasSupply(StrEnum):
    LIVE = "live"
    CAPPED = "capped"
    NONE = "none"


class PropertyRegistered(
    Event, service="compliance", name="property-registered", key="uprn", subject="uprn"
):
    """A home was added to the asset register."""

    uprn: Uprn
    address_line_1: str = Field(min_length=1, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(min_length=1, max_length=100)
    postcode: str = Field(min_length=5, max_length=8)
    property_type: PropertyType
    tenure: Tenure = Tenure.GENERAL_NEEDS
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None = Field(default=None, max_length=64)
    registered_at: datetime
