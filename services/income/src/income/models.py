"""Income tables: tenancies, their tenants and rent accounts, and the homes income knows of."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.income import TenancyType
from hearth_kit.db import AwareDateTime, text_enum


class IncomeModel(SQLModel, registry=registry()):
    """Base of every income table (its own metadata: its own database)."""


class TenancyStatus(StrEnum):
    CURRENT = "current"
    ENDED = "ended"


class Tenancy(IncomeModel, table=True):
    """A tenancy of a home. A home has at most one current tenancy (enforced by a
    partial unique index as well as by the service)."""

    __tablename__ = "tenancy"
    __table_args__ = (
        Index(
            "uq_tenancy_one_current_per_home",
            "uprn",
            unique=True,
            postgresql_where=text("status = 'current'"),
            sqlite_where=text("status = 'current'"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    tenancy_reference: str = Field(max_length=32, unique=True, index=True)
    uprn: str = Field(max_length=12, index=True)
    start_date: date
    end_date: date | None = None
    tenancy_type: TenancyType = Field(sa_type=text_enum(TenancyType))
    weekly_rent_pence: int = Field(sa_type=BigInteger)
    status: TenancyStatus = Field(sa_type=text_enum(TenancyStatus))
    created_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1)


class Tenant(IncomeModel, table=True):
    """A person named on a tenancy; joint tenants each have a row."""

    __tablename__ = "tenant"

    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id", primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True, index=True)
    position: int = Field(description="The order the tenants are named in on the tenancy")
    full_name: str = Field(max_length=200)


class RentAccount(IncomeModel, table=True):
    """A tenancy's rent account (one per tenancy). Positive balance: the tenant owes."""

    __tablename__ = "rent_account"

    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id", primary_key=True)
    balance_pence: int = Field(default=0, sa_type=BigInteger)
    opened_on: date
    version: int = Field(default=1)


class Home(IncomeModel, table=True):
    """What income knows of a home, projected from compliance's asset register.
    Income never requires a home to be here: events may arrive in any order."""

    __tablename__ = "home"

    uprn: str = Field(primary_key=True, max_length=12)
    postcode: str = Field(max_length=8)
    address_line_1: str = Field(max_length=200)
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )
