"""Visits tables: home visits, what each visit found, and the per-home projection the
visit programme ranks homes from."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.compliance import HeatingFuel
from hearth_contracts.events.income import TenancyType
from hearth_contracts.events.visits import (
    DeclineReason,
    HazardSeverity,
    NoAccessReason,
    TenancyConcernType,
    Trade,
    VisitChannel,
    VisitKind,
)
from hearth_kit.db import AwareDateTime, text_enum


class VisitsModel(SQLModel, registry=registry()):
    """Base of every visits table (its own metadata: its own database)."""


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    DECLINED = "declined"


class Visit(VisitsModel, table=True):
    """A home visit: booked, then reported once (completed, no access or declined)."""

    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_scheduled_for", "scheduled_for", "id"),
        Index("ix_visit_uprn_scheduled_for", "uprn", "scheduled_for", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    kind: VisitKind = Field(sa_type=text_enum(VisitKind))
    channel: VisitChannel = Field(sa_type=text_enum(VisitChannel))
    status: VisitStatus = Field(sa_type=text_enum(VisitStatus), index=True)
    scheduled_for: datetime = Field(sa_type=AwareDateTime)
    scheduled_end: datetime = Field(sa_type=AwareDateTime)
    officer: str | None = Field(default=None, max_length=64)
    tenancy_id: uuid.UUID | None = Field(default=None)
    rebooked_from_visit_id: uuid.UUID | None = Field(
        default=None, foreign_key="visit.id", unique=True
    )
    attempt_number: int = Field(default=1, description="1, or one more than the visit rebooked")
    scheduled_at: datetime = Field(sa_type=AwareDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    household_confirmed: bool | None = Field(default=None)
    no_access_reason: NoAccessReason | None = Field(default=None, sa_type=text_enum(NoAccessReason))
    decline_reason: DeclineReason | None = Field(default=None, sa_type=text_enum(DeclineReason))
    notes: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1)


class VisitRepairFinding(VisitsModel, table=True):
    """A non-emergency repair found on a visit (each becomes a repair request)."""

    __tablename__ = "visit_repair_finding"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    description: str = Field(sa_type=Text)
    location: str = Field(max_length=100)
    trade: Trade = Field(sa_type=text_enum(Trade))


class VisitHazardFinding(VisitsModel, table=True):
    """A hazard found on a visit (damp and mould above all)."""

    __tablename__ = "visit_hazard_finding"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    hazard_type: str = Field(max_length=64, index=True)
    severity: HazardSeverity = Field(sa_type=text_enum(HazardSeverity))
    location: str = Field(max_length=100)
    description: str = Field(sa_type=Text)


class VisitTenancyConcern(VisitsModel, table=True):
    """A tenancy concern raised at a visit; the notes never leave this service."""

    __tablename__ = "visit_tenancy_concern"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    concern: TenancyConcernType = Field(sa_type=text_enum(TenancyConcernType))
    notes: str | None = Field(default=None, sa_type=Text)


class HomeProfile(VisitsModel, table=True):
    """What visits knows about a home from other services' events (a projection):
    the asset register's heating fuel and postcode, and the current tenancy."""

    __tablename__ = "home_profile"

    uprn: str = Field(primary_key=True, max_length=12)
    heating_fuel: HeatingFuel | None = Field(default=None, sa_type=text_enum(HeatingFuel))
    postcode: str | None = Field(default=None, max_length=8)
    property_as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )
    current_tenancy_id: uuid.UUID | None = Field(default=None)
    tenancy_start_date: date | None = Field(default=None)
    tenancy_type: TenancyType | None = Field(default=None, sa_type=text_enum(TenancyType))
