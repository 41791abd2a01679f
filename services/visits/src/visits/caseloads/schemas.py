"""Response models for officers' caseloads."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.visits import Caseload
from hearth_kit.strict_types import StrictDay


class CaseloadEntryPublic(BaseModel):
    """A tenancy an officer holds, on which caseload, since when and until when."""

    model_config = ConfigDict(from_attributes=True)

    tenancy_id: uuid.UUID
    uprn: str
    caseload: Caseload
    officer: str | None
    since: date
    introductory_ends_on: date | None
    review_on: date | None
    review_overdue: bool = Field(
        default=False, description="A referral whose review date has passed (not yet reviewed)"
    )
    returns_to: Caseload | None
    as_of: datetime


class ReferralCreate(BaseModel):
    """A tenancy referred to the sustainable tenancy caseload by an officer (a complex
    case: persistent arrears, anti-social behaviour, hoarding, vulnerability), with the
    date it is to be reviewed by."""

    model_config = ConfigDict(extra="forbid")

    review_on: StrictDay = Field(description="The review date: after today")
