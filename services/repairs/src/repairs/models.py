"""Repairs tables: repair requests, appointment requests, and the homes it knows of."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.repairs import RepairPriority, RepairSource
from hearth_contracts.events.visits import Trade
from hearth_kit.db import AwareDateTime, text_enum


class RepairsModel(SQLModel, registry=registry()):
    """Base of every repairs table (its own metadata: its own database)."""


class RepairStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AppointmentRequestStatus(StrEnum):
    PENDING = "pending"
    BOOKED = "booked"
    CANCELLED = "cancelled"


class RepairRequest(RepairsModel, table=True):
    """A repair reported at a home, with its priority and the target it is measured by."""

    __tablename__ = "repair_request"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    description: str = Field(max_length=2000)
    location: str = Field(max_length=100)
    trade: Trade = Field(sa_type=text_enum(Trade))
    priority: RepairPriority = Field(sa_type=text_enum(RepairPriority))
    status: RepairStatus = Field(default=RepairStatus.OPEN, sa_type=text_enum(RepairStatus))
    source: RepairSource = Field(sa_type=text_enum(RepairSource))
    reported_at: datetime = Field(sa_type=AwareDateTime)
    target_at: datetime = Field(sa_type=AwareDateTime)
    visit_id: uuid.UUID | None = Field(default=None, index=True)
    finding_id: uuid.UUID | None = Field(
        default=None, unique=True, description="The visit finding this repair came from"
    )
    appointment_request_id: uuid.UUID | None = Field(
        default=None, foreign_key="appointment_request.id", index=True
    )
    created_at: datetime = Field(sa_type=AwareDateTime)


class AppointmentRequest(RepairsModel, table=True):
    """Open work at one home offered in one appointment (all repairs from one visit)."""

    __tablename__ = "appointment_request"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    visit_id: uuid.UUID | None = Field(default=None, unique=True)
    status: AppointmentRequestStatus = Field(
        default=AppointmentRequestStatus.PENDING, sa_type=text_enum(AppointmentRequestStatus)
    )
    requested_at: datetime = Field(sa_type=AwareDateTime)


class KnownHome(RepairsModel, table=True):
    """Projection of compliance's asset register: what an operative needs to find a home."""

    __tablename__ = "home"

    uprn: str = Field(primary_key=True, max_length=12)
    address_line_1: str = Field(max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(max_length=100)
    postcode: str = Field(max_length=8)
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )
