"""Engagement tables: residents, and the tenancies engagement knows of."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.engagement import ContactChannel, FormatNeed
from hearth_kit.db import AwareDateTime, text_enum


class EngagementModel(SQLModel, registry=registry()):
    """Base of every engagement table (its own metadata: its own database)."""


class Resident(EngagementModel, table=True):
    """A resident on a tenancy, with their contact details and communication needs.
    Contact details never leave engagement."""

    __tablename__ = "resident"

    id: uuid.UUID = Field(primary_key=True)
    tenancy_id: uuid.UUID = Field(index=True)
    uprn: str = Field(max_length=12, index=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    preferred_channel: ContactChannel = Field(sa_type=text_enum(ContactChannel))
    language: str = Field(max_length=35)
    format_needs: list[FormatNeed] = Field(default_factory=list, sa_type=JSON)
    registered_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1)


class Tenancy(EngagementModel, table=True):
    """What engagement knows of a tenancy, projected from income's tenancy-started."""

    __tablename__ = "tenancy"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    tenancy_reference: str = Field(max_length=32)
    start_date: date
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When income announced it (an older event never overwrites it)",
    )
