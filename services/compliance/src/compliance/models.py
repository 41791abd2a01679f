"""Compliance tables: the asset register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.compliance import GasSupply, HeatingFuel, PropertyType, Tenure
from hearth_kit.db import AwareDateTime, text_enum


class ComplianceModel(SQLModel, registry=registry()):
    """Base of every compliance table (its own metadata: its own database)."""


class HomeBase(SQLModel):
    uprn: str = Field(primary_key=True, max_length=12)
    address_line_1: str = Field(max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(max_length=100)
    postcode: str = Field(max_length=8, index=True)
    property_type: PropertyType = Field(sa_type=text_enum(PropertyType))
    tenure: Tenure = Field(sa_type=text_enum(Tenure))
    heating_fuel: HeatingFuel = Field(sa_type=text_enum(HeatingFuel))
    gas_supply: GasSupply = Field(sa_type=text_enum(GasSupply))
    block_id: str | None = Field(default=None, max_length=64, index=True)


class Home(ComplianceModel, HomeBase, table=True):
    """A home in the asset register, identified by its UPRN."""

    __tablename__ = "home"

    registered_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1)
