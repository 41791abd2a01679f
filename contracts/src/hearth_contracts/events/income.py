"""Events published by the income service (topic hearth.income.events)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.base import Event
from hearth_contracts.values import NonNegativePence, Uprn


class TenancyType(StrEnum):
    INTRODUCTORY = "introductory"
    SECURE = "secure"
    ASSURED = "assured"
    STARTER = "starter"
    FIXED_TERM = "fixed_term"


class Tenant(BaseModel):
    """One tenant named on a tenancy (joint tenants each appear)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person_id: uuid.UUID
    full_name: str = Field(min_length=1, max_length=200)


class TenancyStarted(
    Event, service="income", name="tenancy-started", key="uprn", subject="tenancy_id"
):
    """A tenancy of a home began; its rent account is open."""

    tenancy_id: uuid.UUID
    tenancy_reference: str = Field(min_length=1, max_length=32)
    uprn: Uprn
    tenants: list[Tenant] = Field(min_length=1)
    start_date: date
    tenancy_type: TenancyType
    weekly_rent_pence: NonNegativePence
